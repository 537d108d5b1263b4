// What every command that reads a runbook does first: build the registry, load and validate the file,
// resolve --param values, and register secret params with the redactor.

import { resolve } from 'node:path';
import type { Registry } from '../actions/registry.js';
import { createRegistry } from '../actions/builtins.js';
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
  io: CliIo;
  redactor?: Redactor;
}

/** Loads a runbook for a command. Throws ValidationError (exit code 2) with every problem found. */
export async function loadForCommand(options: LoadRunbookOptions): Promise<LoadedRunbook> {
  const registry = createRegistry();
  const redactor = options.redactor ?? new Redactor();
  const runbook = await loadRunbook(resolvePath(options.io, options.file), { registry });
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

/** Paths on the command line are relative to the working directory; keep them as the user wrote them when they can be. */
export function resolvePath(io: CliIo, file: string): string {
  return resolve(io.cwd, file) === resolve(file) ? file : resolve(io.cwd, file);
}
