// `runbook validate FILE...`: every error of every file at once, as file:line:col lines.

import { createRegistry } from '../actions/builtins.js';
import { ValidationError, formatDiagnostic } from '../errors.js';
import { loadRunbook } from '../runbook/load.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { resolvePath } from './session.js';

export async function validateCommand(files: string[], io: CliIo): Promise<ExitCode> {
  const registry = createRegistry();
  let errors = 0;
  for (const file of files) {
    try {
      const runbook = await loadRunbook(resolvePath(io, file), { registry });
      const ops = runbook.steps.length;
      io.stdout.write(`${file}: ok (${runbook.name}, ${ops} step${ops === 1 ? '' : 's'})\n`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      errors += e.diagnostics.length;
      for (const d of e.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
    }
  }
  if (errors > 0) {
    io.stderr.write(`${errors} error${errors === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}\n`);
    return EXIT.INVALID;
  }
  return EXIT.OK;
}
