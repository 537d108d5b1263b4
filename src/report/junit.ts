// JUnit XML for CI dashboards: one testsuite per step, one testcase per operation.

import type { RunReport } from './types.js';

/** Escapes text for XML content and attribute values; drops characters XML 1.0 cannot carry. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * Renders a report as JUnit XML. A failed operation is a `<failure>` with its error code as the type and
 * its message; a skipped one is `<skipped>` with the reason. Steps that produced no operation appear as
 * a suite with a single testcase standing for the step, so that a failed expansion is never invisible.
 */
export function renderJunit(report: RunReport): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const s = report.summary;
  out.push(
    `<testsuites name="${xmlEscape(report.runbook.name)}" tests="${s.total}" failures="${s.failed}" skipped="${s.skipped}" time="${seconds(report.durationMs)}" timestamp="${report.startedAt}">`,
  );
  for (const step of report.steps) {
    const cases = step.operations.length > 0 ? step.operations : null;
    const failures = cases ? step.summary.failed : step.status === 'failed' ? 1 : 0;
    const skipped = cases ? step.summary.skipped : step.status === 'failed' ? 0 : 1;
    out.push(
      `  <testsuite name="${xmlEscape(`${report.runbook.name}.${step.id}`)}" tests="${cases ? cases.length : 1}" failures="${failures}" skipped="${skipped}" time="${seconds(step.durationMs)}">`,
    );
    if (cases) {
      for (const op of cases) {
        out.push(`    <testcase classname="${xmlEscape(`${report.runbook.name}.${step.id}`)}" name="${xmlEscape(op.key)}" time="${seconds(op.durationMs)}">`);
        if (op.status === 'failed') {
          const message = op.error ? `${op.error.code}: ${op.error.message}` : 'failed';
          out.push(`      <failure type="${xmlEscape(op.error?.code ?? 'FAILED')}" message="${xmlEscape(message)}">${xmlEscape(message)}</failure>`);
        } else if (op.status === 'skipped') {
          out.push(`      <skipped message="${xmlEscape(op.reason ?? 'skipped')}"/>`);
        } else {
          out.push(`      <system-out>${xmlEscape(op.status)}${op.request ? ` ${xmlEscape(`${op.request.method} ${op.request.url}`)}` : ''}</system-out>`);
        }
        out.push('    </testcase>');
      }
    } else {
      out.push(`    <testcase classname="${xmlEscape(`${report.runbook.name}.${step.id}`)}" name="${xmlEscape(step.id)}" time="0.000">`);
      if (step.status === 'failed') out.push(`      <failure message="${xmlEscape(step.reason ?? 'failed')}">${xmlEscape(step.reason ?? '')}</failure>`);
      else out.push(`      <skipped message="${xmlEscape(step.reason ?? step.status)}"/>`);
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
