// JUnit XML for CI dashboards: one testsuite per step, one testcase per operation.

import type { OperationRecord, Report, StepReport } from './types.js';

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
 * `<skipped>` with the reason. An operation that never ran because the run was cancelled is work left
 * undone, not a test left out on purpose: it is a `<failure type="CANCELLED">` and counts in `failures`,
 * like a step cancelled before it produced any operation. Steps that produced no operation appear as a
 * suite with a single testcase standing for the step, so that a failed expansion is never invisible.
 */
export function writeJunit(report: Report, write: (text: string) => void, redact: (text: string) => string = AS_IS): void {
  const x = (text: string): string => xmlEscape(redact(text));
  const line = (text: string): void => write(`${text}\n`);
  // The totals come first in the file: count each step's cases as they will be written.
  // The steps of onFailure and finally follow the main steps, as suites named after their part.
  const steps = [
    ...report.steps.map((step) => ({ step, name: step.id })),
    ...(report.onFailure ?? []).map((step) => ({ step, name: `onFailure.${step.id}` })),
    ...(report.finally ?? []).map((step) => ({ step, name: `finally.${step.id}` })),
  ];
  const counts = steps.map(({ step }) => suiteCounts(step));
  const total = counts.reduce((t, c) => ({ tests: t.tests + c.tests, failures: t.failures + c.failures, skipped: t.skipped + c.skipped }), {
    tests: 0,
    failures: 0,
    skipped: 0,
  });
  line('<?xml version="1.0" encoding="UTF-8"?>');
  line(
    `<testsuites name="${x(report.runbook.name)}" tests="${total.tests}" failures="${total.failures}" skipped="${total.skipped}" time="${seconds(report.durationMs)}" timestamp="${x(report.startedAt)}">`,
  );
  for (const [n, { step, name }] of steps.entries()) {
    const cases = step.operations.length > 0 ? step.operations : null;
    const { failures, skipped } = counts[n]!;
    const suite = x(`${report.runbook.name}.${name}`);
    line(
      `  <testsuite name="${suite}" tests="${cases ? cases.length : 1}" failures="${failures}" skipped="${skipped}" time="${seconds(step.durationMs)}">`,
    );
    if (cases) {
      for (const op of cases) {
        let body: string;
        if (op.status === 'failed') {
          const message = x(op.error ? `${op.error.code}: ${op.error.message}` : 'failed');
          body = `      <failure type="${x(op.error?.code ?? 'FAILED')}" message="${message}">${message}</failure>`;
        } else if (isCancelled(step, op)) {
          const message = x(op.reason ?? 'cancelled');
          body = `      <failure type="CANCELLED" message="${message}">${message}</failure>`;
        } else if (op.status === 'skipped') {
          body = `      <skipped message="${x(op.reason ?? 'skipped')}"/>`;
        } else {
          body = `      <system-out>${x(op.status)}${op.request ? ` ${x(`${op.request.method} ${op.request.url}`)}` : ''}</system-out>`;
        }
        line(`    <testcase classname="${suite}" name="${x(op.key)}" time="${seconds(op.durationMs)}">\n${body}\n    </testcase>`);
      }
    } else {
      line(`    <testcase classname="${suite}" name="${x(step.id)}" time="0.000">`);
      if (step.status === 'failed' || step.status === 'cancelled') {
        const type = step.error?.code ?? (step.status === 'cancelled' ? 'CANCELLED' : 'FAILED');
        line(`      <failure type="${x(type)}" message="${x(step.reason ?? step.status)}">${x(step.reason ?? '')}</failure>`);
      } else line(`      <skipped message="${x(step.reason ?? step.status)}"/>`);
      line('    </testcase>');
    }
    line('  </testsuite>');
  }
  line('</testsuites>');
}

/**
 * An operation of a cancelled step that never ran because of the cancellation (one done by an earlier
 * run, which `--resume` did not send again, is still just skipped).
 */
function isCancelled(step: StepReport, op: OperationRecord): boolean {
  return step.status === 'cancelled' && op.status === 'skipped' && !DONE_EARLIER.test(op.reason ?? '');
}

const DONE_EARLIER = /^done in run /;

/** What a step's suite holds: one case per operation, or one standing for a step without any. */
function suiteCounts(step: StepReport): { tests: number; failures: number; skipped: number } {
  if (step.operations.length === 0) {
    const failed = step.status === 'failed' || step.status === 'cancelled';
    return { tests: 1, failures: failed ? 1 : 0, skipped: failed ? 0 : 1 };
  }
  if (step.status !== 'cancelled') return { tests: step.summary.total, failures: step.summary.failed, skipped: step.summary.skipped };
  let cancelled = 0;
  for (const op of step.operations) if (isCancelled(step, op)) cancelled += 1;
  return { tests: step.summary.total, failures: step.summary.failed + cancelled, skipped: step.summary.skipped - cancelled };
}
