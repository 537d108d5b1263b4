// Maps what can go wrong on the wire (socket errors, timeouts, TLS failures, cancellation) to the stable
// error codes the report and the retry policy understand. Nothing here ever echoes a credential.

import { RunbookError, isRunbookError } from '../errors.js';

/** Node/OpenSSL error codes that mean the peer's certificate was not accepted or TLS could not be set up. */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT']);

/** Codes after which the same request may well succeed: the connection broke, not the request. */
const TRANSIENT_CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** What the caller knows about the failed attempt. */
export interface FailureContext {
  connection: string;
  method: string;
  /** Redacted URL, for the message. */
  url: string;
  timeoutMs: number;
  /** The run (or the connection) was cancelled. */
  cancelled: boolean;
  /** The per-attempt deadline fired. */
  timedOut: boolean;
}

/** Every `code` along the error and its causes (undici wraps socket errors). */
function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

/** Turns an error thrown while sending or reading a request into a RunbookError with the right code. */
export function classifyTransportError(err: unknown, ctx: FailureContext): RunbookError {
  if (isRunbookError(err)) return err;
  const where = `${ctx.method} ${ctx.url} (connection '${ctx.connection}')`;
  if (ctx.cancelled) {
    return new RunbookError('CANCELLED', `${where} was cancelled`, { transient: false });
  }
  const codes = errorCodes(err);
  if (ctx.timedOut || codes.some((c) => TIMEOUT_CODES.has(c))) {
    return new RunbookError(
      'TIMEOUT',
      `${where} did not complete within ${ctx.timeoutMs} ms; raise the step's timeout if the server is just slow`,
      { transient: true, details: { timeoutMs: ctx.timeoutMs, cause: codes[0] } },
    );
  }
  const tlsCode = codes.find((c) => TLS_CODES.has(c) || /CERT|^ERR_SSL_|^ERR_TLS_/.test(c));
  if (tlsCode !== undefined) {
    return new RunbookError(
      'TLS_ERROR',
      `${where}: TLS handshake failed (${tlsCode}); if the server uses a private or self-signed certificate, ` +
        `set tls.ca to its CA file, or as a last resort tls.insecureSkipVerify: true`,
      { transient: false, details: { cause: tlsCode } },
    );
  }
  const code = codes[0];
  if (code === 'ENOTFOUND') {
    return new RunbookError('CONNECTION_ERROR', `${where}: host name not found; check the connection url`, {
      transient: false,
      details: { cause: code },
    });
  }
  const transient = code === undefined || TRANSIENT_CONNECTION_CODES.has(code) || codes.some((c) => TRANSIENT_CONNECTION_CODES.has(c));
  const what =
    code === 'ECONNREFUSED'
      ? 'connection refused; is the server running and the url (host and port) right?'
      : code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED'
        ? 'the server closed the connection'
        : `could not reach the server (${code ?? 'unknown network error'})`;
  return new RunbookError('CONNECTION_ERROR', `${where}: ${what}`, { transient, details: { cause: code } });
}

/** Codes after which the request certainly never reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Whether the server may have acted on a request that failed this way: yes, unless the connection could
 * not be made or the server answered 429 or 503 (it refused the request). A timeout or a connection
 * dropped after sending leaves it unknown.
 */
export function mayHaveActed(failure: RunbookError): boolean {
  const status = failure.details?.status;
  if (status === 429 || status === 503) return false;
  const cause = failure.details?.cause;
  return !(typeof cause === 'string' && NOT_SENT_CODES.has(cause));
}

/** Whether an HTTP status is worth retrying: too many requests, or a server-side failure. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
