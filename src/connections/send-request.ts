// Sends one request of a connection: each attempt within its own deadline, transient failures sent again
// after a backoff (only when sending twice is safe), and at most one re-login on a 401.

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunbookError } from '../errors.js';
import { parseRetryAfter, retryDelayMs } from './backoff.js';
import { classifyTransportError, mayHaveActed } from './classify-error.js';
import { DeadlinePassed, collectAnswer } from './collect-answer.js';
import { abortSignalOf, type StopSignal } from './stop-signal.js';
import type { ConnectionState } from './connection-state.js';
import { errorOfAnswer } from './answer-errors.js';
import { type PreparedRequest, outgoingRequest, prepareRequest } from './prepare-request.js';
import { MAX_BODY_BYTES, flattenHeaders, parseBody } from './response-body.js';
import type {
  HttpMethod,
  HttpRequest,
  HttpResponse,
  OutgoingRequest,
  RequestRecord,
  ResponseRecord,
  RetryPolicy,
} from '../contracts/connection.js';

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

export interface AttemptSettings {
  /** Deadline of one attempt, from connecting to the last body byte. */
  timeoutMs: number;
  /** Aborting it fails the request with CANCELLED, never retried. */
  signal: StopSignal;
  /** Apply the session's authorize/check hooks (false for login and logout). */
  hooks: boolean;
  trace?: OperationTrace;
}

/** Methods whose requests may be sent twice (RFC 9110), unless a request says otherwise. */
const IDEMPOTENT_METHODS: ReadonlySet<HttpMethod> = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/** One request with its retries (and at most one re-login on a 401). */
export async function sendRequest(
  conn: ConnectionState,
  req: HttpRequest,
  settings: AttemptSettings,
  retry: RetryPolicy,
): Promise<HttpResponse> {
  const prepared = prepareRequest(conn, req);
  let reauthorized = false;
  for (let attempt = 1; ; attempt++) {
    if (settings.trace) settings.trace.attempts = Math.max(settings.trace.attempts, attempt);
    let failure: RunbookError;
    let retryAfterMs: number | undefined;
    try {
      let sent = await sendAttempt(conn, prepared, settings);
      if (sent.res.status === 401 && settings.hooks && conn.session.reauthorize && !reauthorized) {
        reauthorized = true;
        if (await raceSignal(Promise.resolve(conn.session.reauthorize(sent.out)), settings.signal)) {
          conn.log.debug({ connection: conn.name }, 'credentials refreshed after HTTP 401; sending the request again');
          sent = await sendAttempt(conn, prepared, settings);
        }
      }
      const error = errorOfAnswer(conn, sent.res, sent.out, settings.hooks);
      if (error === undefined) return sent.res;
      failure = error;
      if (sent.res.status === 429 || sent.res.status === 503) retryAfterMs = parseRetryAfter(sent.res.headers['retry-after']);
    } catch (err) {
      failure = settings.signal.aborted
        ? cancelled(prepared)
        : classifyTransportError(err, failureContext(conn, prepared, settings, false));
    }
    if (!failure.transient || attempt >= retry.attempts) throw failure;
    if (!(req.idempotent ?? IDEMPOTENT_METHODS.has(req.method)) && mayHaveActed(failure)) throw notRetried(failure, prepared);
    const waitMs = retryDelayMs(retry, attempt, retryAfterMs);
    conn.log.debug({ connection: conn.name, code: failure.code, attempt, waitMs }, 'transient failure; retrying');
    try {
      await sleep(waitMs, undefined, { signal: abortSignalOf(settings.signal) });
    } catch {
      throw cancelled(prepared);
    }
  }
}

/** One attempt: authorize, send, read the whole answer, all within the attempt's deadline. */
async function sendAttempt(
  conn: ConnectionState,
  prepared: PreparedRequest,
  settings: AttemptSettings,
): Promise<{ res: HttpResponse; out: OutgoingRequest }> {
  const out = outgoingRequest(conn.origin, prepared);
  const trace = settings.trace;
  if (trace) {
    trace.request = { method: prepared.method, url: prepared.displayUrl };
    if (prepared.traceBody !== undefined) trace.request.body = prepared.traceBody;
    trace.response = undefined;
  }
  if (settings.signal.aborted) throw cancelled(prepared);

  const started = performance.now();
  try {
    if (settings.hooks) {
      // A session that must log in first returns a promise: the attempt's deadline applies to it too.
      const authorizing = conn.session.authorize(out);
      if (authorizing !== undefined) await withinDeadline(Promise.resolve(authorizing), settings);
    }
    countSent(conn, prepared, settings.hooks);
    // The request's own deadline is what is left of the attempt's once the session has authorized it.
    const answer = await collectAnswer(
      conn.pool,
      {
        path: out.pathAndQuery,
        method: out.method,
        headers: out.headers,
        body: out.body ?? null,
        headersTimeout: settings.timeoutMs,
        bodyTimeout: settings.timeoutMs,
      },
      settings.signal,
      { maxBytes: MAX_BODY_BYTES, timeoutMs: Math.max(0, settings.timeoutMs - (performance.now() - started)) },
    );
    const headers = flattenHeaders(answer.headers);
    const res: HttpResponse = { status: answer.status, headers, body: parseBody(answer.bytes, headers['content-type']) };
    const traceId = settings.hooks ? conn.session.traceIdOf?.(res) : undefined;
    if (traceId !== undefined) res.traceId = traceId;
    if (trace) trace.response = traceId === undefined ? { status: res.status } : { status: res.status, traceId };
    conn.log.debug(
      {
        connection: conn.name,
        method: out.method,
        url: prepared.displayUrl,
        status: res.status,
        ms: Math.round(performance.now() - started),
      },
      'http request',
    );
    return { res, out };
  } catch (err) {
    const error = settings.signal.aborted
      ? cancelled(prepared)
      : classifyTransportError(err, failureContext(conn, prepared, settings, err instanceof DeadlinePassed));
    conn.log.debug(
      {
        connection: conn.name,
        method: out.method,
        url: prepared.displayUrl,
        code: error.code,
        ms: Math.round(performance.now() - started),
      },
      'http request failed',
    );
    throw error;
  }
}

/**
 * Resolves like `promise`, or rejects with DeadlinePassed at the attempt's deadline, or with the
 * operation's reason as soon as it aborts. The timer and the listener are gone once it settles.
 */
function withinDeadline<T>(promise: Promise<T>, settings: AttemptSettings): Promise<T> {
  const attempt = new AbortController();
  const cancel = (): void => attempt.abort(settings.signal.reason);
  const timer = setTimeout(() => attempt.abort(new DeadlinePassed(settings.timeoutMs)), settings.timeoutMs).unref();
  settings.signal.addEventListener('abort', cancel, { once: true });
  return raceSignal(promise, attempt.signal).finally(() => {
    clearTimeout(timer);
    settings.signal.removeEventListener('abort', cancel);
  });
}

/** Resolves like `promise`, or rejects as soon as `signal` aborts (the promise itself keeps running). */
function raceSignal<T>(promise: Promise<T>, signal: StopSignal): Promise<T> {
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

/** A transient failure of a request that is not idempotent, which is therefore not sent again. */
function notRetried(failure: RunbookError, prepared: PreparedRequest): RunbookError {
  return new RunbookError(
    failure.code,
    `${failure.message}; not retried: a ${prepared.method} request is not idempotent and the server may have acted on it, so check what it did before running this operation again`,
    { details: { ...failure.details, retried: false }, transient: false },
  );
}

function cancelled(prepared: PreparedRequest): RunbookError {
  return new RunbookError('CANCELLED', `${prepared.method} ${prepared.displayUrl} was cancelled`);
}

function failureContext(conn: ConnectionState, prepared: PreparedRequest, settings: AttemptSettings, timedOut: boolean) {
  return {
    connection: conn.name,
    method: prepared.method,
    url: prepared.displayUrl,
    timeoutMs: settings.timeoutMs,
    cancelled: settings.signal.aborted,
    timedOut,
  };
}

/** Counts a request about to go on the wire: by method for operations, by method and path for the session's own. */
function countSent(conn: ConnectionState, prepared: PreparedRequest, operation: boolean): void {
  const tally = operation ? conn.sent.byMethod : conn.sent.bySession;
  const sentAs = operation ? prepared.method : `${prepared.method} ${prepared.pathAndQuery}`;
  tally[sentAs] = (tally[sentAs] ?? 0) + 1;
}
