// The `bao` connection type: BMC Atrium / TrueSight Orchestration CDP REST API. One login per connection,
// shared by all concurrent operations; one re-login when the token goes stale; logout when the run ends.

import { defineConnection } from '../contracts/action.js';
import { RunbookError } from '../errors.js';
import { asRecord, authBlock, requireString, urlPathEndsWith, urlSchema } from './auth-config.js';
import { isTransientStatus } from './classify-error.js';
import { bodySnippet } from './response-body.js';
import { tlsConfigSchema } from './tls.js';
import type { Redactor } from '../secrets/redactor.js';
import type { ConnectionContext, ConnectionSession, HttpResponse } from '../contracts/connection.js';

/** Every BAO REST path starts with this; actions give paths without it (with it works too). */
export const BAO_PATH_PREFIX = '/baocdp/rest';
const BAO_CONTENT_TYPE = 'application/json;charset=UTF-8';
const TOKEN_HEADER = 'authentication-token';

/** The connection entry, as documented; `open` narrows the resolved value itself (expressions come after the schema). */
export interface BaoConnectionConfig {
  type: 'bao';
  url: string;
  auth: { type: 'login'; username: string; password: string };
  tls?: { ca?: string; insecureSkipVerify?: boolean };
}

export const baoConnection = defineConnection({
  type: 'bao',
  description:
    'BMC Atrium Orchestrator / TrueSight Orchestration CDP REST API (usually https://host:38080). ' +
    'auth: login (username/password); one session per run, logged out at the end. Paths get the /baocdp/rest prefix.',
  config: {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'url', 'auth'],
    properties: {
      type: { const: 'bao' },
      url: urlSchema,
      auth: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'username', 'password'],
        properties: {
          type: { const: 'login' },
          username: { type: 'string', minLength: 1 },
          password: { type: 'string' },
        },
      },
      tls: tlsConfigSchema,
    },
  },
  open(config, ctx): ConnectionSession {
    const record = config;
    const auth = authBlock(record, 'bao', ['login']);
    const username = requireString(auth, 'username', 'auth');
    const password = typeof auth.password === 'string' ? auth.password : requireString(auth, 'password', 'auth');
    ctx.redactor.add(password);
    return openBaoSession(username, password, ctx, urlPathEndsWith(record.url, BAO_PATH_PREFIX) ? '' : BAO_PATH_PREFIX);
  },
});

/**
 * The login session. `token` is the current token; `pending` is the login in flight, which every caller
 * that needs a token awaits, so that any number of concurrent requests cause one login. `refused` is set
 * once BAO refuses the credentials: every later request fails with it at once, and no login is sent again
 * in this run (repeated wrong passwords can lock the account).
 */
function openBaoSession(username: string, password: string, ctx: ConnectionContext, pathPrefix: string): ConnectionSession {
  let token: string | undefined;
  let pending: Promise<string> | undefined;
  let refused: { status: number } | undefined;

  /** The credentials were refused: remembered for the rest of the run, and the error for this caller. */
  function refuse(status: number): RunbookError {
    refused = { status };
    ctx.log.warn({ user: username, status }, 'BAO refused the login; no further login is tried in this run');
    return refusedError(status, false);
  }

  function refusedError(status: number, earlier: boolean): RunbookError {
    const when = earlier ? ` earlier in this run; no login is tried again, so that the account is not locked` : '';
    return new RunbookError(
      'AUTH_FAILED',
      `BAO refused the login of user '${username}'${status >= 400 ? ` (HTTP ${status})` : ''}${when}; check auth.username and auth.password`,
      { details: { status, user: username }, transient: false },
    );
  }

  async function logIn(): Promise<string> {
    let res: HttpResponse;
    try {
      res = await ctx.rawRequest({
        method: 'POST',
        path: '/login',
        body: { username, password },
        headers: { 'content-type': BAO_CONTENT_TYPE },
      });
    } catch (err) {
      const status = err instanceof RunbookError ? err.details?.status : undefined;
      if (status === 401 || status === 403) throw refuse(status);
      throw err;
    }
    const login = asRecord(res.body)?.login;
    if (login === false || login === 'false') throw refuse(res.status);
    const fresh = res.headers[TOKEN_HEADER];
    if (fresh === undefined || fresh === '') {
      throw new RunbookError(
        'BAD_RESPONSE',
        'BAO answered the login without an Authentication-Token header; is the url the CDP REST endpoint?',
        {
          details: { status: res.status },
        },
      );
    }
    ctx.redactor.add(fresh);
    token = fresh;
    ctx.log.debug({ user: username }, 'logged in to BAO');
    return fresh;
  }

  /** The current token, logging in first when there is none (single flight). */
  function currentToken(): Promise<string> {
    if (token !== undefined) return Promise.resolve(token);
    if (refused !== undefined) return Promise.reject(refusedError(refused.status, true));
    pending ??= logIn().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  return {
    pathPrefix,
    async authorize(req) {
      req.headers['content-type'] = BAO_CONTENT_TYPE;
      req.headers[TOKEN_HEADER] = await currentToken();
    },
    async reauthorize(failed) {
      // Many requests may see the 401 of one stale token together: the first one logs in again, the others
      // find a different token already in place (or a login in flight) and just send again.
      const used = failed.headers[TOKEN_HEADER];
      if (token !== undefined && token !== used) return true;
      if (pending === undefined) {
        token = undefined;
        ctx.log.debug({ user: username }, 'BAO answered HTTP 401; logging in again');
      }
      await currentToken();
      return true;
    },
    checkResponse(res) {
      const error = baoEnvelopeError(res, ctx.redactor);
      if (error) throw error;
    },
    async close() {
      if (pending) await pending.catch(() => undefined);
      const current = token;
      if (current === undefined) return;
      token = undefined;
      try {
        await ctx.rawRequest({
          method: 'POST',
          path: '/logout',
          headers: { 'content-type': BAO_CONTENT_TYPE, [TOKEN_HEADER]: current },
        });
        ctx.log.debug({ user: username }, 'logged out of BAO');
      } catch (err) {
        ctx.log.warn({ user: username, err: ctx.redactor.redact(String(err)) }, 'BAO logout failed; the session will expire on its own');
      }
    },
  };
}

/**
 * The BAO_ERROR an answer stands for, if any: a JSON body whose `response` is present and is not
 * `Success`. Bodies without `response` (or not JSON, or empty) are judged by the status alone.
 */
export function baoEnvelopeError(res: HttpResponse, redactor?: Redactor): RunbookError | undefined {
  const body = asRecord(res.body);
  if (!body || !('response' in body) || body.response === 'Success') return undefined;
  const redact = (text: string): string => (redactor ? redactor.redact(text) : text);
  const answer = typeof body.response === 'string' ? redact(body.response) : (bodySnippet(body.response, redact) ?? 'nothing');
  const snippet = bodySnippet(body, redact);
  const said = typeof body.message === 'string' && body.message.trim() !== '' ? body.message.trim() : undefined;
  const message = said === undefined ? '' : `: ${redact(said)}`;
  return new RunbookError('BAO_ERROR', `BAO answered "${answer}" instead of Success (HTTP ${res.status})${message}`, {
    details: { status: res.status, baoResponse: answer, body: snippet },
    transient: isTransientStatus(res.status),
  });
}
