// Turns a connection's `tls:` block into the options the socket connector takes. Verification is on
// unless the runbook opts out explicitly; a private CA is read from a file next to the runbook.

import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { RunbookError } from '../errors.js';

/** The `tls:` block of a connection entry, as written in the runbook. */
export interface TlsConfig {
  /** PEM file of the CA (or CAs) to trust instead of the system's, relative to the runbook's folder. */
  ca?: string;
  /** Skip certificate verification entirely. A last resort: logged as a warning on every run. */
  insecureSkipVerify?: boolean;
}

/** The TLS settings, resolved: what the connector gets, and whether verification is off. */
export interface ResolvedTls {
  connect: { ca?: string[]; rejectUnauthorized: boolean };
  insecure: boolean;
  /** Absolute path of the CA file, when one is used (for messages). */
  caFile?: string;
}

/** The JSON Schema of `tls:`, shared by every connection type. */
export const tlsConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ca: { type: 'string', minLength: 1, description: 'PEM file of a private CA to trust, relative to the runbook' },
    insecureSkipVerify: { type: 'boolean', description: 'skip certificate verification (logged as a warning); prefer ca' },
  },
} as const;

/**
 * Validates `tls:` and reads the CA file. Throws SCHEMA for a malformed block and FILE_NOT_FOUND when the
 * CA file cannot be read.
 */
export function resolveTls(value: unknown, baseDir: string, connectionName: string): ResolvedTls {
  if (value === undefined || value === null) return { connect: { rejectUnauthorized: true }, insecure: false };
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new RunbookError('SCHEMA', `connection '${connectionName}': tls must be a mapping with ca and/or insecureSkipVerify`);
  }
  const tls = value as Record<string, unknown>;
  for (const key of Object.keys(tls)) {
    if (key !== 'ca' && key !== 'insecureSkipVerify') {
      throw new RunbookError('SCHEMA', `connection '${connectionName}': unknown tls key '${key}' (allowed: ca, insecureSkipVerify)`);
    }
  }
  if (tls.insecureSkipVerify !== undefined && typeof tls.insecureSkipVerify !== 'boolean') {
    throw new RunbookError('SCHEMA', `connection '${connectionName}': tls.insecureSkipVerify must be true or false`);
  }
  const insecure = tls.insecureSkipVerify === true;
  if (tls.ca === undefined) return { connect: { rejectUnauthorized: !insecure }, insecure };
  if (typeof tls.ca !== 'string' || tls.ca === '') {
    throw new RunbookError('SCHEMA', `connection '${connectionName}': tls.ca must be the path of a PEM file`);
  }
  const caFile = isAbsolute(tls.ca) ? tls.ca : resolve(baseDir, tls.ca);
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (cause) {
    throw new RunbookError(
      'FILE_NOT_FOUND',
      `connection '${connectionName}': cannot read tls.ca file ${caFile} (paths are relative to the runbook's folder)`,
      { cause, details: { file: caFile } },
    );
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new RunbookError('SCHEMA', `connection '${connectionName}': tls.ca file ${caFile} holds no PEM certificate`);
  }
  return { connect: { ca: [pem], rejectUnauthorized: !insecure }, insecure, caFile };
}
