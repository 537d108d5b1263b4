// Previews, reviewed plans, rollouts, the journal, locks, signals, resume and CI outputs, through the
// CLI spawned as a user runs it, against the simulator.

import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { runCli } from '../helpers/cli.js';
import { readCheckedReport as readReport } from '../helpers/report-schema.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { OCP_ENV_CONNECTION } from '../helpers/runbooks.js';

let sim: Simulator;
let ws: Workspace;

// Host 21's obstat2 is already stopped; host 22's only process is not operable; host 999 does not exist.
beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    config: {
      ocp: {
        hosts: [
          { ids: { from: 1, to: 20 } },
          { id: 21, processes: [{ id: 185, alias: 'obstat2', status: 'STOPPED' }] },
          { id: 22, processes: [{ id: 185, alias: 'obstat2', operable: false }] },
        ],
      },
    },
  });
});
afterAll(() => sim.close());
afterEach(() => {
  sim.setFaults({});
  sim.resetState();
  sim.resetStats();
  ws?.remove();
});

function env(): Record<string, string> {
  return { OCP_URL: sim.url, OCP_USER: 'admin', OCP_PASSWORD: 'sim-password' };
}

function runbook(hosts: number[], extra = '', by = 'agentProcessId: 185'): string {
  return `version: 1
name: unattended
params:
  hosts: { type: array, items: { type: integer }, default: ${JSON.stringify(hosts)} }
${OCP_ENV_CONNECTION}
steps:
  - id: stop
    action: ocp.stopAgentProcess
    connection: ocp
    forEach: \${{ params.hosts }}
    with: { hostId: "\${{ item }}", ${by} }
${extra.replace(/^/gm, '    ')}
`;
}

function stopsSent(): string[] {
  return sim.requests.filter((r) => r.method === 'POST').map((r) => r.pathname.replace(/^.*\/hosts\/(\d+)\/.*$/, '$1'));
}

describe('plan --online', () => {
  it('predicts each outcome with GET requests only', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([1, 21, 22, 999]));
    const r = await runCli(['plan', file, '--online'], { env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(sim.requests.length).toBeGreaterThan(0);
    expect(new Set(sim.requests.map((q) => q.method))).toEqual(new Set(['GET']));
    expect(r.stdout).toMatch(/stop\/host=1\/process=185[\s\S]*would change: process 'obstat2' \(185\) is STARTED/);
    expect(r.stdout).toMatch(/stop\/host=21\/process=185[\s\S]*unchanged: process 'obstat2' \(185\) is already STOPPED/);
    expect(r.stdout).toMatch(/stop\/host=22\/process=185[\s\S]*would fail: process 'obstat2' \(185\) is not operable/);
    expect(r.stdout).toMatch(/stop\/host=999\/process=185[\s\S]*would fail: OCP has no host 999/);
    expect(r.stdout).toContain('4 operations in 1 step: 1 would change, 1 unchanged, 2 would fail.');
  });

  it('shows the request with the id the probe found for an alias', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([1], '', 'alias: obstat2'));
    const r = await runCli(['plan', file, '--online', '--json'], { env: env() });
    expect(r.code).toBe(0);
    const op = JSON.parse(r.stdout).steps[0].operations[0];
    expect(op.prediction.outcome).toBe('would change');
    expect(op.requests).toEqual([{ method: 'POST', url: `${sim.url}/api/v2/compute/hosts/1/agent/processes/185/stop` }]);
    expect(op.unresolved).toBeUndefined();
    expect(r.stdout).not.toContain('{alias=');
  });

  it('offline, sends nothing and marks what needs a lookup as unknown until run; --json matches its schema', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([1, 2], '', 'alias: obstat2'));
    const r = await runCli(['plan', file, '--json'], { env: env() });
    expect(r.code).toBe(0);
    expect(sim.requests).toHaveLength(0);
    const plan = JSON.parse(r.stdout);
    const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(
      JSON.parse(readFileSync('schemas/plan.schema.json', 'utf8')) as object,
    );
    expect(validate(plan), JSON.stringify(validate.errors)).toBe(true);
    expect(plan.summary.predictions['unknown until run']).toBe(2);
    expect(plan.steps[0].operations[0].unresolved).toMatch(/alias 'obstat2'/);
  });
});

describe('plan --out and apply', () => {
  it('executes exactly the reviewed operations', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([3, 4, 5]));
    const planFile = ws.path('plan.json');
    expect((await runCli(['plan', file, '--param', 'hosts=3,5', '--out', planFile], { env: env() })).code).toBe(0);
    const r = await runCli(['apply', planFile, '--report', ws.path('report.json')], { env: env() });
    expect(r.code).toBe(0);
    expect(stopsSent().sort()).toEqual(['3', '5']);
    expect(readReport(ws.path('report.json')).summary.changed).toBe(2);
  });

  it('refuses, with exit 2 and nothing sent, a plan whose runbook changed or that is too old', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([6]));
    const planFile = ws.path('plan.json');
    expect((await runCli(['plan', file, '--out', planFile], { env: env() })).code).toBe(0);

    const old = JSON.parse(readFileSync(planFile, 'utf8'));
    old.createdAt = new Date(Date.now() - 2 * 3600_000).toISOString();
    writeFileSync(ws.path('old.json'), JSON.stringify(old));
    const tooOld = await runCli(['apply', ws.path('old.json')], { env: env() });
    expect(tooOld.code).toBe(2);
    expect(tooOld.stderr).toMatch(/--max-age/);

    writeFileSync(file, `${readFileSync(file, 'utf8')}# edited after review\n`);
    const changed = await runCli(['apply', planFile], { env: env() });
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/has changed since this plan was made/);
    expect(sim.requests).toHaveLength(0);
  });
});

describe('rollout', () => {
  it('stops after a failed canary: no further batch starts', async () => {
    ws = createWorkspace();
    const file = ws.write(
      'rb.yaml',
      runbook([999, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'rollout: { batches: [1, "50%", "100%"] }\nconcurrency: 10'),
    );
    const r = await runCli(['run', file, '--report', ws.path('r.json')], { env: env() });
    expect(r.code).toBe(1);
    const ops = readReport(ws.path('r.json')).steps[0]!.operations;
    expect(ops[0]!.status).toBe('failed');
    expect(ops.slice(1).every((o) => o.status === 'skipped')).toBe(true);
    expect(stopsSent()).toEqual([]);
  });

  it('runs batch after batch, each one only once the previous finished', async () => {
    sim.setFaults({ latency: 30 });
    ws = createWorkspace();
    const hosts = [1, 2, 3, 4, 5, 6, 7, 8];
    const file = ws.write('rb.yaml', runbook(hosts, 'rollout: { batches: [1, "50%"], pauseBetween: 100ms }\nconcurrency: 8'));
    const r = await runCli(['run', file, '--report', ws.path('r.json')], { env: env() });
    expect(r.code).toBe(0);
    const posts = sim.requests.filter((q) => q.method === 'POST').map((q) => q.receivedAt);
    expect(posts).toHaveLength(8);
    // The canary's stop is alone; the second batch (up to 50%: 3 more) starts after a pause; then the rest.
    const gaps = posts.slice(1).map((t, i) => t - posts[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(100);
    expect(gaps[3]).toBeGreaterThanOrEqual(100);
  });
});

describe('the journal', () => {
  it('rebuilds the report after kill -9, accounting for every operation once, and resume sends only the rest', async () => {
    sim.setFaults({ latency: 150 });
    ws = createWorkspace();
    const hosts = Array.from({ length: 12 }, (_, i) => i + 1);
    const file = ws.write('rb.yaml', runbook(hosts, 'concurrency: 2'));
    const report = ws.path('r.json');
    const journal = `${report}.journal.jsonl`;
    const r = await runCli(['run', file, '--report', report], {
      env: env(),
      onSpawn: (child) => {
        const poll = setInterval(() => {
          const done = (() => {
            try {
              return readFileSync(journal, 'utf8')
                .split('\n')
                .filter((l) => l.includes('"type":"op"')).length;
            } catch {
              return 0;
            }
          })();
          if (done >= 3) {
            clearInterval(poll);
            child.kill('SIGKILL');
          }
        }, 20);
      },
    });
    expect(r.signal).toBe('SIGKILL');
    expect(() => readFileSync(report)).toThrow(); // no half-written report

    const rebuilt = await runCli(['report', journal, '--out', report]);
    expect(rebuilt.code).toBe(0);
    const first = readReport(report);
    expect(first.status).toBe('cancelled');
    const keys = first.steps[0]!.operations.map((o) => o.key);
    expect(new Set(keys).size).toBe(12);
    expect(keys).toHaveLength(12);
    const changed = first.steps[0]!.operations.filter((o) => o.status === 'changed').map((o) => o.key);
    expect(changed.length).toBeGreaterThanOrEqual(3);

    sim.setFaults({});
    sim.resetStats();
    const resumed = await runCli(['run', file, '--resume', journal, '--report', ws.path('r2.json')], { env: env() });
    expect(resumed.code).toBe(0);
    const second = readReport(ws.path('r2.json'));
    expect(second.resumedFrom).toBe(first.runId);
    const sentAgain = second.steps[0]!.operations.filter((o) => o.status === 'changed' || o.status === 'unchanged').map((o) => o.key);
    expect(sentAgain.some((k) => changed.includes(k))).toBe(false);
    expect(sentAgain.length + changed.length).toBe(12);
  });

  it('resumes a run after injected failures, sending only the failed operations again', async () => {
    ws = createWorkspace();
    sim.setFaults({ failFirst: [{ method: 'POST', path: '/hosts/(4|7)/agent/processes/185/stop$', count: 100, status: 400 }] });
    const file = ws.write('rb.yaml', runbook([3, 4, 5, 6, 7, 8], 'maxErrors: 5'));
    const first = await runCli(['run', file, '--report', ws.path('r1.json')], { env: env() });
    expect(first.code).toBe(3); // within the budget, with failures
    expect(readReport(ws.path('r1.json')).summary.failed).toBe(2);

    sim.setFaults({});
    sim.resetStats();
    const second = await runCli(['run', file, '--resume', ws.path('r1.json'), '--report', ws.path('r2.json')], { env: env() });
    expect(second.code).toBe(0);
    expect(stopsSent().sort()).toEqual(['4', '7']);
    const report = readReport(ws.path('r2.json'));
    expect(report.summary).toMatchObject({ changed: 2, skipped: 4, failed: 0 });
  });
});

describe('unattended runs', () => {
  it('refuses a second run of the same runbook with exit 75, naming the holder', async () => {
    // The first run holds the lock for as long as its first request goes unanswered.
    sim.setFaults({ hangRate: 1 });
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([1], 'concurrency: 1'));
    const lock = ws.path('rb.lock');
    let second: Awaited<ReturnType<typeof runCli>> | undefined;
    let firstPid: number | undefined;
    const first = await runCli(['run', file, '--lock', lock, '--grace', '0s'], {
      env: env(),
      onSpawn: (child) => {
        firstPid = child.pid;
        const poll = setInterval(() => {
          if (sim.requests.length > 0) {
            clearInterval(poll);
            void runCli(['run', file, '--lock', lock], { env: env() }).then((r) => {
              second = r;
              child.kill('SIGTERM');
            });
          }
        }, 10);
      },
    });
    expect(second!.code).toBe(75);
    expect(second!.stderr).toMatch(new RegExp(`another run of this runbook is in progress \\(pid ${firstPid} on ${hostname()}, started `));
    expect(first.code).toBe(143);
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over a stale lock whose process is dead, and says so', async () => {
    ws = createWorkspace();
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.on('exit', resolve));
    const lock = ws.write(
      'rb.lock',
      JSON.stringify({ pid: dead.pid, host: hostname(), startedAt: '2026-01-01T00:00:00Z', runbook: 'unattended' }),
    );
    const file = ws.write('rb.yaml', runbook([1]));
    const r = await runCli(['run', file, '--lock', lock], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/took over a stale lock/);
  });

  it('on SIGTERM starts nothing new, lets in-flight operations finish, and accounts for each operation once', async () => {
    sim.setFaults({ latency: 300 });
    ws = createWorkspace();
    const file = ws.write(
      'rb.yaml',
      runbook(
        Array.from({ length: 10 }, (_, i) => i + 1),
        'concurrency: 2',
      ),
    );
    const report = ws.path('r.json');
    const r = await runCli(['run', file, '--report', report, '--grace', '10s'], {
      env: env(),
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (sim.requests.some((q) => q.method === 'POST')) {
            clearInterval(poll);
            child.kill('SIGTERM');
          }
        }, 10);
      },
    });
    expect(r.code).toBe(143);
    const written = readReport(report);
    expect(written.status).toBe('cancelled');
    const ops = written.steps[0]!.operations;
    expect(new Set(ops.map((o) => o.key)).size).toBe(10);
    expect(ops.filter((o) => o.status === 'changed').length).toBe(stopsSent().length);
    expect(ops.filter((o) => o.status === 'skipped').every((o) => /cancelled/.test(o.reason ?? ''))).toBe(true);
    const lines = readFileSync(`${report}.journal.jsonl`, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"op"'));
    expect(lines).toHaveLength(10);
  });

  it('--quiet prints nothing on success and only the failures on failure; --report-dir keeps history', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([1, 999]));
    const ok = await runCli(['run', file, '--quiet', '--param', 'hosts=1', '--report-dir', ws.path('reports')], { env: env() });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('');
    expect(ok.stderr).toBe('');
    const bad = await runCli(['run', file, '--quiet', '--report-dir', ws.path('reports')], { env: env() });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^Run failed/);
    expect(bad.stdout).toMatch(/stop\/host=999\/process=185: NOT_FOUND/);
    const files = readdirSync(ws.path('reports')).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(2);
    for (const f of files) expect(f).toMatch(/^unattended-\d{8}T\d{6}\.\d{3}Z\.json$/);
  });

  it('writes JUnit XML and a Markdown summary derived from the report', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([1, 999, 2], 'maxErrors: 1'));
    const r = await runCli(['run', file, '--junit', ws.path('j.xml'), '--summary-md', ws.path('s.md')], { env: env() });
    expect(r.code).toBe(3); // one failure, tolerated by maxErrors
    const xml = readFileSync(ws.path('j.xml'), 'utf8');
    expect(xml).toMatch(/<testsuites name="unattended" tests="3" failures="1" skipped="0"/);
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml).toMatch(/<failure type="NOT_FOUND" message="NOT_FOUND: OCP has no host 999/);
    const md = readFileSync(ws.path('s.md'), 'utf8');
    expect(md).toContain('| stop | ocp.stopAgentProcess | ✅ succeeded | 2 | 0 | 1 | 0 |');
    expect(md).toMatch(/\| stop\/host=999\/process=185 \| NOT_FOUND \|/);
  });
});
