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

const AS_IS = (text: string): string => text;

/**
 * Writes a report as JUnit XML, a line at a time, so that a step of 100,000 operations is never held as
 * one text (nor its records at once: a large step's list reads them back one by one). Every text taken
 * from the report goes through `redact` before it is escaped: escaping could otherwise hide a secret from
 * the redactor (`a&b` becomes `a&amp;b`).
 *
 * A failed operation is a `<failure>` with its error code as the type and its message; a skipped one is
 * `<skipped>` with the reason. Steps that produced no operation appear as a suite with a single testcase
 * standing for the step, so that a failed expansion is never invisible.
 */
export function writeJunit(report: RunReport, write: (text: string) => void, redact: (text: string) => string = AS_IS): void {
  const x = (text: string): string => xmlEscape(redact(text));
  const line = (text: string): void => write(`${text}\n`);
  const s = report.summary;
  line('<?xml version="1.0" encoding="UTF-8"?>');
  line(
    `<testsuites name="${x(report.runbook.name)}" tests="${s.total}" failures="${s.failed}" skipped="${s.skipped}" time="${seconds(report.durationMs)}" timestamp="${x(report.startedAt)}">`,
  );
  for (const step of report.steps) {
    const cases = step.operations.length > 0 ? step.operations : null;
    const failures = cases ? step.summary.failed : step.status === 'failed' ? 1 : 0;
    const skipped = cases ? step.summary.skipped : step.status === 'failed' ? 0 : 1;
    const suite = x(`${report.runbook.name}.${step.id}`);
    line(`  <testsuite name="${suite}" tests="${cases ? cases.length : 1}" failures="${failures}" skipped="${skipped}" time="${seconds(step.durationMs)}">`);
    if (cases) {
      for (const op of cases) {
        let body: string;
        if (op.status === 'failed') {
          const message = x(op.error ? `${op.error.code}: ${op.error.message}` : 'failed');
          body = `      <failure type="${x(op.error?.code ?? 'FAILED')}" message="${message}">${message}</failure>`;
        } else if (op.status === 'skipped') {
          body = `      <skipped message="${x(op.reason ?? 'skipped')}"/>`;
        } else {
          body = `      <system-out>${x(op.status)}${op.request ? ` ${x(`${op.request.method} ${op.request.url}`)}` : ''}</system-out>`;
        }
        line(`    <testcase classname="${suite}" name="${x(op.key)}" time="${seconds(op.durationMs)}">\n${body}\n    </testcase>`);
      }
    } else {
      line(`    <testcase classname="${suite}" name="${x(step.id)}" time="0.000">`);
      if (step.status === 'failed') line(`      <failure message="${x(step.reason ?? 'failed')}">${x(step.reason ?? '')}</failure>`);
      else line(`      <skipped message="${x(step.reason ?? step.status)}"/>`);
      line('    </testcase>');
    }
    line('  </testsuite>');
  }
  line('</testsuites>');
}
