// Whether an answer is a success, and the error to report when it is not: a refused redirect, refused
// credentials, the vendor's envelope, or an HTTP status.

import { RunbookError, isRunbookError } from '../errors.js';
import { isTransientStatus } from './classify-error.js';
import type { ConnectionState } from './connection-state.js';
import { bodySnippet } from './response-body.js';
import type { HttpResponse, OutgoingRequest } from '../contracts/connection.js';

/**
 * The error to throw for an answer that is not a success; undefined for a success. `hooks` applies the
 * session's envelope check (false for login and logout).
 */
export function errorOfAnswer(conn: ConnectionState, res: HttpResponse, out: OutgoingRequest, hooks: boolean): RunbookError | undefined {
  const redirected = res.status >= 300 && res.status < 400;
  const vendorError = hooks && !redirected ? vendorCheck(conn, res, out) : undefined;
  if (res.status < 300 && vendorError === undefined) return undefined;
  const where = `${out.method} ${conn.redactor.redact(conn.origin + out.pathAndQuery)}`;
  if (redirected) return redirectRefused(conn, res, where);
  const snippet = redactedSnippet(conn, res.body);
  const details: Record<string, unknown> = { status: res.status };
  if (res.traceId !== undefined) details.traceId = res.traceId;
  if (snippet !== undefined) details.body = snippet;
  if (res.status === 401) {
    const because = vendorError ? `: ${vendorError.message}` : '';
    return new RunbookError(
      'AUTH_FAILED',
      `${where}: connection '${conn.name}' was refused its credentials${conn.session.identity ? ` for ${conn.redactor.redact(conn.session.identity)}` : ''} (HTTP 401)${because}; check the connection's auth settings`,
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
function vendorCheck(conn: ConnectionState, res: HttpResponse, out: OutgoingRequest): RunbookError | undefined {
  if (!conn.session.checkResponse) return undefined;
  try {
    conn.session.checkResponse(res, out);
    return undefined;
  } catch (err) {
    if (isRunbookError(err)) return err;
    return new RunbookError('BAD_RESPONSE', `connection '${conn.name}': could not read the answer (${conn.redactor.redact(String(err))})`, {
      details: { status: res.status },
    });
  }
}

function redirectRefused(conn: ConnectionState, res: HttpResponse, where: string): RunbookError {
  let host = 'an unknown place (no Location header)';
  const location = res.headers.location;
  if (location !== undefined) {
    try {
      host = new URL(location, conn.origin).host;
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

function redactedSnippet(conn: ConnectionState, body: unknown): string | undefined {
  return bodySnippet(body, (text) => conn.redactor.redact(text));
}
