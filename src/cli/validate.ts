// `runbook validate FILE...`: every error of every file at once, as file:line:col lines.

import { ValidationError, formatDiagnostic } from '../errors.js';
import { escapeControlChars } from '../secrets/untrusted-text.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { loadRunbookWithPlugins } from './load-for-command.js';

export async function validateCommand(files: string[], plugins: string[], io: CliIo): Promise<ExitCode> {
  let errors = 0;
  for (const file of files) {
    try {
      // Each file gets its own registry: one runbook's plugins must not make another one valid.
      const { runbook } = await loadRunbookWithPlugins(file, plugins, io);
      const n = runbook.steps.length;
      io.stdout.write(`${file}: ok (${runbook.name}, ${n} step${n === 1 ? '' : 's'})\n`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      errors += e.diagnostics.length;
      for (const d of e.diagnostics) io.stderr.write(`${escapeControlChars(formatDiagnostic(d))}\n`);
    }
  }
  if (errors > 0) {
    io.stderr.write(`${errors} error${errors === 1 ? '' : 's'} in ${files.length} file${files.length === 1 ? '' : 's'}\n`);
    return EXIT.INVALID;
  }
  return EXIT.OK;
}
