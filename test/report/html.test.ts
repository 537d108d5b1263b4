// The HTML report's page: aggregated (small at 100,000 operations), redacted, and inert whatever the
// servers answered. The page as a browser draws it is tested in test/cli/html.test.ts.

import { describe, expect, it } from 'vitest';
import { htmlData, MAX_BUCKETS, MAX_FAILURES } from '../../src/report/html-data.js';
import { renderHtmlReport } from '../../src/report/html.js';
import type { OperationRecord, RunReport, StepRecord } from '../../src/report/types.js';
import { Redactor } from '../../src/secrets/redactor.js';

const SECRET = 's3cr&t<pw>';
const START = Date.parse('2026-11-23T01:00:00.000Z');

function step(id: string, operations: OperationRecord[]): StepRecord {
  const summary = { total: operations.length, changed: 0, unchanged: 0, failed: 0, skipped: 0 };
  for (const o of operations) summary[o.status] += 1;
  return {
    id,
    action: 'ocp.stopAgentProcess',
    status: summary.failed > 0 ? 'failed' : 'succeeded',
    durationMs: 100_000,
    summary,
    operations,
  };
}

function report(steps: StepRecord[], durationMs: number): RunReport {
  const summary = { total: 0, changed: 0, unchanged: 0, failed: 0, skipped: 0 };
  for (const s of steps) for (const k of ['total', 'changed', 'unchanged', 'failed', 'skipped'] as const) summary[k] += s.summary[k];
  return {
    reportVersion: 1,
    runId: 'run-1',
    runbook: { name: 'nightly', file: 'nightly.yaml', sha256: 'abc' },
    mode: 'run',
    status: summary.failed > 0 ? 'failed' : 'succeeded',
    startedAt: new Date(START).toISOString(),
    finishedAt: new Date(START + durationMs).toISOString(),
    durationMs,
    params: {},
    summary,
    steps,
  };
}

/** `n` operations, 10 at a time, 10 ms each; every 7th fails with a message holding the secret. */
function operations(n: number): OperationRecord[] {
  return Array.from({ length: n }, (_, i): OperationRecord => {
    const startedAt = new Date(START + Math.floor(i / 10) * 10).toISOString();
    if (i % 7 === 0) {
      return {
        key: `stop/host=${i}`,
        status: 'failed',
        attempts: 3,
        durationMs: 10,
        startedAt,
        error: { code: 'HTTP_STATUS', message: `host ${i}: bad password ${SECRET}` },
      };
    }
    return { key: `stop/host=${i}`, status: 'changed', attempts: 1, durationMs: 10, startedAt };
  });
}

describe('renderHtmlReport', () => {
  it('stays small at 100,000 operations: counts per time slice and the first failures, not one entry per operation', () => {
    const ops = operations(100_000);
    const r = report([step('stop', ops)], 100_000);
    const html = renderHtmlReport(r);
    expect(Buffer.byteLength(html)).toBeLessThan(2_000_000);
    const data = htmlData(r, (t) => t);
    expect(data.timeline.buckets).toBe(MAX_BUCKETS);
    expect(data.failures).toHaveLength(MAX_FAILURES);
    expect(data.failureCount).toBe(Math.ceil(100_000 / 7));
    const s = data.steps[0]!;
    expect(s.counts).toEqual({ changed: 100_000 - data.failureCount, unchanged: 0, failed: data.failureCount, skipped: 0 });
    // Every operation starts in exactly one slice, and 10 run at once throughout.
    expect(s.started.flat().reduce((a, b) => a + b, 0)).toBe(100_000);
    expect(s.peak).toBe(10);
    const inFlight = s.running.map((row) => row[100]!).reduce((a, b) => a + b, 0);
    expect(inFlight).toBeCloseTo(10, 1);
    expect(html).not.toContain('stop/host=99999');
  });

  it('counts at once only what overlapped by more than the 1 ms the recorded times are rounded to', () => {
    const at = (ms: number) => new Date(START + ms).toISOString();
    const ops: OperationRecord[] = [
      { key: 'a', status: 'changed', attempts: 1, durationMs: 101, startedAt: at(0) },
      { key: 'b', status: 'changed', attempts: 1, durationMs: 50, startedAt: at(100) },
      { key: 'c', status: 'changed', attempts: 1, durationMs: 50, startedAt: at(100) },
      { key: 'd', status: 'skipped', attempts: 0, durationMs: 0 },
    ];
    const s = htmlData(report([step('stop', ops)], 200), (t) => t).steps[0]!;
    expect(s.peak).toBe(2);
    expect(s.unplaced).toBe(1);
    ops[0]!.durationMs = 102;
    expect(htmlData(report([step('stop', ops)], 200), (t) => t).steps[0]!.peak).toBe(3);
  });

  it('redacts every secret the redactor knows, in the summary, the steps and the failures', () => {
    const redactor = new Redactor();
    redactor.add(SECRET);
    const r = report([step(`step-${SECRET}`, operations(20))], 1000);
    r.runbook.name = `nightly ${SECRET}`;
    r.error = { code: 'CANCELLED', message: `cancelled: ${SECRET}` };
    const html = renderHtmlReport(r, { redact: (t) => redactor.redact(t) });
    for (const form of [SECRET, 's3cr&amp;t&lt;pw&gt;', 's3cr\\u0026t\\u003cpw\\u003e', 's3cr']) expect(html).not.toContain(form);
    expect(html).toContain('[REDACTED]');
    expect(renderHtmlReport(r)).toContain('s3cr&amp;t&lt;pw&gt;');
  });

  it('shows what servers sent as text: no markup, no script, no end of the data element', () => {
    const hostile = '</script><script>alert(1)</script><img src=x onerror=alert(2)>\u202e';
    const ops: OperationRecord[] = [
      {
        key: `stop/${hostile}`,
        status: 'failed',
        attempts: 1,
        durationMs: 5,
        startedAt: new Date(START).toISOString(),
        error: { code: 'HTTP_STATUS', message: hostile },
      },
    ];
    const r = report([step(hostile, ops)], 1000);
    r.runbook.name = hostile;
    const html = renderHtmlReport(r);
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('\u202e');
    // The data element reads back as the escaped text.
    const json = /<script type="application\/json" id="runbook-data">(.*?)<\/script>/s.exec(html)![1]!;
    expect(JSON.parse(json).failures[0].message).toBe('</script><script>alert(1)</script><img src=x onerror=alert(2)>\\u202e');
  });

  it('fetches nothing: no URL to load, and a policy that forbids it', () => {
    const html = renderHtmlReport(report([step('stop', operations(30))], 1000));
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+'">/,
    );
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });
});
