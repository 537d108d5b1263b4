// A request made ready to send: its body serialised and its target resolved once for all its attempts,
// and, for each attempt, the fresh copy a session's `authorize` may sign and add headers to.

import { RunbookError } from '../errors.js';
import type { ConnectionState } from './connection-state.js';
import { buildPathAndQuery } from './request-target.js';
import type { HttpMethod, HttpRequest, OutgoingRequest } from '../contracts/connection.js';

/** A request once its body is serialised and its target resolved; the same for every attempt. */
export interface PreparedRequest {
  method: HttpMethod;
  pathAndQuery: string;
  /** The full URL, redacted, for traces, logs and errors. */
  displayUrl: string;
  headers: Record<string, string>;
  bodyBytes?: Buffer;
  /** The body as the action gave it, redacted, for the trace. */
  traceBody?: unknown;
}

/** Merges the connection's headers with the request's, resolves the target and serialises the body. */
export function prepareRequest(conn: ConnectionState, req: HttpRequest): PreparedRequest {
  const headers: Record<string, string> = { ...conn.staticHeaders };
  if (req.headers) for (const [key, value] of Object.entries(req.headers)) headers[key.toLowerCase()] = value;
  const pathAndQuery = buildPathAndQuery(conn.basePath, conn.session.pathPrefix, req);
  const prepared: PreparedRequest = {
    method: req.method,
    pathAndQuery,
    displayUrl: conn.redactor.redact(conn.origin + pathAndQuery),
    headers,
  };
  if (req.body !== undefined) {
    prepared.bodyBytes = Buffer.from(serialiseBody(req), 'utf8');
    prepared.traceBody = conn.redactor.redactValue(req.body);
    headers['content-type'] ??= 'application/json';
  }
  return prepared;
}

/**
 * The request as one attempt sends it, for the session's `authorize` to sign: its own copy of the headers,
 * and its URL, parsed when a session first reads it. Only sessions that sign requests read it, and parsing
 * a URL costs more than the rest of preparing an attempt.
 */
class AttemptRequest implements OutgoingRequest {
  method: HttpMethod;
  pathAndQuery: string;
  headers: Record<string, string>;
  body?: Buffer;
  readonly #origin: string;
  #url: URL | undefined;

  constructor(origin: string, prepared: PreparedRequest) {
    this.method = prepared.method;
    this.pathAndQuery = prepared.pathAndQuery;
    this.headers = { ...prepared.headers };
    if (prepared.bodyBytes !== undefined) this.body = prepared.bodyBytes;
    this.#origin = origin;
  }

  get url(): URL {
    this.#url ??= new URL(this.#origin + this.pathAndQuery);
    return this.#url;
  }
}

/** A fresh copy of `prepared` for one attempt, sent to `origin`. */
export function outgoingRequest(origin: string, prepared: PreparedRequest): OutgoingRequest {
  return new AttemptRequest(origin, prepared);
}

/** The JSON text of a request body; INVALID_INPUT when it cannot be written as JSON (a BigInt, a cycle). */
function serialiseBody(req: HttpRequest): string {
  try {
    return JSON.stringify(req.body);
  } catch (cause) {
    throw new RunbookError('INVALID_INPUT', `the body of ${req.method} ${req.path} cannot be written as JSON: ${String(cause)}`, { cause });
  }
}
