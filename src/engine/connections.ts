// Resolves the runbook's `connections:` (expressions, secrets) and opens the ones its steps use.
// Every value that reaches an `auth` block (but its user name) or `headers:` from the environment, and
// every password, token or secret, is registered with the redactor before anything can print it.

import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { Registry } from '../actions/registry.js';
import type { HttpRequest } from '../contracts/connection.js';
import { openConnection, type ConnectionRuntime, type SentRequests } from '../connections/transport.js';
import { RunbookError, ValidationError, isRunbookError, type Diagnostic } from '../errors.js';
import { allSteps, type ConnectionSpec, type Runbook } from '../runbook/model.js';
import { evaluateValue, type Scope } from '../runbook/expressions.js';
import { setOwn } from '../common/plain-data.js';
import { REDACTED, type Redactor } from '../secrets/redactor.js';
import type { RunConnection } from './executor.js';

const SECRET_KEY = /pass(word)?|secret|token|credential|apikey/i;

export interface OpenConnectionsOptions {
  runbook: Runbook;
  registry: Registry;
  scope: Pick<Scope, 'params' | 'env'>;
  redactor: Redactor;
  log: Logger;
  maxConnections: number;
  /**
   * For previews: credentials that are not set in the environment are replaced by a placeholder, so
   * that a plan can be made without them. Nothing is sent in a preview.
   */
  allowMissingCredentials?: boolean;
  /** Rewrites a connection entry before it is resolved (`--sim` points connections at the simulator). */
  override?: (name: string, spec: ConnectionSpec) => ConnectionSpec;
}

type OpenConnection = RunConnection & { close(): Promise<void>; readonly sent: SentRequests };

/** The open connections of a run. Close them when the run ends (BAO logs out). */
export class OpenConnections {
  readonly #runtimes: Map<string, OpenConnection>;

  constructor(runtimes: Map<string, OpenConnection>) {
    this.#runtimes = runtimes;
  }

  get map(): ReadonlyMap<string, RunConnection> {
    return this.#runtimes;
  }

  /** Each open connection: its name, type, URL (with the type's path prefix) and what it has sent. */
  list(): { name: string; type: string; url: string; sent: SentRequests }[] {
    return [...this.#runtimes.values()].map(({ name, type, url, sent }) => ({ name, type, url, sent }));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.#runtimes.values()].map((c) => c.close().catch(() => undefined)));
  }
}

/**
 * Resolves and opens every connection that some step uses. Opening sends nothing: logins happen on the
 * first request. Throws ValidationError (exit code 2) when a connection cannot be resolved.
 */
export function openRunbookConnections(options: OpenConnectionsOptions): OpenConnections {
  const { runbook, registry, redactor } = options;
  const used = new Set(
    allSteps(runbook)
      .map((s) => s.connection)
      .filter((c): c is string => c !== undefined),
  );
  const diagnostics: Diagnostic[] = [];
  const runtimes = new Map<string, OpenConnection>();
  for (const [name, written] of Object.entries(runbook.connections)) {
    if (!used.has(name)) continue;
    const spec = options.override ? options.override(name, written) : written;
    const registered = registry.connection(spec.type);
    if (!registered) continue; // reported by validation already
    let config: Record<string, unknown>;
    try {
      config = resolveConnectionConfig(name, spec, options);
    } catch (e) {
      diagnostics.push(diagnosticFor(e, runbook, ['connections', name]));
      continue;
    }
    try {
      const runtime = openConnection({
        name,
        config,
        definition: registered.definition,
        baseDir: dirname(runbook.file),
        log: options.log,
        redactor,
        maxConnections: options.maxConnections,
      });
      runtimes.set(name, asRunConnection(name, spec.type, runtime));
    } catch (e) {
      // The message may show a URL that expressions built: every secret known by now is masked in it.
      const diagnostic = diagnosticFor(e, runbook, ['connections', name]);
      diagnostics.push({ ...diagnostic, message: redactor.redact(diagnostic.message) });
    }
  }
  if (diagnostics.length > 0) throw new ValidationError(diagnostics);
  return new OpenConnections(runtimes);
}

function resolveConnectionConfig(name: string, spec: Record<string, unknown>, options: OpenConnectionsOptions): Record<string, unknown> {
  const { redactor, scope } = options;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(spec)) {
    const inAuth = key === 'auth';
    try {
      out[key] =
        inAuth && isRecord(value)
          ? resolveAuth(value, scope, redactor)
          : evaluateValue(value, { ...scope, steps: {} }, { onEnvRead: key === 'headers' ? (_name, v) => redactor.add(v) : undefined });
    } catch (e) {
      if (inAuth && options.allowMissingCredentials && isRunbookError(e) && e.code === 'ENV_MISSING') {
        out[key] = placeholderAuth(value);
        continue;
      }
      throw e instanceof RunbookError
        ? new RunbookError(e.code, `connections.${name}.${key}: ${e.message}`, { details: { path: ['connections', name, key] } })
        : e;
    }
  }
  registerSecrets(out, redactor);
  return out;
}

/** Keys of an `auth` block that name who logs in, not what proves it: their values are not secrets. */
const IDENTITY_KEY = /^(type|user|username)$/i;

/**
 * Resolves an `auth` block. Every environment value it reads is registered as a secret, except under a
 * key that names the user: a user name is shown (an auth error says which user was refused).
 */
function resolveAuth(auth: Record<string, unknown>, scope: OpenConnectionsOptions['scope'], redactor: Redactor): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(auth)) {
    const read = IDENTITY_KEY.test(key) ? undefined : (_name: string, v: string) => redactor.add(v);
    setOwn(out, key, evaluateValue(value, { ...scope, steps: {} }, { onEnvRead: read }));
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An auth block whose values could not be read: keep its shape, hide its values. */
function placeholderAuth(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return REDACTED;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === 'type' && typeof v === 'string' ? v : REDACTED;
  return out;
}

/** Registers every value under a secret-looking key, and every password in a URL's user info. */
export function registerSecrets(value: unknown, redactor: Redactor, keyIsSecret = false): void {
  if (typeof value === 'string') {
    if (keyIsSecret) redactor.add(value);
    if (/^https?:\/\//.test(value)) {
      try {
        const url = new URL(value);
        if (url.password) redactor.add(decodeURIComponent(url.password));
      } catch {
        // not a URL after all
      }
    }
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) registerSecrets(v, redactor, keyIsSecret);
    return;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) registerSecrets(v, redactor, keyIsSecret || SECRET_KEY.test(k));
  }
}

function asRunConnection(name: string, type: string, runtime: ConnectionRuntime): OpenConnection {
  return {
    name,
    type,
    url: runtime.baseUrl,
    sent: runtime.sent,
    urlFor: (req: HttpRequest) => runtime.urlFor(req),
    client: (o) => runtime.client(o),
    close: () => runtime.close(),
  };
}

function diagnosticFor(e: unknown, runbook: Runbook, path: (string | number)[]): Diagnostic {
  const field = isRunbookError(e) && typeof e.details?.field === 'string' ? [e.details.field] : [];
  const fullPath = isRunbookError(e) && Array.isArray(e.details?.path) ? (e.details.path as (string | number)[]) : [...path, ...field];
  const pos = runbook.locate(fullPath);
  return {
    code: isRunbookError(e) ? e.code : 'INTERNAL',
    message: e instanceof Error ? e.message : String(e),
    file: runbook.file,
    ...(pos ?? {}),
    path: fullPath.join('.'),
  };
}
