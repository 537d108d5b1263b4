// The HTTP client an action receives, and the contract a connection type implements.
// A connection type owns authentication and the vendor's envelope; the transport owns pooling,
// TLS, timeouts, retries and error classification, the same for every vendor.

import type { Logger } from 'pino';
import type { JsonSchema } from './json-schema.js';
import type { Redactor } from '../secrets/redactor.js';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request as an action describes it: relative to the connection's base URL. */
export interface HttpRequest {
  method: HttpMethod;
  /** Path below the connection URL, already percent-encoded (build it with `encodePath`). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON-serialisable body; omitted means no body. */
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * Whether sending the request twice has the same effect as sending it once. Default: true for GET,
   * HEAD, PUT and DELETE, false for POST and PATCH. A request that is not idempotent is retried only when
   * the server cannot have acted on it (the connection was refused, or it answered 429 or 503), never
   * after a timeout or a dropped connection.
   */
  idempotent?: boolean;
}

export interface HttpResponse<T = unknown> {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** Parsed JSON when the body is JSON, the text otherwise, undefined when empty. */
  body: T;
  /** The server's trace id, when the vendor gives one (OCP `traceId`). */
  traceId?: string;
}

/** What the report records about the last request an operation made. */
export interface RequestRecord {
  method: HttpMethod;
  url: string;
  body?: unknown;
}

export interface ResponseRecord {
  status: number;
  traceId?: string;
}

/**
 * The HTTP client handed to an action's `run` and `probe`. Auth, TLS, timeouts and retries of
 * transient failures are already applied. It throws `RunbookError` (codes HTTP_STATUS, OCP_ERROR,
 * CONNECTION_ERROR, TIMEOUT, ...) for anything but success.
 */
export interface HttpClient {
  readonly baseUrl: string;
  request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>>;
}

/** Retry policy, resolved: milliseconds, attempts >= 1. */
export interface RetryPolicy {
  attempts: number;
  delayMs: number;
  maxDelayMs: number;
}

/** What an open connection gives the transport for each request. */
export interface ConnectionSession {
  /**
   * A path the connection type puts between the connection URL and every request path (OCP: `/api/v2`).
   * Not added when the path already starts with it, so actions may give paths either way.
   */
  pathPrefix?: string;
  /** Who the credentials belong to, for an auth failure (`user 'admin'`). Never a secret. */
  identity?: string;
  /** Adds authentication headers (may log in first; concurrent callers share one login). */
  authorize(req: OutgoingRequest): Promise<void> | void;
  /**
   * Called on a 401 with the request that got it: return true when fresh credentials were obtained (by this
   * call or by a concurrent one since `failed` was authorized) and the request may be sent again once.
   */
  reauthorize?(failed: OutgoingRequest): Promise<boolean>;
  /** Throws a RunbookError when an answer is a failure in the vendor's envelope (called for every status but 3xx). */
  checkResponse?(res: HttpResponse, req: OutgoingRequest): void;
  /** Extracts the vendor's trace id, if any. */
  traceIdOf?(res: HttpResponse): string | undefined;
  /** Ends the session at the end of the run (BAO logout). Never throws. */
  close?(): Promise<void>;
}

/** A request after the transport resolved it, given to `authorize` for signing. */
export interface OutgoingRequest {
  method: HttpMethod;
  /** Full URL that will be sent, with the canonical query string. */
  url: URL;
  /** Path and canonical query, as sent on the request line. */
  pathAndQuery: string;
  /** Lower-cased names. `authorize` may add or replace any of them (including `host` and `content-type`). */
  headers: Record<string, string>;
  /** The exact body bytes, when there is a body. */
  body?: Buffer;
}

export interface ConnectionContext {
  log: Logger;
  redactor: Redactor;
  /** Sends a request without the session's authorize/check hooks (for login and logout calls). */
  rawRequest(req: HttpRequest & { headers?: Record<string, string> }): Promise<HttpResponse>;
}

/** A connection type, as registered with `defineConnection`. */
export interface ConnectionDefinition<C = Record<string, unknown>> {
  /** The `type:` value in `connections:` (for example `ocp`). */
  type: string;
  description: string;
  /** JSON Schema for the connection entry (all keys, including `type`, `url`, `auth`, `tls`). */
  config: JsonSchema;
  /** Opens a session for one run. Must not send anything until the first request. */
  open(config: C, ctx: ConnectionContext): ConnectionSession;
}
