// Builds request paths from a template and untrusted values: each value becomes exactly one path segment,
// so a peer or host name can never add segments, climb with `..`, or start a query.

import { RunbookError } from '../errors.js';
import { rfc3986Encode } from './ocp-signature.js';

/** A value allowed inside a path: it is written as text, then percent-encoded as one segment. */
export type PathValue = string | number | bigint;

/**
 * Encodes one value as a single path segment: RFC 3986 strict (only `A-Za-z0-9-._~` left as is), and the
 * dot segments `.` and `..` written `%2E` and `%2E%2E` so that no URL normalisation can remove them.
 * An empty value is refused: it would silently merge two segments.
 */
export function encodePathSegment(value: PathValue): string {
  const text = String(value);
  if (text === '') {
    throw new RunbookError('INVALID_INPUT', 'an empty value cannot be used as a URL path segment; check the input that names it');
  }
  if (text === '.' || text === '..') return text.replace(/\./g, '%2E');
  try {
    return rfc3986Encode(text);
  } catch {
    // encodeURIComponent throws URIError on a lone surrogate: such text cannot be a name on the server.
    throw new RunbookError(
      'INVALID_INPUT',
      'a URL path segment contains invalid Unicode (a lone surrogate); check the input that names it',
    );
  }
}

/**
 * Tagged template for request paths: `` encodePath`/peer/${name}/stop` ``. The literal parts are kept as
 * written; every interpolated value is percent-encoded as one segment (see `encodePathSegment`).
 */
export function encodePath(literals: TemplateStringsArray, ...values: PathValue[]): string {
  let path = literals[0] ?? '';
  values.forEach((value, i) => {
    if (value === undefined || value === null || (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint')) {
      throw new RunbookError(
        'INVALID_INPUT',
        `a URL path segment must be a string or a number (got ${value === null ? 'null' : typeof value})`,
      );
    }
    path += encodePathSegment(value) + (literals[i + 1] ?? '');
  });
  return path;
}
