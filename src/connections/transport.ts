// The HTTP transport every connection type shares: one keep-alive pool per connection, TLS, per-attempt
// deadlines, retries of transient failures, redirect refusal, and error classification. Connection types
// plug in through their session (auth headers, re-login, vendor envelope); actions see only `HttpClient`.

import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Pool } from 'undici';
import { RunbookError, isRunbookError } from '../errors.js';
import type { Redactor } from '../secrets/redactor.js';
import { abortableSleep, parseRetryAfter, retryDelayMs } from './backoff.js';
import { classifyTransportError, isTransientStatus, mayHaveActed } from './classify-error.js';
import { buildPathAndQuery, parseConnectionUrl, withPrefix } from './request-target.js';
import { Deadlines } from './deadlines.js';
import { Attempt, exchange } from './exchange.js';
import { MAX_BODY_BYTES, bodySnippet, flattenHeaders, parseBody } from './response-body.js';
import { resolveTls } from './tls.js';
import type {
  ConnectionContext,
  ConnectionDefinition,
  ConnectionSession,
  HttpClient,
  HttpMethod,
  HttpRequest,
  HttpResponse,
  OutgoingRequest,
  RequestRecord,
  ResponseRecord,
  RetryPolicy,
} from '../contracts/connection.js';

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

/** What the report records about one operation's HTTP traffic. Updated in place on every attempt. */
export interface OperationTrace {
  /** The highest attempt number any request of the operation reached (1 = no retry). */
  attempts: number;
  /** How many requests the operation made (calls to `request`, retries not counted). */
  requests: number;
  /** The last request sent. */
  request?: RequestRecord;
  /** The last answer received; cleared when a new attempt starts. */
  response?: ResponseRecord;
}

export interface ClientOptions {
  /** Deadline of one attempt, from connecting to the last body byte. */
  timeoutMs: number;
  retry: RetryPolicy;
  /** The run's signal: aborting it fails requests with CANCELLED, never retried. */
  signal: AbortSignal;
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

/** Requests a connection sent: what `plan --online` reports it sent. */
export interface SentRequests {
  /** Requests of operations and probes, by method. */
  readonly byMethod: Record<string, number>;
  /** The session's own requests (a BAO login or logout), by method and path, e.g. `POST /baocdp/rest/login`. */
  readonly bySession: Record<string, number>;
}

/**
 * A request as a session's `authorize` sees it. Its `url` is parsed on first read, for the sessions that
 * need it (AccessKey signing): most never do. A class, so that the getter is not a new closure per request.
 */
class Outgoing implements OutgoingRequest {
  readonly #origin: string;
  #url: URL | undefined;
  body?: Buffer;

  constructor(
    readonly method: HttpMethod,
    origin: string,
    readonly pathAndQuery: string,
    /** A fresh object for the session to add to. */
    readonly headers: Record<string, string>,
  ) {
    this.#origin = origin;
  }

  get url(): URL {
    this.#url ??= new URL(this.#origin + this.pathAndQuery);
    return this.#url;
  }
}

/** A new, empty trace for one operation. */
export function createOperationTrace(): OperationTrace {
  return { attempts: 0, requests: 0 };
}

const READ_ONLY_METHODS: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD']);
/** Methods whose requests may be sent twice (RFC 9110), unless a request says otherwise. */
const IDEMPOTENT_METHODS: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/** A transient failure of a request that is not idempotent, which is therefore not sent again. */
function notRetried(failure: RunbookError, prepared: { method: HttpMethod }): RunbookError {
  return new RunbookError(
    failure.code,
    `${failure.message}; not retried: a ${prepared.method} request is not idempotent and the server may have acted on it, so check what it did before running this operation again`,
    { details: { ...failure.details, retried: false }, transient: false },
  );
}

/** A request once its body is serialised and its target resolved; the same for every attempt. */
interface PreparedRequest {
  method: HttpMethod;
  pathAndQuery: string;
  /** The full URL, redacted, for traces and logs. */
  displayUrl: string;
  headers: Record<string, string>;
  hasHeaders: boolean;
  bodyBytes?: Buffer;
  /** The body as the action gave it, redacted, for the trace. */
  traceBody?: unknown;
}

interface AttemptSettings {
  timeoutMs: number;
  signal: AbortSignal;
  /** Apply the session's authorize/check hooks (false for login and logout). */
  hooks: boolean;
  trace?: OperationTrace;
}

/**
 * Attempts in flight, by the signal that cancels them: one listener per signal aborts them all, instead
 * of a listener per attempt (adding and removing listeners of an AbortSignal costs more the more it has).
 */
class AttemptsInFlight {
  readonly #bySignal = new WeakMap<AbortSignal, Set<Attempt>>();

  /** Aborts `attempt` when `signal` aborts, until it is deleted from the returned set. */
  follow(signal: AbortSignal, attempt: Attempt): Set<Attempt> {
    let attempts = this.#bySignal.get(signal);
    if (!attempts) {
      const created = new Set<Attempt>();
      attempts = created;
      this.#bySignal.set(signal, created);
      signal.addEventListener('abort', () => created.forEach((a) => a.abort(signal.reason)), { once: true });
    }
    attempts.add(attempt);
    return attempts;
  }
}

/**
 * Opens a connection for one run: validates url/tls/headers, opens the connection type's session (which
 * sends nothing yet) and a keep-alive pool. Throws SCHEMA or FILE_NOT_FOUND for a bad entry.
 */
export function openConnection(options: OpenConnectionOptions): ConnectionRuntime {
  const { name, config, definition, log, redactor } = options;
  const target = parseConnectionUrl(config.url, name);
  const tls = resolveTls(config.tls, options.baseDir, name);
  const staticHeaders = parseStaticHeaders(config.headers, name);
  const hasStaticHeaders = Object.keys(staticHeaders).length > 0;
  const sessionTimeoutMs = options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS;
  const lifetime = new AbortController();
  const inFlight = new AttemptsInFlight();
  const deadlines = new Deadlines();
  const sent: SentRequests = { byMethod: {}, bySession: {} };

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

  // rawRequest refers to `session`, assigned right below: it is only called once a request is under way.
  const ctx: ConnectionContext = {
    log,
    redactor,
    rawRequest: (req) => send(req, { timeoutMs: sessionTimeoutMs, signal: lifetime.signal, hooks: false }, { attempts: 1, delayMs: 0, maxDelayMs: 0 }),
  };
  const session: ConnectionSession = definition.open(config, ctx);
  const baseUrl = target.origin + target.basePath + withPrefix(session.pathPrefix, '').replace(/\/+$/, '');

  function prepare(req: HttpRequest): PreparedRequest {
    const headers: Record<string, string> = hasStaticHeaders ? { ...staticHeaders } : {};
    if (req.headers) for (const [key, value] of Object.entries(req.headers)) headers[key.toLowerCase()] = value;
    const pathAndQuery = buildPathAndQuery(target.basePath, session.pathPrefix, req);
    const prepared: PreparedRequest = {
      method: req.method,
      pathAndQuery,
      displayUrl: redactor.redact(target.origin + pathAndQuery),
      headers,
      hasHeaders: false,
    };
    if (req.body !== undefined) {
      prepared.bodyBytes = Buffer.from(serialiseBody(req), 'utf8');
      prepared.traceBody = redactor.redactValue(req.body);
      headers['content-type'] ??= 'application/json';
    }
    for (const _ in headers) {
      prepared.hasHeaders = true;
      break;
    }
    return prepared;
  }

  /** One request with its retries (and at most one re-login on a 401). */
  async function send(req: HttpRequest, settings: AttemptSettings, retry: RetryPolicy): Promise<HttpResponse> {
    const prepared = prepare(req);
    let reauthorized = false;
    for (let attempt = 1; ; attempt++) {
      if (settings.trace) settings.trace.attempts = Math.max(settings.trace.attempts, attempt);
      let failure: RunbookError;
      let retryAfterMs: number | undefined;
      try {
        let sent = await sendOnce(prepared, settings);
        if (sent.res.status === 401 && settings.hooks && session.reauthorize && !reauthorized) {
          reauthorized = true;
          if (await raceSignal(Promise.resolve(session.reauthorize(sent.out)), settings.signal)) {
            log.debug({ connection: name }, 'credentials refreshed after HTTP 401; sending the request again');
            sent = await sendOnce(prepared, settings);
          }
        }
        const error = judge(sent.res, sent.out, settings.hooks);
        if (error === undefined) return sent.res;
        failure = error;
        if (sent.res.status === 429 || sent.res.status === 503) retryAfterMs = parseRetryAfter(sent.res.headers['retry-after']);
      } catch (err) {
        failure = settings.signal.aborted ? cancelled(prepared) : classifyTransportError(err, failureContext(prepared, settings, false));
      }
      if (!failure.transient || attempt >= retry.attempts) throw failure;
      if (!(req.idempotent ?? IDEMPOTENT_METHODS.has(req.method)) && mayHaveActed(failure)) throw notRetried(failure, prepared);
      const waitMs = retryDelayMs(retry, attempt, retryAfterMs);
      log.debug({ connection: name, code: failure.code, attempt, waitMs }, 'transient failure; retrying');
      try {
        await abortableSleep(waitMs, settings.signal);
      } catch {
        throw cancelled(prepared);
      }
    }
  }

  /** One attempt: authorize, send, read the whole answer, all within the attempt's deadline. */
  async function sendOnce(prepared: PreparedRequest, settings: AttemptSettings): Promise<{ res: HttpResponse; out: OutgoingRequest }> {
    const out = new Outgoing(prepared.method, target.origin, prepared.pathAndQuery, prepared.hasHeaders ? { ...prepared.headers } : {});
    if (prepared.bodyBytes !== undefined) out.body = prepared.bodyBytes;
    const displayUrl = prepared.displayUrl;
    const trace = settings.trace;
    if (trace) {
      trace.request = { method: prepared.method, url: displayUrl };
      if (prepared.traceBody !== undefined) trace.request.body = prepared.traceBody;
      // Not `delete`: that would turn every operation's trace into a slow dictionary.
      trace.response = undefined;
    }
    if (settings.signal.aborted) throw cancelled(prepared);

    const attempt = new Attempt();
    deadlines.start(attempt, settings.timeoutMs);
    const following = inFlight.follow(settings.signal, attempt);
    const started = performance.now();
    try {
      if (settings.hooks) {
        // Most sessions authorize synchronously (a header); only a pending login needs racing the deadline.
        const authorizing = session.authorize(out);
        if (isPromiseLike(authorizing)) await raceAttempt(Promise.resolve(authorizing), attempt);
      }
      const tally = settings.hooks ? sent.byMethod : sent.bySession;
      const sentAs = settings.hooks ? prepared.method : `${prepared.method} ${prepared.pathAndQuery}`;
      tally[sentAs] = (tally[sentAs] ?? 0) + 1;
      const answer = await exchange(
        pool,
        {
          path: out.pathAndQuery,
          method: out.method,
          headers: out.headers,
          body: out.body ?? null,
          headersTimeout: settings.timeoutMs,
          bodyTimeout: settings.timeoutMs,
        },
        attempt,
        MAX_BODY_BYTES,
      );
      const bytes = answer.bytes;
      const headers = flattenHeaders(answer.headers);
      const res: HttpResponse = { status: answer.status, headers, body: parseBody(bytes, headers['content-type']) };
      const traceId = settings.hooks ? session.traceIdOf?.(res) : undefined;
      if (traceId !== undefined) res.traceId = traceId;
      if (trace) trace.response = traceId === undefined ? { status: res.status } : { status: res.status, traceId };
      if (log.isLevelEnabled('debug')) {
        log.debug(
          { connection: name, method: out.method, url: displayUrl, status: res.status, ms: Math.round(performance.now() - started) },
          'http request',
        );
      }
      return { res, out };
    } catch (err) {
      const error = settings.signal.aborted
        ? cancelled(prepared)
        : classifyTransportError(err, failureContext(prepared, settings, attempt.timedOut));
      log.debug(
        { connection: name, method: out.method, url: displayUrl, code: error.code, ms: Math.round(performance.now() - started) },
        'http request failed',
      );
      throw error;
    } finally {
      attempt.end();
      following.delete(attempt);
    }
  }

  /** Decides whether an answer is a success; returns the error to throw otherwise. */
  function judge(res: HttpResponse, out: OutgoingRequest, hooks: boolean): RunbookError | undefined {
    const redirected = res.status >= 300 && res.status < 400;
    const vendorError = hooks && !redirected ? vendorCheck(res, out) : undefined;
    // The common case, a success, costs no message, snippet or redaction.
    if (res.status < 300 && vendorError === undefined) return undefined;
    const where = `${out.method} ${redactor.redact(target.origin + out.pathAndQuery)}`;
    if (redirected) return redirectRefused(res, where);
    const snippet = redactedSnippet(res.body);
    const details: Record<string, unknown> = { status: res.status };
    if (res.traceId !== undefined) details.traceId = res.traceId;
    if (snippet !== undefined) details.body = snippet;
    if (res.status === 401) {
      const because = vendorError ? `: ${vendorError.message}` : '';
      return new RunbookError(
        'AUTH_FAILED',
        `${where}: connection '${name}' was refused its credentials${session.identity ? ` for ${redactor.redact(session.identity)}` : ''} (HTTP 401)${because}; check the connection's auth settings`,
        { details: { ...details, ...vendorError?.details }, transient: false },
      );
    }
    if (vendorError) return vendorError;
    if (res.status >= 400) {
      const trace = res.traceId === undefined ? '' : `, traceId ${res.traceId}`;
      const advice = isTransientStatus(res.status) ? 'the server is failing or overloaded' : 'check the step inputs';
      return new RunbookError(
        'HTTP_STATUS',
        `${where} answered HTTP ${res.status}${trace}${snippet ? `: ${snippet.slice(0, 200)}` : ''} (${advice})`,
        { details, transient: isTransientStatus(res.status) },
      );
    }
    return undefined;
  }

  /** Runs the session's envelope check and returns its error instead of throwing it. */
  function vendorCheck(res: HttpResponse, out: OutgoingRequest): RunbookError | undefined {
    if (!session.checkResponse) return undefined;
    try {
      session.checkResponse(res, out);
      return undefined;
    } catch (err) {
      if (isRunbookError(err)) return err;
      return new RunbookError('BAD_RESPONSE', `connection '${name}': could not read the answer (${redactor.redact(String(err))})`, {
        details: { status: res.status },
      });
    }
  }

  function redirectRefused(res: HttpResponse, where: string): RunbookError {
    let host = 'an unknown place (no Location header)';
    const location = res.headers.location;
    if (location !== undefined) {
      try {
        host = new URL(location, target.origin).host;
      } catch {
        host = 'an unreadable Location';
      }
    }
    return new RunbookError(
      'REDIRECT_REFUSED',
      `${where}: the server redirected (HTTP ${res.status}) to ${host}; redirects are never followed so credentials ` +
        `stay with the configured server: set the connection url to the address the server expects`,
      { details: { status: res.status, redirectHost: host }, transient: false },
    );
  }

  function redactedSnippet(body: unknown): string | undefined {
    return bodySnippet(body, (text) => redactor.redact(text));
  }

  function cancelled(prepared: PreparedRequest): RunbookError {
    return new RunbookError('CANCELLED', `${prepared.method} ${redactor.redact(target.origin + prepared.pathAndQuery)} was cancelled`);
  }

  function failureContext(prepared: PreparedRequest, settings: AttemptSettings, timedOut: boolean) {
    return {
      connection: name,
      method: prepared.method,
      url: redactor.redact(target.origin + prepared.pathAndQuery),
      timeoutMs: settings.timeoutMs,
      cancelled: settings.signal.aborted,
      timedOut,
    };
  }

  let closing: Promise<void> | undefined;
  return {
    name,
    type: definition.type,
    baseUrl,
    sent,
    urlFor(req) {
      return redactor.redact(target.origin + buildPathAndQuery(target.basePath, session.pathPrefix, req));
    },
    client(clientOptions: ClientOptions): HttpClient {
      const settings: AttemptSettings = { timeoutMs: clientOptions.timeoutMs, signal: clientOptions.signal, hooks: true, trace: clientOptions.trace };
      return {
        baseUrl,
        // Not async: a failed check is a rejected promise all the same, without one more frame per request.
        request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
          if (clientOptions.readOnly && !READ_ONLY_METHODS.has(req.method)) {
            return Promise.reject(
              new RunbookError(
                'INTERNAL',
                `a read-only probe tried to send ${req.method} ${req.path} on connection '${name}'; only GET and HEAD are allowed, nothing was sent`,
              ),
            );
          }
          if (closing) return Promise.reject(new RunbookError('CANCELLED', `connection '${name}' is closed; ${req.method} ${req.path} was not sent`));
          clientOptions.trace.requests += 1;
          return send(req, settings, clientOptions.retry) as Promise<HttpResponse<T>>;
        },
      };
    },
    close(): Promise<void> {
      closing ??= closeConnection(session, pool, lifetime, log, name);
      return closing;
    },
  };
}

/** Session close first (it may still need the pool), then the pool; every failure is logged, none thrown. */
async function closeConnection(session: ConnectionSession, pool: Pool, lifetime: AbortController, log: Logger, name: string): Promise<void> {
  try {
    await session.close?.();
  } catch (err) {
    log.debug({ connection: name, err: String(err) }, 'session close failed');
  }
  lifetime.abort();
  let timer: NodeJS.Timeout | undefined;
  try {
    const graceful = pool.close().then(() => true);
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), POOL_CLOSE_GRACE_MS);
    });
    if (!(await Promise.race([graceful, late]))) await pool.destroy();
  } catch (err) {
    log.debug({ connection: name, err: String(err) }, 'closing the connection pool failed');
  } finally {
    clearTimeout(timer);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as { then?: unknown }).then === 'function';
}

/** Resolves like `promise`, or rejects as soon as the attempt is aborted (the promise itself keeps running). */
function raceAttempt<T>(promise: Promise<T>, attempt: Attempt): Promise<T> {
  if (attempt.aborted) return Promise.reject(attempt.reason);
  return new Promise<T>((resolve, reject) => {
    attempt.onAbort = () => reject(attempt.reason);
    promise.then(
      (value) => {
        attempt.onAbort = undefined;
        resolve(value);
      },
      (err: unknown) => {
        attempt.onAbort = undefined;
        reject(err);
      },
    );
  });
}

/** Resolves like `promise`, or rejects as soon as `signal` aborts (the promise itself keeps running). */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** The JSON text of a request body; INVALID_INPUT when it cannot be written as JSON (a BigInt, a cycle). */
function serialiseBody(req: HttpRequest): string {
  try {
    return JSON.stringify(req.body);
  } catch (cause) {
    throw new RunbookError('INVALID_INPUT', `the body of ${req.method} ${req.path} cannot be written as JSON: ${String(cause)}`, { cause });
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
