// `runbook schema`: print the runbook JSON Schema, including plugin actions, for editors.

import { buildRunbookSchema } from '../runbook/schema.js';
import { createRegistry } from '../actions/builtins.js';
import { loadPlugins } from '../actions/plugins.js';
import { ValidationError } from '../errors.js';
import { resolve } from 'node:path';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';

export async function schemaCommand(plugins: string[], io: CliIo): Promise<ExitCode> {
  const registry = createRegistry();
  const problems = await loadPlugins(
    plugins.map((p) => ({ specifier: p.startsWith('.') ? resolve(io.cwd, p) : p, file: p })),
    io.cwd,
    registry,
  );
  if (problems.length > 0) throw new ValidationError(problems);
  io.stdout.write(`${JSON.stringify(buildRunbookSchema(registry), null, 2)}\n`);
  return EXIT.OK;
}
