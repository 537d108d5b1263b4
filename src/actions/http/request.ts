// http.request: one HTTP call through a `type: http` connection, for health checks and the odd API call
// between vendor steps. Expected statuses, and fields of the JSON answer copied into outputs.

import { defineAction } from '../../contracts/action.js';
import type { HttpMethod } from '../../contracts/connection.js';
import { RunbookError, isRunbookError } from '../../errors.js';
import { readProperty } from '../../common/plain-data.js';
import { NOT_HOST_HEADER_PATTERN } from '../../common/patterns.js';

interface RequestInputs {
  method?: HttpMethod;
  path: string;
  query?: Record<string, string | number | boolean>;
  headers?: Record<string, string>;
  body?: unknown;
  idempotent?: boolean;
  expect?: number[];
  extract?: Record<string, string>;
}

const METHODS: HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

export default defineAction<RequestInputs, Record<string, unknown>>({
  name: 'http.request',
  description:
    'Sends one request through a `type: http` connection. Fails unless the status is in `expect` (default: any 2xx). ' +
    '`extract` copies fields of the JSON answer into outputs. `changed` for POST/PUT/PATCH/DELETE, `unchanged` for GET/HEAD. ' +
    "`idempotent: true` retries a POST or PATCH after a timeout too. Only the runbook's literal text shapes `path`: each " +
    '`${{ }}` in it is sent as exactly one percent-encoded segment (`/hosts/${{ params.h }}/stop` with `h` = `../../admin` ' +
    'sends `/hosts/..%2F..%2Fadmin/stop`).',
  connection: 'http',
  mutates: true,
  pathInputs: ['path'],
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      method: { enum: METHODS, default: 'GET', description: 'HTTP method (default GET).' },
      path: {
        type: 'string',
        pattern: '^/',
        description:
          'Path below the connection URL, starting with /, without ? or # (give query parameters in `query`). Its literal text is sent as written; ' +
          'each ${{ }} value (a string or a number) is percent-encoded as exactly one path segment, so a value can never add segments, climb with .., or start a query.',
      },
      query: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] }, description: 'Query parameters.' },
      headers: {
        type: 'object',
        // The connection's url decides where a request goes: a Host header could send it elsewhere.
        propertyNames: { pattern: NOT_HOST_HEADER_PATTERN },
        additionalProperties: { type: 'string' },
        description: 'Extra request headers. Host cannot be set: the connection url decides where the request goes.',
      },
      body: { description: 'JSON body.' },
      idempotent: {
        type: 'boolean',
        description:
          'Whether sending the request twice does what sending it once does. Default: true for GET, HEAD, PUT and DELETE, false for POST and PATCH. ' +
          'A request that is not idempotent is not retried after a timeout or a dropped connection.',
      },
      expect: {
        type: 'array',
        items: { type: 'integer', minimum: 100, maximum: 599 },
        minItems: 1,
        description: 'Statuses that count as success (default: any 2xx).',
      },
      extract: {
        type: 'object',
        additionalProperties: { type: 'string' },
        description: 'Output name -> dotted path in the JSON answer, e.g. { version: data.version, first: items.0.id }.',
      },
    },
  },
  outputs: {
    type: 'object',
    properties: { status: { type: 'integer', description: 'The HTTP status.' } },
    additionalProperties: true,
  },
  plan: (inputs) => {
    const method = inputs.method ?? 'GET';
    if (/[?#]/.test(inputs.path)) {
      throw new RunbookError('INVALID_INPUT', `http.request: input 'path' must not contain '?' or '#'; give query parameters in query:`);
    }
    return [
      {
        key: `${method} ${inputs.path}`,
        inputs,
        request: {
          method,
          path: inputs.path,
          ...(inputs.query ? { query: inputs.query } : {}),
          ...(inputs.body !== undefined ? { body: inputs.body } : {}),
        },
      },
    ];
  },
  async run(op, ctx) {
    const { path, query, headers, body, expect, extract, idempotent } = op.inputs;
    const method = op.inputs.method ?? 'GET';
    let status: number;
    let answer: unknown;
    try {
      const res = await ctx.http.request({
        method,
        path,
        ...(query ? { query } : {}),
        ...(headers ? { headers } : {}),
        ...(body !== undefined ? { body } : {}),
        ...(idempotent !== undefined ? { idempotent } : {}),
      });
      status = res.status;
      answer = res.body;
    } catch (e) {
      // A 4xx/5xx the runbook expects is a success (its body is not kept).
      const got = isRunbookError(e) && e.code === 'HTTP_STATUS' ? e.details?.status : undefined;
      if (typeof got === 'number' && expect?.includes(got)) return { status: 'unchanged', outputs: { status: got } };
      throw e;
    }
    if (expect && !expect.includes(status)) {
      throw new RunbookError('UNEXPECTED_STATE', `${method} ${path} answered HTTP ${status}; the step expects ${expect.join(' or ')}`, {
        details: { status },
      });
    }
    const outputs: Record<string, unknown> = { status };
    for (const [name, fieldPath] of Object.entries(extract ?? {})) {
      const value = fieldPath.split('.').reduce<unknown>((v, key) => readProperty(v, key), answer);
      if (value === undefined) {
        throw new RunbookError('BAD_RESPONSE', `${method} ${path}: the answer has no field '${fieldPath}' to extract as '${name}'`);
      }
      outputs[name] = value;
    }
    return { status: method === 'GET' || method === 'HEAD' ? 'unchanged' : 'changed', outputs };
  },
});
