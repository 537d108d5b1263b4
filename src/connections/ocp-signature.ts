// OCP AccessKey request signing (OCP 4.0.3+): the string to sign, its HMAC-SHA1 signature, and the
// canonical forms of the body digest and query string. Pure functions: the client and the simulator share them.

import { createHash, createHmac } from 'node:crypto';

/** The parts of a request that the OCP AccessKey signature covers, exactly as they are sent. */
export interface OcpSignedParts {
  method: string;
  /** `contentMd5(body)`: upper-case hex MD5 of the body bytes, '' when there is no body. */
  contentMd5: string;
  /** The Content-Type header, byte for byte. */
  contentType: string;
  /** The Date header, byte for byte (RFC 1123). */
  date: string;
  /** The Host header, `host:port`. */
  host: string;
  /** Every `x-ocp-*` header sent (single-valued). Names are compared lower-cased. */
  ocpHeaders: Record<string, string>;
  /** Path, then `?` and `canonicalQuery(...)` when there is a query. */
  pathAndQuery: string;
}

/**
 * Builds the OCP string to sign: seven parts joined by `\n` (an empty part keeps its separator,
 * no trailing newline). The x-ocp headers are written `name:value`, sorted by name, joined by `\n`.
 */
export function ocpStringToSign(parts: OcpSignedParts): string {
  const ocpHeaders = Object.entries(parts.ocpHeaders)
    .map(([name, value]) => [name.toLowerCase(), value] as const)
    .filter(([name]) => name.startsWith('x-ocp-'))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}:${value}`)
    .join('\n');
  return [parts.method.toUpperCase(), parts.contentMd5, parts.contentType, parts.date, parts.host, ocpHeaders, parts.pathAndQuery].join(
    '\n',
  );
}

/** `base64(HMAC-SHA1(key = secret, message = stringToSign))`. */
export function ocpSignature(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

/** Upper-case hex MD5 of the body bytes; '' when there is no body (undefined or empty). */
export function contentMd5(body?: Buffer | string): string {
  if (body === undefined || body.length === 0) return '';
  return createHash('md5').update(body).digest('hex').toUpperCase();
}

const UNRESERVED = /^[A-Za-z0-9\-._~]*$/;

/** RFC 3986 strict percent-encoding: only `A-Za-z0-9-._~` stay as they are, hex is upper-case. */
export function rfc3986Encode(value: string): string {
  // Most values (numbers, names) need no encoding at all.
  if (UNRESERVED.test(value)) return value;
  // encodeURIComponent leaves !'()* alone and already uses upper-case hex; finish the job.
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function inOrder(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i += 1) if ((keys[i - 1] as string) > (keys[i] as string)) return false;
  return true;
}

/** The canonical query: parameters sorted by key (code-unit order), each `enc(k)=enc(v)`, joined by `&`. */
export function canonicalQuery(params: Record<string, string>): string {
  const keys = Object.keys(params);
  // Sorting allocates even when there is nothing to move: most queries are written in order already.
  if (!inOrder(keys)) keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let query = '';
  for (const k of keys) query += `${query === '' ? '' : '&'}${rfc3986Encode(k)}=${rfc3986Encode(params[k] as string)}`;
  return query;
}
