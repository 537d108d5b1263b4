// A Markdown summary of a run, for a pull-request comment or a CI job summary.

import type { RunReport } from './types.js';

/** Escapes what would break a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ').replace(/`/g, "'");
}

const ICON: Record<string, string> = {
  succeeded: '✅',
  failed: '❌',
  cancelled: '⏹️',
  skipped: '⏭️',
};

/** One table of steps, then one table of the operations that failed (at most `maxFailures` rows). */
export function renderSummaryMarkdown(report: RunReport, maxFailures = 50): string {
  const s = report.summary;
  const lines = [
    `## ${ICON[report.status] ?? ''} runbook \`${cell(report.runbook.name)}\`: ${report.status}`,
    '',
    `${s.total} operations: ${s.changed} changed, ${s.unchanged} unchanged, ${s.failed} failed, ${s.skipped} skipped` +
      ` in ${(report.durationMs / 1000).toFixed(1)} s (${report.mode === 'dry-run' ? 'dry run, ' : ''}run id \`${report.runId}\`${report.resumedFrom ? `, resumed from \`${report.resumedFrom}\`` : ''}).`,
    '',
    '| step | action | status | changed | unchanged | failed | skipped |',
    '|---|---|---|---:|---:|---:|---:|',
  ];
  for (const step of report.steps) {
    const c = step.summary;
    lines.push(
      `| ${cell(step.id)} | ${cell(step.action)} | ${ICON[step.status] ?? ''} ${step.status} | ${c.changed} | ${c.unchanged} | ${c.failed} | ${c.skipped} |`,
    );
  }
  const failures = report.steps.flatMap((step) => step.operations.filter((o) => o.status === 'failed').map((o) => ({ step, o })));
  if (failures.length > 0) {
    lines.push('', '### Failures', '', '| operation | error | message |', '|---|---|---|');
    for (const { o } of failures.slice(0, maxFailures)) {
      lines.push(`| ${cell(o.key)} | ${cell(o.error?.code ?? '')} | ${cell(o.error?.message ?? '')} |`);
    }
    if (failures.length > maxFailures) lines.push('', `…and ${failures.length - maxFailures} more failures; see the JSON report.`);
  }
  return `${lines.join('\n')}\n`;
}
