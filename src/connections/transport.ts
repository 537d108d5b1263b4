// The HTTP transport every connection type shares: one keep-alive pool per connection, TLS, per-attempt
// deadlines, retries of transient failures, redirect refusal, and error classification. Connection types
// plug in through their session (auth headers, re-login, vendor envelope); actions see only `HttpClient`.

import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { RunbookError } from '../errors.js';
import type { Redactor } from '../secrets/redactor.js';
import type { ConnectionState, SentRequests } from './connection-state.js';
import { buildPathAndQuery, parseConnectionUrl, withPrefix } from './request-target.js';
import { type AttemptSettings, type OperationTrace, sendRequest } from './send-request.js';
import type { StopSignal } from './stop-signal.js';
import { resolveTls } from './tls.js';
import type {
  ConnectionContext,
  ConnectionDefinition,
  HttpClient,
  HttpMethod,
  HttpRequest,
  HttpResponse,
  RetryPolicy,
} from '../contracts/connection.js';

export type { SentRequests } from './connection-state.js';
export type { OperationTrace } from './send-request.js';

/** Per-attempt deadline of the session's own requests (login, logout), which belong to no operation. */
export const DEFAULT_SESSION_TIMEOUT_MS = 30_000;
/** How long `close()` lets in-flight requests finish before it drops the sockets. */
const POOL_CLOSE_GRACE_MS = 2_000;

// undici is loaded when the first connection opens, not at start-up: commands that send nothing
// (validate, an offline plan) then start in a fraction of the time. It is CommonJS, so this is synchronous.
const requireFromHere = createRequire(import.meta.url);
function loadUndici(): typeof import('undici') {
  return requireFromHere('undici') as typeof import('undici');
}

export interface OpenConnectionOptions {
  /** The `connections:` key. */
  name: string;
  /** The entry, expressions already resolved (type, url, auth, tls, headers, ...). */
  config: Record<string, unknown>;
  definition: ConnectionDefinition;
  /** The runbook's folder: `tls.ca` paths are relative to it. */
  baseDir: string;
  log: Logger;
  redactor: Redactor;
  /** Pool size; at least the run's concurrency. */
  maxConnections: number;
  /** Per-attempt deadline of login/logout requests. Default 30 s. */
  sessionTimeoutMs?: number;
}

export interface ClientOptions {
  /** Deadline of one attempt, from connecting to the last body byte. */
  timeoutMs: number;
  retry: RetryPolicy;
  /** The operation's signal: aborting it fails requests with CANCELLED, never retried. */
  signal: StopSignal;
  trace: OperationTrace;
  /** Refuse any method but GET and HEAD before sending (plan --online probes). */
  readOnly?: boolean;
}

export interface ConnectionRuntime {
  readonly name: string;
  readonly type: string;
  /** Connection URL plus the type's path prefix, without a trailing slash. */
  readonly baseUrl: string;
  /** The full URL a request would be sent to (connection URL, type prefix, path, canonical query), for plans and reports. */
  urlFor(req: Pick<HttpRequest, 'path' | 'query'>): string;
  /** A client for one operation: per-attempt timeout, retry policy, cancellation, a trace of what it sent. */
  client(options: ClientOptions): HttpClient;
  /** Ends the session (BAO logout), then closes the pool. Never throws. */
  close(): Promise<void>;
  /** Every request this connection has put on the wire so far, each attempt counted. */
  readonly sent: SentRequests;
}

/** A new, empty trace for one operation. */
export function createOperationTrace(): OperationTrace {
  return { attempts: 0, requests: 0 };
}

const READ_ONLY_METHODS: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD']);
/** Login and logout requests are sent once. */
const NO_RETRY: RetryPolicy = { attempts: 1, delayMs: 0, maxDelayMs: 0 };

/**
 * Opens a connection for one run: validates url/tls/headers, opens the connection type's session (which
 * sends nothing yet) and a keep-alive pool. Throws SCHEMA or FILE_NOT_FOUND for a bad entry.
 */
export function openConnection(options: OpenConnectionOptions): ConnectionRuntime {
  const { name, config, definition, log, redactor } = options;
  const target = parseConnectionUrl(config.url, name);
  const tls = resolveTls(config.tls, options.baseDir, name);
  const staticHeaders = parseStaticHeaders(config.headers, name);
  const sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  const lifetime = new AbortController();

  if (tls.insecure && target.protocol === 'https:') {
    log.warn(
      { connection: name, url: target.origin },
      `TLS certificate verification is OFF for connection '${name}' (tls.insecureSkipVerify): anyone on the network path ` +
        `can impersonate the server and read its credentials; set tls.ca to the server's CA file instead`,
    );
  }

  const pool = new (loadUndici().Pool)(target.origin, {
    connections: Math.max(1, options.maxConnections),
    pipelining: 1,
    connect: { ...tls.connect, timeout: sessionTimeoutMs },
  });

  // rawRequest refers to `conn`, made right below: it is only called once a request is under way.
  const sessionSettings: AttemptSettings = { timeoutMs: sessionTimeoutMs, signal: lifetime.signal, hooks: false };
  const ctx: ConnectionContext = { log, redactor, rawRequest: (req) => sendRequest(conn, req, sessionSettings, NO_RETRY) };
  const session = definition.open(config, ctx);
  const sent: SentRequests = { byMethod: {}, bySession: {} };
  const conn: ConnectionState = {
    name,
    origin: target.origin,
    basePath: target.basePath,
    staticHeaders,
    session,
    pool,
    log,
    redactor,
    sent,
  };
  const baseUrl = target.origin + target.basePath + withPrefix(session.pathPrefix, '').replace(/\/+$/, '');

  let closing: Promise<void> | undefined;
  return {
    name,
    sent,
    type: definition.type,
    baseUrl,
    urlFor(req) {
      return redactor.redact(target.origin + buildPathAndQuery(target.basePath, session.pathPrefix, req));
    },
    client: (clientOptions) => operationClient(conn, baseUrl, clientOptions, () => closing !== undefined),
    close(): Promise<void> {
      closing ??= closeConnection(conn, lifetime);
      return closing;
    },
  };
}

/** The client of one operation; `isClosed` tells whether the connection has begun to close. */
function operationClient(conn: ConnectionState, baseUrl: string, options: ClientOptions, isClosed: () => boolean): HttpClient {
  const settings: AttemptSettings = { timeoutMs: options.timeoutMs, signal: options.signal, hooks: true, trace: options.trace };
  return {
    baseUrl,
    // Not async: the request's own promise is returned as it is, without another promise around it.
    request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
      if (options.readOnly && !READ_ONLY_METHODS.has(req.method)) {
        return Promise.reject(
          new RunbookError(
            'INTERNAL',
            `a read-only probe tried to send ${req.method} ${req.path} on connection '${conn.name}'; only GET and HEAD are allowed, nothing was sent`,
          ),
        );
      }
      if (isClosed())
        return Promise.reject(new RunbookError('CANCELLED', `connection '${conn.name}' is closed; ${req.method} ${req.path} was not sent`));
      options.trace.requests += 1;
      return sendRequest(conn, req, settings, options.retry) as Promise<HttpResponse<T>>;
    },
  };
}

/** Session close first (it may still need the pool), then the pool; every failure is logged, none thrown. */
async function closeConnection(conn: ConnectionState, lifetime: AbortController): Promise<void> {
  try {
    await conn.session.close?.();
  } catch (err) {
    conn.log.debug({ connection: conn.name, err: String(err) }, 'session close failed');
  }
  lifetime.abort();
  const grace = new AbortController();
  try {
    const closed = await Promise.race([conn.pool.close().then(() => true), sleep(POOL_CLOSE_GRACE_MS, false, { signal: grace.signal })]);
    if (!closed) await conn.pool.destroy();
  } catch (err) {
    conn.log.debug({ connection: conn.name, err: String(err) }, 'closing the connection pool failed');
  } finally {
    grace.abort();
  }
}

/** Validates `headers:` of a connection: a mapping of strings; names are lower-cased. */
function parseStaticHeaders(value: unknown, connectionName: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new RunbookError('SCHEMA', `connection '${connectionName}': headers must be a mapping of header names to strings`);
  }
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new RunbookError('SCHEMA', `connection '${connectionName}': header '${key}' must be a string`);
    out[key.toLowerCase()] = v;
  }
  return out;
}
