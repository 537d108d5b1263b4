// Reads the record of an earlier run for `run --resume`: a JSON report, or a journal (rebuilt).

import { readFile } from 'node:fs/promises';
import { RunbookError } from '../errors.js';
import { reportFromJournal } from './builder.js';
import { readJournal } from './journal.js';
import type { RunReport } from './types.js';

/** Loads a report, or rebuilds one from a journal (`.jsonl`, or any file whose first line is a run header). */
export async function loadPreviousRun(file: string): Promise<RunReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new RunbookError('FILE_NOT_FOUND', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n'));
  if (file.endsWith('.jsonl') || firstLine.startsWith('{"type":"run"')) return reportFromJournal(await readJournal(file));
  try {
    const report = JSON.parse(text) as RunReport;
    if (report.reportVersion === 1 && Array.isArray(report.steps)) return report;
  } catch {
    // fall through
  }
  throw new RunbookError('USAGE', `${file} is neither a runbook report nor a journal`);
}

/** The operations of a report that need not run again: those that ended changed or unchanged. */
export function completedOperations(report: RunReport): Map<string, 'changed' | 'unchanged'> {
  const done = new Map<string, 'changed' | 'unchanged'>();
  for (const step of report.steps) {
    for (const op of step.operations) {
      if (op.status === 'changed' || op.status === 'unchanged') done.set(op.key, op.status);
      // An operation skipped because an earlier run had done it stays done.
      const carried = op.status === 'skipped' ? /^done in run \S+ \((changed|unchanged)\)/.exec(op.reason ?? '') : null;
      if (carried) done.set(op.key, carried[1] as 'changed' | 'unchanged');
    }
  }
  return done;
}
