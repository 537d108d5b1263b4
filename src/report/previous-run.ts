// Reads the record of an earlier run for `run --resume`: a JSON report, or a journal (rebuilt).

import { readFile } from 'node:fs/promises';
import { RunbookError } from '../errors.js';
import { reportFromJournalFile } from './builder.js';
import type { Report, RunReport } from './types.js';

/** Loads a report, or rebuilds one from a journal (`.jsonl`, or any file whose first line is a run header). */
export async function loadPreviousRun(file: string): Promise<Report> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new RunbookError('FILE_NOT_FOUND', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const firstLine = text.slice(0, text.indexOf('\n') === -1 ? undefined : text.indexOf('\n'));
  if (file.endsWith('.jsonl') || firstLine.startsWith('{"type":"run"')) return reportFromJournalFile(file);
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    // not JSON: said below
  }
  const candidate = report as Partial<RunReport> | null;
  if (candidate !== null && typeof candidate === 'object' && candidate.reportVersion === 1 && Array.isArray(candidate.steps)) {
    const problem = resumeFieldProblem(candidate);
    if (problem !== undefined) throw new RunbookError('SCHEMA', `${file}: ${problem}; is this a report runbook wrote?`);
    return candidate as RunReport;
  }
  throw new RunbookError('USAGE', `${file} is neither a runbook report nor a journal`);
}

/** What `--resume` reads of a report, checked: the runbook's hash, the params, and each operation's key and status. */
function resumeFieldProblem(report: Partial<RunReport>): string | undefined {
  if (typeof report.runId !== 'string') return 'it has no "runId"';
  if (typeof report.runbook?.sha256 !== 'string') return 'it has no "runbook.sha256"';
  if (report.params === null || typeof report.params !== 'object') return 'its "params" is not an object';
  for (const [s, step] of (report.steps ?? []).entries()) {
    if (step === null || typeof step !== 'object' || !Array.isArray(step.operations)) return `"steps[${s}]" has no "operations" list`;
    for (const [o, op] of step.operations.entries()) {
      const where = `"steps[${s}].operations[${o}]"`;
      if (op === null || typeof op !== 'object') return `${where} is not an object`;
      if (typeof op.key !== 'string' || typeof op.status !== 'string') return `${where} has no "key" or "status"`;
      if (op.reason !== undefined && typeof op.reason !== 'string') return `${where}.reason is not a string`;
    }
  }
  return undefined;
}

/**
 * The operations of a report that need not run again: those that ended changed or unchanged, except those
 * a core.revert step of that run undid (they are as they were before it, so they must run again).
 */
export function completedOperations(report: Report): Map<string, 'changed' | 'unchanged'> {
  const done = new Map<string, 'changed' | 'unchanged'>();
  for (const step of report.steps) {
    for (const op of step.operations) {
      if (op.status === 'changed' || op.status === 'unchanged') done.set(op.key, op.status);
      // An operation skipped because an earlier run had done it stays done.
      const carried = op.status === 'skipped' ? /^done in run \S+ \((changed|unchanged)\)/.exec(op.reason ?? '') : null;
      if (carried) done.set(op.key, carried[1] as 'changed' | 'unchanged');
    }
  }
  for (const step of [...(report.onFailure ?? []), ...(report.finally ?? [])]) {
    if (step.undoes === undefined) continue;
    for (const op of step.operations) if (op.status === 'changed' || op.status === 'unchanged') done.delete(op.key);
  }
  return done;
}
