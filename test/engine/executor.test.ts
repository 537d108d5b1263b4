// The engine against the real simulator over HTTP: caps, failure budgets, retries, reports, redaction.

import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import type { RunReport } from '../../src/report/types.js';
import { runMain } from '../helpers/main.js';
import { reportSchemaErrors } from '../helpers/report-schema.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { OCP_ENV_CONNECTION } from '../helpers/runbooks.js';

let sim: Simulator;
let ws: Workspace;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, config: { ocp: { hosts: [{ ids: { from: 1, to: 60 } }] } } });
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => {
  sim.setFaults({});
  sim.resetState();
  sim.resetStats();
  ws?.remove();
});

function env(): Record<string, string> {
  return { OCP_URL: sim.url, OCP_USER: 'admin', OCP_PASSWORD: 'sim-password' };
}

interface StepOptions {
  hosts: number[];
  extra?: string;
  alias?: string;
}

/** A runbook with one stop step over `hosts`, plus whatever the test adds. */
function runbook(opts: StepOptions & { top?: string; more?: string }): string {
  return `version: 1
name: engine-test
params:
  hosts: { type: array, default: ${JSON.stringify(opts.hosts)} }
${OCP_ENV_CONNECTION}
${opts.top ?? ''}
steps:
  - id: stop
    action: ocp.stopAgentProcess
    connection: ocp
    forEach: \${{ params.hosts }}
    with: { hostId: "\${{ item }}", alias: ${opts.alias ?? 'obstat2'} }
${(opts.extra ?? '').replace(/^/gm, '    ')}
${opts.more ?? ''}
`;
}

async function run(source: string, args: string[] = []): Promise<{ code: number; stdout: string; stderr: string; report: RunReport }> {
  ws = createWorkspace();
  const file = ws.write('rb.yaml', source);
  const reportFile = ws.path('report.json');
  const result = await runMain(['run', file, '--report', reportFile, ...args], env());
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
  expect(reportSchemaErrors(report)).toEqual([]);
  return { ...result, report };
}

function stopRequests(): number {
  return sim.requests.filter((r) => r.method === 'POST' && /\/stop$/.test(r.pathname)).length;
}

describe('concurrency', () => {
  it('never has more requests in flight than the global cap, measured by the server', async () => {
    sim.setFaults({ latency: 25 });
    const hosts = Array.from({ length: 30 }, (_, i) => i + 1);
    const { code, report } = await run(runbook({ hosts, top: 'concurrency: 3' }));
    expect(code).toBe(0);
    expect(report.summary.changed).toBe(30);
    expect(sim.maxInFlight).toBeLessThanOrEqual(3);
    expect(sim.maxInFlight).toBe(3); // and the cap is actually used
  });

  it('holds a step cap that is lower than the global one', async () => {
    sim.setFaults({ latency: 25 });
    const hosts = Array.from({ length: 20 }, (_, i) => i + 1);
    const { code } = await run(runbook({ hosts, top: 'concurrency: 10', extra: 'concurrency: 2' }));
    expect(code).toBe(0);
    expect(sim.maxInFlight).toBe(2);
  });

  it('lets --concurrency override the runbook', async () => {
    sim.setFaults({ latency: 25 });
    const hosts = Array.from({ length: 20 }, (_, i) => i + 1);
    const { code } = await run(runbook({ hosts, top: 'concurrency: 10' }), ['--concurrency', '4']);
    expect(code).toBe(0);
    expect(sim.maxInFlight).toBe(4);
  });
});

describe('failure budget', () => {
  // Hosts 900+ do not exist in the simulator: their operations fail with NOT_FOUND.
  it('fails the step at the first failure with maxErrors 0, starting no new operation', async () => {
    const { code, report } = await run(runbook({ hosts: [1, 900, 2, 3, 4], top: 'concurrency: 1' }));
    expect(code).toBe(1);
    expect(report.status).toBe('failed');
    const step = report.steps[0]!;
    expect(step.status).toBe('failed');
    expect(step.operations.map((o) => o.status)).toEqual(['changed', 'failed', 'skipped', 'skipped', 'skipped']);
    expect(step.operations[1]!.error?.code).toBe('NOT_FOUND');
    expect(stopRequests()).toBe(1);
  });

  it('tolerates failures up to maxErrors and succeeds, with exit code 3 (done within budget)', async () => {
    const { code, report } = await run(runbook({ hosts: [1, 901, 2, 902, 3], top: 'concurrency: 1', extra: 'maxErrors: 2' }));
    expect(code).toBe(3);
    expect(report.status).toBe('succeeded');
    expect(report.summary).toMatchObject({ total: 5, changed: 3, failed: 2, skipped: 0 });
  });

  it('takes a percentage of the operation count, rounded down', async () => {
    // 10 operations, "25%" allows 2 failures; the third breaks the budget.
    const hosts = [901, 902, 903, 1, 2, 3, 4, 5, 6, 7];
    const { code, report } = await run(runbook({ hosts, top: 'concurrency: 1', extra: 'maxErrors: "25%"' }));
    expect(code).toBe(1);
    expect(report.steps[0]!.maxErrors).toBe(2);
    expect(report.summary).toMatchObject({ failed: 3, skipped: 7 });
  });

  it('lets operations in flight finish and counts them when the budget breaks', async () => {
    sim.setFaults({ latency: 40 });
    const hosts = [901, 1, 2, 3, 4, 5, 6, 7];
    const { report } = await run(runbook({ hosts, top: 'concurrency: 4' }));
    const ops = report.steps[0]!.operations;
    const finished = ops.filter((o) => o.status !== 'skipped');
    // The three that started beside the failing one ran to the end; nothing started after it failed.
    expect(finished.length).toBe(4);
    expect(ops.filter((o) => o.status === 'changed').length).toBe(3);
    expect(ops.every((o) => o.status !== 'skipped' || o.reason?.includes('failure budget'))).toBe(true);
  });

  it('skips later steps after a failed step, unless the step sets continueOnError', async () => {
    const second = `  - id: after
    action: ocp.stopAgentProcess
    connection: ocp
    with: { hostId: 5, alias: node_exporter }`;
    const stopped = await run(runbook({ hosts: [999], more: second }));
    expect(stopped.code).toBe(1);
    expect(stopped.report.steps.map((s) => s.status)).toEqual(['failed', 'skipped']);

    const goesOn = await run(runbook({ hosts: [999], extra: 'continueOnError: true', more: second }));
    expect(goesOn.report.steps.map((s) => s.status)).toEqual(['failed', 'succeeded']);
    expect(goesOn.report.steps[0]!.continueOnError).toBe(true);
    expect(goesOn.report.steps[1]!.operations[0]!.status).toBe('changed');
    // The run went on, but a step failed: exit code 3, not 0.
    expect(goesOn.code).toBe(3);
  });
});

describe('retries', () => {
  const retry = 'retry: { attempts: 3, delay: 10ms, maxDelay: 50ms }';

  it('retries a 503 and succeeds, counting attempts', async () => {
    sim.setFaults({ failFirst: [{ method: 'POST', path: '/stop$', count: 2, status: 503 }] });
    const { code, report } = await run(runbook({ hosts: [7], extra: retry }));
    expect(code).toBe(0);
    const op = report.steps[0]!.operations[0]!;
    expect(op.status).toBe('changed');
    expect(op.attempts).toBe(3);
    expect(stopRequests()).toBe(3);
  });

  it('gives up after the last attempt with the transient error', async () => {
    sim.setFaults({ failFirst: [{ method: 'POST', path: '/stop$', count: 5, status: 503 }] });
    const { code, report } = await run(runbook({ hosts: [8], extra: retry }));
    expect(code).toBe(1);
    const op = report.steps[0]!.operations[0]!;
    expect(op.attempts).toBe(3);
    expect(op.error?.code).toMatch(/HTTP_STATUS|OCP_ERROR/);
    expect(stopRequests()).toBe(3);
  });

  it('does not retry a 4xx', async () => {
    sim.setFaults({ failFirst: [{ method: 'POST', path: '/stop$', count: 5, status: 400 }] });
    const { code, report } = await run(runbook({ hosts: [9], extra: retry }));
    expect(code).toBe(1);
    expect(report.steps[0]!.operations[0]!.attempts).toBe(1);
    expect(stopRequests()).toBe(1);
  });
});

describe('the report', () => {
  it('holds every field the format promises, for a successful run', async () => {
    const { report, stdout } = await run(runbook({ hosts: [11, 12] }));
    expect(report).toMatchObject({
      reportVersion: 1,
      mode: 'run',
      status: 'succeeded',
      runbook: { name: 'engine-test' },
      params: { hosts: [11, 12] },
      summary: { total: 2, changed: 2, unchanged: 0, failed: 0, skipped: 0 },
    });
    expect(report.runbook.sha256).toMatch(/^[0-9a-f]{64}$/);
    const op = report.steps[0]!.operations[0]!;
    expect(op.key).toBe('stop/host=11/alias=obstat2');
    expect(op.request).toEqual({ method: 'POST', url: `${sim.url}/api/v2/compute/hosts/11/agent/processes/185/stop` });
    expect(op.response?.status).toBe(200);
    expect(op.response?.traceId).toMatch(/\S/);
    expect(stdout).toMatch(/changed\s+stop\/host=11\/alias=obstat2/);
    expect(stdout).toMatch(/Run succeeded: 2 operations: 2 changed/);
  });

  it('says unchanged for a process that is already stopped, and sends no stop', async () => {
    await run(runbook({ hosts: [13] }));
    sim.resetStats();
    const { report } = await run(runbook({ hosts: [13] }));
    expect(report.steps[0]!.operations[0]!.status).toBe('unchanged');
    expect(stopRequests()).toBe(0);
  });

  it('writes a dry-run report that sends nothing', async () => {
    const { code, report } = await run(runbook({ hosts: [14, 15] }), ['--dry-run']);
    expect(code).toBe(0);
    expect(report.mode).toBe('dry-run');
    expect(report.summary.skipped).toBe(2);
    expect(sim.requests).toHaveLength(0);
  });
});

describe('outputs of large steps', () => {
  // 1,001 operations over the 60 simulated hosts: the first stop of each process changes it, the others
  // find it stopped; every operation has outputs ({ process }).
  const many = Array.from({ length: 1001 }, (_, i) => (i % 60) + 1);

  it('keeps the outputs of a step of more than 1,000 operations in the journal only, not in the report', async () => {
    const { code, report } = await run(runbook({ hosts: many, top: 'concurrency: 32' }));
    expect(code).toBe(0);
    const step = report.steps[0]!;
    expect(step.operations).toHaveLength(1001);
    expect(step.operations.filter((o) => o.outputs !== undefined)).toEqual([]);
    expect(step.outputs).toBeUndefined();
    const ops = readFileSync(ws.path('report.json.journal.jsonl'), 'utf8')
      .split('\n')
      .filter((line) => line.includes('"type":"op"'))
      .map((line) => JSON.parse(line) as { record: { outputs?: { process?: { status?: string } } } });
    expect(ops).toHaveLength(1001);
    expect(ops.every((e) => e.record.outputs?.process?.status === 'STOPPED')).toBe(true);
  });

  it('reports every operation of a large step in the step order, failures included, when it leaves them in the journal', async () => {
    // Host 999 does not exist: every hundredth operation fails, and the sixth failure breaks the budget.
    const hosts = many.map((h, i) => (i % 100 === 0 ? 999 : h));
    const { code, stdout, report } = await run(runbook({ hosts, top: 'concurrency: 8', extra: 'maxErrors: 5' }));
    expect(code).toBe(1);
    const step = report.steps[0]!;
    expect(step.status).toBe('failed');
    const journal = readFileSync(ws.path('report.json.journal.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; keys?: string[] });
    const announced = journal.find((e) => e.type === 'step')!.keys!;
    expect(step.operations.map((o) => o.key)).toEqual(announced);
    expect(step.summary).toEqual({
      total: 1001,
      changed: step.operations.filter((o) => o.status === 'changed').length,
      unchanged: step.operations.filter((o) => o.status === 'unchanged').length,
      failed: step.operations.filter((o) => o.status === 'failed').length,
      skipped: step.operations.filter((o) => o.status === 'skipped').length,
    });
    expect(step.summary.failed).toBeGreaterThanOrEqual(6);
    expect(step.summary.skipped).toBeGreaterThan(0);
    expect(report.summary).toEqual(step.summary);
    const failed = step.operations.filter((o) => o.status === 'failed');
    expect(failed.every((o) => o.key.startsWith('stop/host=999/') && o.error?.code === 'NOT_FOUND')).toBe(true);
    // The console lists the failures, read back from the journal too.
    for (const o of failed) expect(stdout).toContain(`${o.key}: NOT_FOUND`);
  });

  it('still gives a later step the outputs of a large step it reads', async () => {
    const more = `  - id: check
    action: core.assert
    with:
      that: "\${{ steps.stop.outputs.items.length == 1001 && steps.stop.outputs.items[1000].process.status == 'STOPPED' }}"`;
    const { code, report } = await run(runbook({ hosts: many, top: 'concurrency: 32', more }));
    expect(code).toBe(0);
    expect(report.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded']);
    expect(report.steps[0]!.operations.some((o) => o.outputs !== undefined)).toBe(false);
  });

  it('keeps the outputs of a step of 1,000 operations or fewer in the report', async () => {
    const { report } = await run(runbook({ hosts: [21, 22] }));
    expect(report.steps[0]!.operations.map((o) => (o.outputs?.process as { status?: string } | undefined)?.status)).toEqual([
      'STOPPED',
      'STOPPED',
    ]);
    expect(report.steps[0]!.outputs).toMatchObject({ items: [{ process: { status: 'STOPPED' } }, { process: { status: 'STOPPED' } }] });
  });
});
