// A Markdown summary of a run, for a pull-request comment or a CI job summary.

import { escapeControlChars, escapeMarkdown } from '../secrets/untrusted-text.js';
import { formatDuration } from '../common/durations.js';
import type { OperationRecord, Report } from './types.js';

/**
 * Text in a code span, where Markdown interprets nothing but the backtick that would close it (and a
 * table's `|`): both are replaced, control characters escaped.
 */
function codeSpan(text: string): string {
  return `\`${escapeControlChars(text).replace(/`/g, "'").replace(/\|/g, '/')}\``;
}

const ICON: Record<string, string> = {
  succeeded: '✅',
  failed: '❌',
  cancelled: '⏹️',
  skipped: '⏭️',
};

/**
 * One table of steps, then one table of the operations that failed (at most `maxFailures` rows). Every
 * text taken from the report goes through `redact` before it is escaped for a table cell, which could
 * otherwise hide a secret from the redactor. The operations are read one by one (a large step's list
 * reads them back from the journal); of the failures, only those shown are kept.
 */
export function renderSummaryMarkdown(report: Report, options: { redact?: (text: string) => string; maxFailures?: number } = {}): string {
  const redact = options.redact ?? ((text: string) => text);
  const maxFailures = options.maxFailures ?? 50;
  // Text from the report (names, keys, server messages) shows as written: no markup, link or HTML of its own.
  const cell = (text: string): string => escapeMarkdown(redact(text));
  const s = report.summary;
  const lines = [
    `## ${ICON[report.status] ?? ''} runbook ${codeSpan(redact(report.runbook.name))}: ${report.status}`,
    '',
    `${s.total} operations: ${s.changed} changed, ${s.unchanged} unchanged, ${s.failed} failed, ${s.skipped} skipped` +
      ` in ${formatDuration(report.durationMs)} (${report.mode === 'dry-run' ? 'dry run, ' : ''}run id ${codeSpan(redact(report.runId))}${report.resumedFrom ? `, resumed from ${codeSpan(redact(report.resumedFrom))}` : ''}${report.revertOf ? `, revert of ${codeSpan(redact(report.revertOf))}` : ''}).`,
    '',
    '| step | action | status | changed | unchanged | failed | skipped |',
    '|---|---|---|---:|---:|---:|---:|',
  ];
  // The steps of onFailure and finally follow the main steps, their id prefixed with their part.
  const steps = [
    ...report.steps.map((step) => ({ step, label: step.id })),
    ...(report.onFailure ?? []).map((step) => ({ step, label: `onFailure: ${step.id}` })),
    ...(report.finally ?? []).map((step) => ({ step, label: `finally: ${step.id}` })),
  ];
  for (const { step, label } of steps) {
    const c = step.summary;
    lines.push(
      `| ${cell(label)} | ${cell(step.action)} | ${ICON[step.status] ?? ''} ${step.status} | ${c.changed} | ${c.unchanged} | ${c.failed} | ${c.skipped} |`,
    );
  }
  // Only the rows shown are kept: a step where all of 100,000 operations failed is not held in memory.
  const shown: OperationRecord[] = [];
  let failed = 0;
  for (const { step } of steps) {
    for (const o of step.operations) {
      if (o.status !== 'failed') continue;
      failed += 1;
      if (shown.length < maxFailures) shown.push(o);
    }
  }
  if (report.error !== undefined) lines.push('', `${cell(report.error.code)}: ${cell(report.error.message)}`);
  if (failed > 0) {
    lines.push('', '### Failures', '', '| operation | error | message |', '|---|---|---|');
    for (const o of shown) lines.push(`| ${cell(o.key)} | ${cell(o.error?.code ?? '')} | ${cell(o.error?.message ?? '')} |`);
    if (failed > maxFailures) lines.push('', `…and ${failed - maxFailures} more failures; see the JSON report.`);
  }
  return `${lines.join('\n')}\n`;
}
