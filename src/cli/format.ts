// Human-readable output: the plan table, one line per finished operation, and the closing summary.
// Everything here passes through the redactor before it reaches a terminal. Text that a server or a
// plugin may have written (keys, messages, reasons, URLs, bodies) goes through `shown`: its control
// characters are escaped, so that it cannot move the cursor, recolour or rewrite the terminal.

import type { ResolvedStep } from '../plan/types.js';
import type { OperationRecord, Report, StatusCounts, StepRecord } from '../report/types.js';
import { escapeControlChars as shown } from '../secrets/untrusted-text.js';
import { plain, type Paint, type Style } from './colour.js';

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m} min ${s} s`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function compactJson(value: unknown): string {
  return shown(JSON.stringify(value));
}

/** The header and one block per step of a plan. */
export function formatPlanStep(step: ResolvedStep, position: string): string {
  const via = step.connection ? ` via ${step.connection}` : '';
  const title = `${position}  ${shown(step.id)}  ${shown(step.action)}${via}`;
  if (step.disposition !== 'planned') {
    return `${title}\n  ${step.disposition}: ${shown(step.reason ?? '')}\n`;
  }
  const lines = [`${title}  (${plural(step.operations.length, 'operation')})`];
  // A loop, not Math.max(...keys): a step of a few hundred thousand operations would overflow the arguments.
  const width = Math.min(
    48,
    step.operations.reduce((w, o) => Math.max(w, o.key.length), 0),
  );
  for (const op of step.operations) {
    const key = shown(op.key).padEnd(width);
    if (op.error) {
      lines.push(`  ${key}  would fail: ${shown(op.error.message)} [${op.error.code}]`);
      continue;
    }
    const pad = ' '.repeat(width);
    if (op.requests.length === 0) {
      lines.push(`  ${key}  ${op.unresolved ? `unknown until run: ${shown(op.unresolved)}` : 'sends no request'}`);
    } else {
      op.requests.forEach((r, i) => {
        const body = r.body === undefined ? '' : `  ${compactJson(r.body)}`;
        lines.push(`  ${i === 0 ? key : pad}  ${shown(r.method)} ${shown(r.url)}${body}`);
      });
      if (op.unresolved && !op.prediction) lines.push(`  ${pad}  unknown until run: ${shown(op.unresolved)}`);
    }
    if (op.prediction) lines.push(`  ${pad}  -> ${shown(op.prediction.outcome)}: ${shown(op.prediction.reason)}`);
  }
  return `${lines.join('\n')}\n`;
}

const STATUS_LABEL: Record<OperationRecord['status'], string> = {
  changed: 'changed  ',
  unchanged: 'unchanged',
  failed: 'FAILED   ',
  skipped: 'skipped  ',
};

const STATUS_STYLE: Record<OperationRecord['status'], Style> = { changed: 'yellow', unchanged: 'green', failed: 'red', skipped: 'dim' };

/** One line for a finished operation; `paint` colours its status label. */
export function formatOperationLine(record: OperationRecord, paint: Paint = plain): string {
  const attempts = record.attempts > 1 ? `, ${record.attempts} attempts` : '';
  const timing = `(${formatDuration(record.durationMs)}${attempts})`;
  const label = (status: OperationRecord['status']) => paint(STATUS_STYLE[status], STATUS_LABEL[status]);
  if (record.status === 'failed' && record.error) {
    return `  ${label('failed')}  ${shown(record.key)}  ${shown(record.error.code)}: ${shown(record.error.message)} ${timing}\n`;
  }
  if (record.status === 'skipped') return `  ${label('skipped')}  ${shown(record.key)}  ${shown(record.reason ?? '')}\n`;
  return `  ${label(record.status)}  ${shown(record.key)}  ${timing}\n`;
}

export function formatStepHeader(index: number, total: number, id: string, action: string, operations: number): string {
  return `Step ${index}/${total}  ${shown(id)}  ${shown(action)}  (${plural(operations, 'operation')})\n`;
}

/** The header of a step of onFailure or finally, named by its part: `finally  notify  http.request  (1 operation)`. */
export function formatHandlerHeader(part: string, id: string, action: string, operations: number): string {
  return `${part}  ${shown(id)}  ${shown(action)}  (${plural(operations, 'operation')})\n`;
}

/** The header of a core.revert step: `onFailure  undo  core.revert  (undoes peers, stop)`. */
export function formatRevertHeader(part: string, id: string, undoes: readonly string[]): string {
  const what = undoes.length === 0 ? 'nothing this run changed is to be undone' : `undoes ${undoes.map((s) => shown(s)).join(', ')}`;
  return `${part}  ${shown(id)}  core.revert  (${what})\n`;
}

export function formatStepEnd(step: Pick<StepRecord, 'id' | 'status' | 'reason' | 'continueOnError' | 'error'>): string {
  if (step.status === 'succeeded') return '';
  const note = step.continueOnError ? ' (continueOnError: the run goes on)' : '';
  return `  step ${shown(step.id)} ${step.status}: ${shown(step.reason ?? '')}${codeOf(step)}${note}\n`;
}

function codeOf(step: Pick<StepRecord, 'error'>): string {
  return step.error ? ` [${step.error.code}]` : '';
}

/**
 * True for a run that finished within its budgets in which some operation or step failed all the same
 * (tolerated by `maxErrors` or `continueOnError`): exit code 3, not 0.
 */
export function hasToleratedFailures(report: Report): boolean {
  return (
    report.mode === 'run' && report.status === 'succeeded' && (report.summary.failed > 0 || report.steps.some((s) => s.status === 'failed'))
  );
}

/** True when the run has something to say even under --quiet: a failure, tolerated or not, or a skipped step. */
export function hasNotices(report: Report): boolean {
  return report.status !== 'succeeded' || hasToleratedFailures(report) || report.steps.some((s) => s.status !== 'succeeded');
}

export function formatCounts(c: StatusCounts): string {
  return `${plural(c.total, 'operation')}: ${c.changed} changed, ${c.unchanged} unchanged, ${c.failed} failed, ${c.skipped} skipped`;
}

/** The closing line of a run, such as `Run succeeded: 12 operations: ... in 3.2 s.` */
export function formatRunSummary(report: Report, reportFile?: string): string {
  const verb = report.mode === 'dry-run' ? 'Dry run' : report.revertOf !== undefined ? `Revert of run ${shown(report.revertOf)}` : 'Run';
  const where = reportFile ? ` Report: ${reportFile}` : '';
  const status = hasToleratedFailures(report) ? 'finished within its failure budgets, with failures' : report.status;
  const counts = (part: (typeof HANDLER_PARTS)[number]) =>
    report[part === 'onFailure' ? 'onFailureSummary' : 'finallySummary'] ?? countsOf(report[part]!);
  // A part that did nothing (an onFailure after a run that did not fail) is told only when the run failed.
  const told = HANDLER_PARTS.filter((part) => {
    if (report[part] === undefined) return false;
    const c = counts(part);
    return report.status === 'failed' || c.skipped < c.total;
  });
  const handlers = told.map((part) => `  ${part}: ${formatCounts(counts(part))}\n`);
  const handlerFailed = report.error?.code === 'HANDLER_FAILED' ? `${shown(report.error.message)}\n` : '';
  return `${verb} ${status}: ${formatCounts(report.summary)} in ${formatDuration(report.durationMs)}.${where}\n${handlers.join('')}${handlerFailed}`;
}

const HANDLER_PARTS = ['onFailure', 'finally'] as const;

function countsOf(steps: Report['steps']): StatusCounts {
  const c = { total: 0, changed: 0, unchanged: 0, failed: 0, skipped: 0 };
  for (const s of steps) for (const k of Object.keys(c) as (keyof StatusCounts)[]) c[k] += s.summary[k];
  return c;
}

/**
 * What went wrong or was left out, for --quiet and for the end of a run that did not simply succeed: one
 * line per step that failed (also under continueOnError), was skipped or was cancelled, one per step that
 * tolerated failures, and one per failed operation.
 */
export function formatFailures(report: Report): string {
  const lines: string[] = [];
  const parts = [
    { label: 'step', steps: report.steps },
    { label: 'onFailure step', steps: report.onFailure ?? [] },
    { label: 'finally step', steps: report.finally ?? [] },
  ];
  for (const { label, steps } of parts)
    for (const step of steps) {
      // onFailure steps are skipped whenever the run did not fail: nothing to tell.
      if (label === 'onFailure step' && step.status === 'skipped' && report.status !== 'failed') continue;
      if (step.status === 'failed') {
        const note = step.continueOnError ? ' (continueOnError: the run went on)' : '';
        lines.push(`${label} ${shown(step.id)} failed: ${shown(step.reason ?? '')}${codeOf(step)}${note}`);
      } else if (step.status !== 'succeeded') {
        lines.push(`${label} ${shown(step.id)} ${step.status}: ${shown(step.reason ?? '')}`);
      } else if (step.summary.failed > 0) {
        lines.push(
          `step ${shown(step.id)} succeeded within its budget: ${step.summary.failed} of ${step.summary.total} operations failed; maxErrors allows ${step.maxErrors ?? 0}`,
        );
      }
      for (const op of step.operations) {
        if (op.status === 'failed' && op.error) lines.push(`  ${shown(op.key)}: ${shown(op.error.code)}: ${shown(op.error.message)}`);
      }
    }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
