// The `ocp` connection type: OceanBase Cloud Platform. Basic or AccessKey (HMAC-SHA1) authentication, the
// `/api/v2` prefix on every path, and the `{ successful, data, error, traceId }` envelope judged on every answer.

import { defineConnection } from '../contracts/action.js';
import { RunbookError } from '../errors.js';
import type { Redactor } from '../secrets/redactor.js';
import {
  asRecord,
  authBlock,
  basicAuthSchema,
  basicAuthorization,
  headersSchema,
  requireString,
  urlPathEndsWith,
  urlSchema,
} from './auth-config.js';
import { isTransientStatus } from './classify-error.js';
import { contentMd5, ocpSignature, ocpStringToSign } from './ocp-signature.js';
import { bodySnippet } from './response-body.js';
import { tlsConfigSchema } from './tls.js';
import type { ConnectionSession, HttpResponse, OutgoingRequest } from '../contracts/connection.js';

/** Every OCP resource path starts with this; actions give paths without it (with it works too). */
export const OCP_PATH_PREFIX = '/api/v2';
const OCP_CONTENT_TYPE = 'application/json';

type OcpAuth = { type: 'basic'; username: string; password: string } | { type: 'accessKey'; accessKeyId: string; accessKeySecret: string };

/** The connection entry, as documented; `open` narrows the resolved value itself (expressions come after the schema). */
export interface OcpConnectionConfig {
  type: 'ocp';
  url: string;
  auth: OcpAuth;
  tls?: { ca?: string; insecureSkipVerify?: boolean };
  headers?: Record<string, string>;
}

/** The facts of an OCP error envelope, as carried in `RunbookError.details`. */
export interface OcpErrorDetails {
  status: number;
  ocpCode?: number | string;
  ocpMessage: string;
  traceId?: string;
}

export const ocpConnection = defineConnection({
  type: 'ocp',
  description:
    'OceanBase Cloud Platform API v2. auth: basic (username/password) or accessKey (accessKeyId/accessKeySecret, ' +
    'OCP 4.0.3+; the local clock must be within 15 minutes of the server). Paths get the /api/v2 prefix.',
  config: {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'url', 'auth'],
    properties: {
      type: { const: 'ocp' },
      url: urlSchema,
      auth: {
        oneOf: [
          basicAuthSchema,
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'accessKeyId', 'accessKeySecret'],
            properties: {
              type: { const: 'accessKey' },
              accessKeyId: { type: 'string', minLength: 1 },
              accessKeySecret: { type: 'string', minLength: 1 },
            },
          },
        ],
      },
      tls: tlsConfigSchema,
      headers: headersSchema,
    },
  },
  open(config, ctx): ConnectionSession {
    const auth = readOcpAuth(config, ctx.redactor);
    // Encoded once per connection, not per request.
    const basic = auth.type === 'basic' ? basicAuthorization(auth.username, auth.password) : undefined;
    return {
      pathPrefix: urlPathEndsWith(config.url, OCP_PATH_PREFIX) ? '' : OCP_PATH_PREFIX,
      ...(auth.type === 'basic' ? { identity: `user '${auth.username}'` } : {}),
      authorize(req) {
        // OCP wants the JSON content type on every request, a POST without a body included.
        req.headers['content-type'] ??= OCP_CONTENT_TYPE;
        if (basic !== undefined) {
          req.headers.authorization = basic;
        } else if (auth.type === 'accessKey') {
          signRequest(req, auth.accessKeyId, auth.accessKeySecret);
        }
      },
      checkResponse(res) {
        const error = ocpEnvelopeError(res, ctx.redactor);
        if (error) throw error;
      },
      traceIdOf: ocpTraceId,
    };
  },
});

function readOcpAuth(config: Record<string, unknown>, redactor: Redactor): OcpAuth {
  const auth = authBlock(config, 'ocp', ['basic', 'accessKey']);
  if (auth.type === 'basic') {
    const username = requireString(auth, 'username', 'auth');
    const password = typeof auth.password === 'string' ? auth.password : requireString(auth, 'password', 'auth');
    redactor.addBasic(username, password);
    return { type: 'basic', username, password };
  }
  const accessKeyId = requireString(auth, 'accessKeyId', 'auth');
  const accessKeySecret = requireString(auth, 'accessKeySecret', 'auth');
  redactor.add(accessKeySecret);
  return { type: 'accessKey', accessKeyId, accessKeySecret };
}

/**
 * Signs a request in place with an OCP AccessKey: sets `Date` and `Host` (host:port) and the
 * `Authorization: OCP-ACCESS-KEY-HMACSHA1 AK:signature` header, over exactly the bytes, headers, path and
 * query that are sent.
 */
export function signRequest(req: OutgoingRequest, accessKeyId: string, accessKeySecret: string, now: Date = new Date()): void {
  const port = req.url.port !== '' ? req.url.port : req.url.protocol === 'https:' ? '443' : '80';
  req.headers.date = now.toUTCString();
  req.headers.host = `${req.url.hostname}:${port}`;
  const ocpHeaders: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.toLowerCase().startsWith('x-ocp-')) ocpHeaders[name.toLowerCase()] = value;
  }
  const stringToSign = ocpStringToSign({
    method: req.method,
    contentMd5: contentMd5(req.body),
    contentType: req.headers['content-type'] ?? '',
    date: req.headers.date,
    host: req.headers.host,
    ocpHeaders,
    pathAndQuery: req.pathAndQuery,
  });
  req.headers.authorization = `OCP-ACCESS-KEY-HMACSHA1 ${accessKeyId}:${ocpSignature(accessKeySecret, stringToSign)}`;
}

/** The `traceId` of an OCP envelope, when the body is one. */
export function ocpTraceId(res: HttpResponse): string | undefined {
  const traceId = asRecord(res.body)?.traceId;
  return typeof traceId === 'string' && traceId !== '' ? traceId : undefined;
}

/**
 * The OCP_ERROR an answer stands for, if any: a body with `successful: false` on any status, or an error
 * envelope on an error status. Read leniently: `error` may be an object or a string, the code a number or
 * a string; the raw text stands in for a missing message. Answers that are not envelopes return undefined
 * (the transport judges them by status).
 */
export function ocpEnvelopeError(res: HttpResponse, redactor?: Redactor): RunbookError | undefined {
  const body = asRecord(res.body);
  if (!body) return undefined;
  const redact = (text: string): string => (redactor ? redactor.redact(text) : text);
  const failed = body.successful === false || (res.status >= 400 && (body.error !== undefined || body.successful !== undefined));
  if (!failed) return undefined;
  const error = asRecord(body.error);
  const rawCode = error?.code;
  const ocpCode = typeof rawCode === 'number' || (typeof rawCode === 'string' && rawCode !== '') ? rawCode : undefined;
  const messageOf = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  const rawMessage =
    messageOf(error?.message) ?? messageOf(body.message) ?? messageOf(body.error) ?? bodySnippet(res.body, redact) ?? 'no message';
  const ocpMessage = redact(rawMessage);
  const traceId = ocpTraceId(res);
  const details: OcpErrorDetails = { status: res.status, ocpMessage };
  if (ocpCode !== undefined) details.ocpCode = ocpCode;
  if (traceId !== undefined) details.traceId = traceId;
  const where = `HTTP ${res.status}${traceId === undefined ? '' : `, traceId ${traceId}`}`;
  return new RunbookError('OCP_ERROR', `OCP error ${ocpCode ?? '(no code)'}: ${ocpMessage} (${where})`, {
    details: { ...details },
    transient: isTransientStatus(res.status),
  });
}
