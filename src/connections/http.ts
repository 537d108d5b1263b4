// The `http` connection type: any JSON HTTP API, with optional Basic or Bearer authentication and static
// headers. No vendor envelope: success is decided by the HTTP status alone.

import { defineConnection } from '../contracts/action.js';
import {
  authBlock,
  basicAuthSchema,
  basicAuthorization,
  headersSchema,
  redactSensitiveHeaders,
  requireString,
  urlSchema,
} from './auth-config.js';
import { tlsConfigSchema } from './tls.js';
import type { ConnectionSession } from '../contracts/connection.js';

/** The connection entry, as documented; `open` narrows the resolved value itself (expressions come after the schema). */
export interface HttpConnectionConfig {
  type: 'http';
  url: string;
  auth?: { type: 'basic'; username: string; password: string } | { type: 'bearer'; token: string };
  headers?: Record<string, string>;
  tls?: { ca?: string; insecureSkipVerify?: boolean };
}

export const httpConnection = defineConnection({
  type: 'http',
  description: 'A generic JSON HTTP API. auth (optional): basic (username/password) or bearer (token).',
  config: {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'url'],
    properties: {
      type: { const: 'http' },
      url: urlSchema,
      auth: {
        oneOf: [
          basicAuthSchema,
          {
            type: 'object',
            additionalProperties: false,
            required: ['type', 'token'],
            properties: { type: { const: 'bearer' }, token: { type: 'string', minLength: 1 } },
          },
        ],
      },
      headers: headersSchema,
      tls: tlsConfigSchema,
    },
  },
  open(config, ctx): ConnectionSession {
    const record = config;
    redactSensitiveHeaders(record.headers, ctx.redactor);
    let authorization: string | undefined;
    let identity: string | undefined;
    if (record.auth !== undefined) {
      const auth = authBlock(record, 'http', ['basic', 'bearer']);
      if (auth.type === 'basic') {
        const username = requireString(auth, 'username', 'auth');
        const password = typeof auth.password === 'string' ? auth.password : requireString(auth, 'password', 'auth');
        ctx.redactor.addBasic(username, password);
        authorization = basicAuthorization(username, password);
        identity = `user '${username}'`;
      } else {
        const token = requireString(auth, 'token', 'auth');
        ctx.redactor.add(token);
        authorization = `Bearer ${token}`;
      }
    }
    return {
      ...(identity !== undefined ? { identity } : {}),
      authorize(req) {
        if (authorization !== undefined) req.headers.authorization = authorization;
      },
    };
  },
});
