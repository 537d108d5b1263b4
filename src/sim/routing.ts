// What the simulator's routes work with: a request as they see it (raw path, decoded segments, body
// bytes), matching it to a route, and the small set of ways to answer it.

import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request as recorded by the simulator, for assertions. */
export interface RecordedRequest {
  method: string;
  /** Raw request target, exactly as on the request line (with the query). */
  path: string;
  /** Raw pathname, not decoded. */
  pathname: string;
  /** Decoded query parameters (first value of a repeated key). */
  query: Record<string, string>;
  /** Header names in lower case; repeated headers joined with `, `. */
  headers: Record<string, string>;
  /** Raw body as UTF-8 text ('' when there is none). */
  body: string;
  /** Milliseconds since the epoch. */
  receivedAt: number;
}

/** Everything a route needs about one request. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  /** Raw pathname. */
  pathname: string;
  /**
   * Path segments, each percent-decoded on its own, so that an encoded `/` stays inside its segment and
   * never makes a request match another route.
   */
  segments: string[];
  query: Record<string, string>;
  /** Query parameters with every value, in order (for signature checks). */
  queryPairs: Array<[string, string]>;
  headers: Record<string, string>;
  body: Buffer;
  receivedAt: number;
  /** Aborted when the simulator closes: long waits must stop. */
  signal: AbortSignal;
}

/** Splits a raw pathname into decoded segments; undefined when a segment has a malformed escape. */
export function decodeSegments(pathname: string): string[] | undefined {
  const raw = pathname.split('/').slice(1);
  try {
    return raw.map((s) => (s.includes('%') ? decodeURIComponent(s) : s));
  } catch {
    return undefined;
  }
}

/** Parses a raw query string the way a servlet container does (`+` is a space). */
export function parseQuery(search: string): Array<[string, string]> {
  if (search === '') return [];
  return search
    .split('&')
    .filter((part) => part !== '')
    .map((part) => {
      const eq = part.indexOf('=');
      const k = eq === -1 ? part : part.slice(0, eq);
      const v = eq === -1 ? '' : part.slice(eq + 1);
      return [decodeQueryComponent(k), decodeQueryComponent(v)];
    });
}

function decodeQueryComponent(s: string): string {
  const spaced = s.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

/** Lower-cased header map with repeated headers joined. */
export function flattenHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** Whether the response can still be written (the client or a fault may have ended it). */
export function canAnswer(res: ServerResponse): boolean {
  return !res.writableEnded && !res.destroyed && !res.socket?.destroyed;
}

/** Sends a JSON body with the given status and extra headers. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (!canAnswer(res)) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json;charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Sends a plain-text body. */
export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (!canAnswer(res)) return;
  res.writeHead(status, { ...headers, 'content-type': 'text/plain;charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sends a status with no body. */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  if (!canAnswer(res)) return;
  res.writeHead(status, headers);
  res.end();
}

/** Matches decoded segments against a pattern like `['compute', 'hosts', ':hostId']`; returns the params. */
export function matchRoute(segments: string[], pattern: string[]): Record<string, string> | undefined {
  if (segments.length !== pattern.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i += 1) {
    const p = pattern[i] as string;
    const s = segments[i] as string;
    if (p.startsWith(':')) params[p.slice(1)] = s;
    else if (p !== s) return undefined;
  }
  return params;
}
