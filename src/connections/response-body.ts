// What an answer's body becomes for actions: parsed JSON when it is JSON, the text otherwise, undefined
// when empty (bodies are read, with their size cap, in collect-answer.ts). Bodies are not kept beyond that.

import type { IncomingHttpHeaders } from 'node:http';

/** Bodies larger than this are refused: no maintenance API answers with more. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Parses a body: JSON when the content type says so or it looks like JSON and parses; text otherwise. */
export function parseBody(bytes: Buffer, contentType: string | undefined): unknown {
  if (bytes.length === 0) return undefined;
  const text = bytes.toString('utf8');
  if ((contentType !== undefined && /json/i.test(contentType)) || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Lenient: a body that claims JSON but is not stays text, for the error message.
    }
  }
  return text;
}

/**
 * Response headers as a flat record with lower-case names; repeated headers joined with ', '. The record
 * undici made for this answer is returned as it is when it already is one (the common case): no copy.
 */
export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  if (isFlat(headers)) return headers as Record<string, string>;
  const out: Record<string, string> = {};
  // for-in, not Object.entries: no array per header of every response.
  for (const name in headers) {
    if (!Object.hasOwn(headers, name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function isFlat(headers: IncomingHttpHeaders): boolean {
  if (Object.getPrototypeOf(headers) !== Object.prototype) return false;
  for (const name in headers) {
    if (!Object.hasOwn(headers, name) || typeof headers[name] !== 'string' || name !== name.toLowerCase()) return false;
  }
  return true;
}

/**
 * A short one-line excerpt of a body for messages and error details. The whole text is redacted before
 * it is cut: a cut could leave the start of a secret that the redactor no longer recognises.
 */
export function bodySnippet(body: unknown, redact: (text: string) => string, max = 300): string | undefined {
  if (body === undefined) return undefined;
  const text = redact(typeof body === 'string' ? body : JSON.stringify(body))
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
