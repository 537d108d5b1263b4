// JUnit XML and the Markdown summary: what CI dashboards read. Both read the report as it is (a large
// step's list of records included), redact every text before escaping it, and keep nothing they do not show.

import { describe, expect, it } from 'vitest';
import { writeJunit } from '../../src/report/junit.js';
import { renderSummaryMarkdown } from '../../src/report/markdown.js';
import type { OperationRecord, RunReport, StepRecord } from '../../src/report/types.js';
import { Redactor } from '../../src/secrets/redactor.js';

// Characters that XML and Markdown escape: a redactor run over the escaped text would not find it.
const SECRET = 'p&ss<w>rd|`x';

function step(id: string, operations: OperationRecord[], extra: Partial<StepRecord> = {}): StepRecord {
  const summary = { total: operations.length, changed: 0, unchanged: 0, failed: 0, skipped: 0 };
  for (const o of operations) summary[o.status] += 1;
  return {
    id,
    action: 'ocp.stopAgentProcess',
    status: summary.failed > 0 ? 'failed' : 'succeeded',
    durationMs: 1234,
    summary,
    operations,
    ...extra,
  };
}

function report(steps: StepRecord[]): RunReport {
  const summary = { total: 0, changed: 0, unchanged: 0, failed: 0, skipped: 0 };
  for (const s of steps) for (const k of ['total', 'changed', 'unchanged', 'failed', 'skipped'] as const) summary[k] += s.summary[k];
  return {
    reportVersion: 1,
    runId: 'run-1',
    runbook: { name: 'nightly', file: 'nightly.yaml', sha256: 'abc' },
    mode: 'run',
    status: summary.failed > 0 ? 'failed' : 'succeeded',
    startedAt: '2026-11-23T01:00:00.000Z',
    finishedAt: '2026-11-23T01:00:02.000Z',
    durationMs: 2000,
    params: {},
    summary,
    steps,
  };
}

const OPERATIONS: OperationRecord[] = [
  {
    key: 'stop/host=1',
    status: 'changed',
    attempts: 1,
    durationMs: 40,
    request: { method: 'POST', url: 'https://ocp/api/v2/compute/hosts/1/agent/processes/185/stop' },
  },
  {
    key: 'stop/host=2',
    status: 'failed',
    attempts: 1,
    durationMs: 5,
    error: { code: 'NOT_FOUND', message: `host 2 has no process with alias '${SECRET}'` },
  },
  { key: 'stop/host=3', status: 'skipped', attempts: 0, durationMs: 0, reason: `not started: ${SECRET} <budget>` },
];

function junitOf(r: RunReport, redactor?: Redactor): string {
  const pieces: string[] = [];
  writeJunit(r, (text) => pieces.push(text), redactor ? (text) => redactor.redact(text) : undefined);
  return pieces.join('');
}

describe('writeJunit', () => {
  it('writes one suite per step and one case per operation, escaped', () => {
    const r = report([step('stop', OPERATIONS), step('later', [], { status: 'skipped', reason: 'its if: condition is false' })]);
    expect(junitOf(r)).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="nightly" tests="4" failures="1" skipped="2" time="2.000" timestamp="2026-11-23T01:00:00.000Z">',
        '  <testsuite name="nightly.stop" tests="3" failures="1" skipped="1" time="1.234">',
        '    <testcase classname="nightly.stop" name="stop/host=1" time="0.040">',
        '      <system-out>changed POST https://ocp/api/v2/compute/hosts/1/agent/processes/185/stop</system-out>',
        '    </testcase>',
        '    <testcase classname="nightly.stop" name="stop/host=2" time="0.005">',
        `      <failure type="NOT_FOUND" message="NOT_FOUND: host 2 has no process with alias &apos;p&amp;ss&lt;w&gt;rd|\`x&apos;">NOT_FOUND: host 2 has no process with alias &apos;p&amp;ss&lt;w&gt;rd|\`x&apos;</failure>`,
        '    </testcase>',
        '    <testcase classname="nightly.stop" name="stop/host=3" time="0.000">',
        '      <skipped message="not started: p&amp;ss&lt;w&gt;rd|`x &lt;budget&gt;"/>',
        '    </testcase>',
        '  </testsuite>',
        '  <testsuite name="nightly.later" tests="1" failures="0" skipped="1" time="1.234">',
        '    <testcase classname="nightly.later" name="later" time="0.000">',
        '      <skipped message="its if: condition is false"/>',
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
  });

  it('redacts a secret before escaping it, so that neither its raw nor its escaped form is left', () => {
    const redactor = new Redactor();
    redactor.add(SECRET);
    const xml = junitOf(report([step('stop', OPERATIONS)]), redactor);
    expect(xml).not.toContain(SECRET);
    expect(xml).not.toContain('p&amp;ss&lt;w&gt;rd');
    expect(xml.match(/\[REDACTED\]/g)).toHaveLength(3);
  });

  it('reads the operations through the list it is given, once each, in order', () => {
    const reads: number[] = [];
    const records = Array.from({ length: 5 }, (_, i): OperationRecord => ({ key: `k${i}`, status: 'changed', attempts: 1, durationMs: i }));
    // A read-only array-like list, as a large step's records are (read back from the journal on demand).
    const list = new Proxy(records, {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && /^\d+$/.test(prop)) reads.push(Number(prop));
        return Reflect.get(target, prop, receiver);
      },
    });
    const r = report([step('stop', list)]);
    reads.length = 0;
    const pieces: string[] = [];
    writeJunit(r, (text) => pieces.push(text));
    expect(reads).toEqual([0, 1, 2, 3, 4]);
    // A line per piece: the writer never builds the whole document.
    expect(pieces.every((p) => p.endsWith('\n'))).toBe(true);
    expect(pieces.length).toBeGreaterThan(5);
  });
});

describe('renderSummaryMarkdown', () => {
  it('shows the steps and the failures, and redacts before escaping table cells', () => {
    const redactor = new Redactor();
    redactor.add(SECRET);
    const md = renderSummaryMarkdown(report([step('stop', OPERATIONS)]), { redact: (t) => redactor.redact(t) });
    expect(md).toContain('| stop | ocp.stopAgentProcess | ❌ failed | 1 | 0 | 1 | 1 |');
    expect(md).toContain("| stop/host=2 | NOT_FOUND | host 2 has no process with alias '\\[REDACTED\\]' |");
    expect(md).not.toContain('p&ss');
    expect(md).not.toContain('ss<w>rd');
  });

  it('lists at most maxFailures failures and counts the rest', () => {
    const failed = Array.from(
      { length: 7 },
      (_, i): OperationRecord => ({
        key: `stop/host=${i}`,
        status: 'failed',
        attempts: 1,
        durationMs: 1,
        error: { code: 'HTTP_STATUS', message: `boom ${i}` },
      }),
    );
    const md = renderSummaryMarkdown(report([step('a', failed.slice(0, 4)), step('b', failed.slice(4))]), { maxFailures: 3 });
    expect(md.match(/^\| stop\/host=\d \| HTTP_STATUS \|/gm)).toEqual([
      '| stop/host=0 | HTTP_STATUS |',
      '| stop/host=1 | HTTP_STATUS |',
      '| stop/host=2 | HTTP_STATUS |',
    ]);
    expect(md).toContain('…and 4 more failures; see the JSON report.');
  });
});
