// Reads an answer's body with a size cap and turns it into what actions see: parsed JSON when it is JSON,
// the text otherwise, undefined when empty. Bodies are not kept beyond that.

import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { RunbookError } from '../errors.js';

/** Bodies larger than this are refused: no maintenance API answers with more. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** A response body as undici gives it: a readable stream. */
export type BodyStream = Pick<Readable, 'on' | 'off' | 'destroy'>;

/**
 * Reads a stream to a Buffer, destroying it and throwing BAD_RESPONSE past `limit` bytes. Listens to its
 * events rather than iterating it: an async iterator per response was a tenth of the memory a request
 * allocates.
 */
export function readBodyBytes(body: BodyStream, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
    };
    const onData = (chunk: unknown): void => {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      size += buf.length;
      if (size > limit) {
        done();
        body.destroy();
        reject(new RunbookError('BAD_RESPONSE', `the server answered with a body larger than ${limit} bytes; refused`, { details: { limit } }));
        return;
      }
      chunks.push(buf);
    };
    const onEnd = (): void => {
      done();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (err: unknown): void => {
      done();
      reject(err);
    };
    // Closed before its end without an error: the same premature close an iterator reports.
    const onClose = (): void => {
      done();
      reject(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
  });
}

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

/** Response headers as a flat record with lower-case names; repeated headers joined with ', '. */
export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
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

/** A short one-line excerpt of a body for messages and error details (redact it before use). */
export function bodySnippet(body: unknown, max = 300): string | undefined {
  if (body === undefined) return undefined;
  const text = (typeof body === 'string' ? body : JSON.stringify(body)).replace(/\s+/g, ' ').trim();
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
