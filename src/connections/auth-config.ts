// The `auth:` and `headers:` blocks the connection types share: their JSON Schemas, and narrowing of the
// resolved values (the loader validated the schema, but expressions are resolved after it).

import { RunbookError } from '../errors.js';
import type { Redactor } from '../secrets/redactor.js';

export const basicAuthSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'username', 'password'],
  properties: {
    type: { const: 'basic' },
    username: { type: 'string', minLength: 1 },
    password: { type: 'string', description: 'use ${{ env.NAME }} or ${{ secrets.NAME }}, never a literal' },
  },
} as const;

/** Static headers added to every request, e.g. Accept-Language. */
export const headersSchema = {
  type: 'object',
  additionalProperties: { type: 'string' },
  description: 'headers sent with every request (for example Accept-Language: en-US)',
} as const;

export const urlSchema = { type: 'string', pattern: '^https?://', description: 'http:// or https:// server address' } as const;

/** A mapping, or undefined when the value is not one. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** Reads a required, non-empty string field of a connection entry, or throws SCHEMA naming it. */
export function requireString(record: Record<string, unknown>, key: string, where: string): string {
  const value = record[key];
  if (typeof value !== 'string' || value === '') {
    throw new RunbookError('SCHEMA', `${where}.${key} must be a non-empty string`);
  }
  return value;
}

/** The `auth:` block as a mapping with a `type`, or SCHEMA naming what is allowed. */
export function authBlock(config: Record<string, unknown>, type: string, allowed: string[]): Record<string, unknown> & { type: string } {
  const auth = asRecord(config.auth);
  if (!auth || typeof auth.type !== 'string' || !allowed.includes(auth.type)) {
    throw new RunbookError('SCHEMA', `a '${type}' connection needs auth with type ${allowed.map((a) => `'${a}'`).join(' or ')}`);
  }
  return auth as Record<string, unknown> & { type: string };
}

/** Header names whose values are credentials: registered with the redactor. */
const SENSITIVE_HEADER = /auth|token|key|secret|cookie|session|password/i;

/** Registers the values of credential-looking static headers with the redactor. */
export function redactSensitiveHeaders(headers: unknown, redactor: Redactor): void {
  for (const [name, value] of Object.entries(asRecord(headers) ?? {})) {
    if (typeof value === 'string' && SENSITIVE_HEADER.test(name)) redactor.add(value);
  }
}

/** `Basic base64(user:password)`. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/** The URL's path ends with `suffix` (so a type's path prefix is already part of the connection url). */
export function urlPathEndsWith(url: unknown, suffix: string): boolean {
  if (typeof url !== 'string') return false;
  try {
    return new URL(url).pathname.replace(/\/+$/, '').endsWith(suffix);
  } catch {
    return false;
  }
}
