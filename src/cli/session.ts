// What every command that reads a runbook does first: build the registry (built-ins and plugins), load
// and validate the file, resolve --param values, and register secret params with the redactor.

import { resolve } from 'node:path';
import type { Registry } from '../actions/registry.js';
import { createRegistry } from '../actions/builtins.js';
import { loadPlugins } from '../actions/plugins.js';
import { ValidationError } from '../errors.js';
import { loadRunbook } from '../runbook/load.js';
import type { Runbook } from '../runbook/model.js';
import { parseParamAssignments, resolveParams } from '../runbook/params.js';
import { Redactor } from '../secrets/redactor.js';
import type { CliIo } from './io.js';

export interface LoadedRunbook {
  registry: Registry;
  runbook: Runbook;
  params: Record<string, unknown>;
  redactor: Redactor;
}

export interface LoadRunbookOptions {
  file: string;
  params?: string[];
  /** `--plugin` paths, relative to the working directory. */
  plugins?: string[];
  io: CliIo;
}

/**
 * A registry with the built-ins, the `--plugin` modules and the runbook's `plugins:`, and the runbook
 * loaded against it. Throws ValidationError (exit code 2) with every problem found.
 */
export async function loadRunbookWithPlugins(
  file: string,
  plugins: string[],
  io: CliIo,
): Promise<{ registry: Registry; runbook: Runbook }> {
  const registry = createRegistry();
  const fromFlags = await loadPlugins(
    plugins.map((p) => ({ specifier: p.startsWith('.') ? resolve(io.cwd, p) : p, file: p })),
    io.cwd,
    registry,
  );
  if (fromFlags.length > 0) throw new ValidationError(fromFlags);
  const path = resolvePath(io, file);
  const runbook = await loadRunbook(path, {
    registry,
    loadPlugins: (specs, baseDir) =>
      loadPlugins(
        specs.map((s) => ({ ...s, file: path, path: 'plugins' })),
        baseDir,
        registry,
      ),
  });
  return { registry, runbook };
}

/** Loads a runbook for a command that runs or plans it. */
export async function loadForCommand(options: LoadRunbookOptions): Promise<LoadedRunbook> {
  const { registry, runbook } = await loadRunbookWithPlugins(options.file, options.plugins ?? [], options.io);
  const redactor = new Redactor();
  const params = resolveParams(runbook, parseParamAssignments(options.params ?? []));
  for (const [name, spec] of Object.entries(runbook.params)) {
    if (spec.secret) registerSecretValue(params[name], redactor);
  }
  return { registry, runbook, params, redactor };
}

function registerSecretValue(value: unknown, redactor: Redactor): void {
  if (typeof value === 'string') redactor.add(value);
  else if (typeof value === 'number' || typeof value === 'boolean') redactor.add(String(value));
  else if (Array.isArray(value)) for (const v of value) registerSecretValue(v, redactor);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) registerSecretValue(v, redactor);
}

/** Paths on the command line are relative to the working directory; they are kept as written when they can be. */
export function resolvePath(io: CliIo, file: string): string {
  return resolve(io.cwd) === process.cwd() ? file : resolve(io.cwd, file);
}
