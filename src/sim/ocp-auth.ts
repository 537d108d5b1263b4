// Verifies OCP credentials exactly as received: Basic against the configured users, and AccessKey
// signatures recomputed from the request (method, body MD5, Content-Type, Date, Host, x-ocp-*, path and query).

import { timingSafeEqual } from 'node:crypto';
import { canonicalQuery, contentMd5, ocpSignature, ocpStringToSign } from '../connections/ocp-signature.js';
import type { SimOcpConfig } from './config.js';
import type { Exchange } from './routing.js';

export type OcpAuthResult = { ok: true; scheme: 'basic' | 'accesskey'; principal: string } | { ok: false; message: string };

const BASIC = /^Basic\s+(\S+)\s*$/i;
const ACCESS_KEY = /^OCP-ACCESS-KEY-HMACSHA1\s+([^:\s]+):(\S+)\s*$/;

/** Checks the Authorization header of an OCP request; `now` is the server clock in ms. */
export function authenticateOcp(ex: Exchange, config: SimOcpConfig, now: number): OcpAuthResult {
  const header = ex.headers.authorization;
  if (header === undefined || header === '') {
    return { ok: false, message: 'Not logged in: send Basic credentials or an OCP AccessKey signature' };
  }
  const basic = BASIC.exec(header);
  if (basic) return checkBasic(basic[1] as string, config);
  const ak = ACCESS_KEY.exec(header);
  if (ak) return checkAccessKey(ex, ak[1] as string, ak[2] as string, config, now);
  return { ok: false, message: 'Unsupported Authorization scheme: use Basic or OCP-ACCESS-KEY-HMACSHA1' };
}

function checkBasic(encoded: string, config: SimOcpConfig): OcpAuthResult {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return { ok: false, message: 'Malformed Basic credentials' };
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  const user = config.users.find((u) => u.username === username);
  if (!user || !sameText(user.password, password)) {
    return { ok: false, message: 'Bad credentials: unknown user or wrong password' };
  }
  return { ok: true, scheme: 'basic', principal: username };
}

function checkAccessKey(ex: Exchange, keyId: string, signature: string, config: SimOcpConfig, now: number): OcpAuthResult {
  const key = config.accessKeys.find((k) => k.id === keyId);
  if (!key) return { ok: false, message: 'The access key is not known' };
  const date = ex.headers.date;
  if (date === undefined) return { ok: false, message: 'A signed request needs a Date header' };
  const sentAt = Date.parse(date);
  if (Number.isNaN(sentAt)) return { ok: false, message: 'The Date header is not an RFC 1123 date' };
  if (Math.abs(now - sentAt) >= config.maxClockSkewMs) {
    return {
      ok: false,
      message: `The Date header is ${Math.round(Math.abs(now - sentAt) / 1000)} s away from the server clock (limit ${config.maxClockSkewMs / 1000} s)`,
    };
  }
  const expected = ocpSignature(key.secret, stringToSignOf(ex));
  if (!sameText(expected, signature)) return { ok: false, message: 'The request signature does not match' };
  return { ok: true, scheme: 'accesskey', principal: keyId };
}

/** The string to sign, rebuilt from the request as the server received it. */
export function stringToSignOf(ex: Exchange): string {
  const ocpHeaders = Object.fromEntries(Object.entries(ex.headers).filter(([name]) => name.startsWith('x-ocp-')));
  const query = canonicalQuery(Object.fromEntries(ex.queryPairs));
  return ocpStringToSign({
    method: ex.method,
    contentMd5: contentMd5(ex.body),
    contentType: ex.headers['content-type'] ?? '',
    date: ex.headers.date ?? '',
    host: ex.headers.host ?? '',
    ocpHeaders,
    pathAndQuery: query === '' ? ex.pathname : `${ex.pathname}?${query}`,
  });
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
