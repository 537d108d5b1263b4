// Runs finish and account for every operation under injected faults, when the server disappears, and
// when a BAO session expires in the middle; the exit code always agrees with the report.

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import type { RunReport } from '../../src/report/types.js';
import { runCli } from '../helpers/cli.js';
import { readCheckedReport as readReport } from '../helpers/report-schema.js';
import { baoConnection, ocpStep, runbookYaml } from '../helpers/runbooks.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace | undefined;
let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  ws?.remove();
  ws = undefined;
});

/** Exit codes the CLI promises for each report status (3: succeeded within budgets, with failures). */
function expectedExit(report: RunReport): number {
  if (report.status === 'succeeded') return report.summary.failed > 0 || report.steps.some((s) => s.status === 'failed') ? 3 : 0;
  return report.status === 'failed' ? 1 : 143;
}

describe('under faults', () => {
  it('accounts for each of 600 operations exactly once with 20% 503s, 5% resets, 2% hangs and random latency', async () => {
    const N = 600;
    sim = await startSimulator({
      port: 0,
      config: {
        seed: 20261123,
        ocp: { hosts: [{ ids: { from: 1, to: N } }] },
        faults: { errorRate: 0.2, resetRate: 0.05, hangRate: 0.02, latency: { min: 0, max: 15 } },
      },
    });
    ws = createWorkspace();
    const timeoutMs = 1000;
    const attempts = 4;
    const maxDelayMs = 40;
    const concurrency = 32;
    const file = ws.write(
      'faults.yaml',
      runbookYaml({
        name: 'faults',
        params: { hosts: { type: 'array', default: Array.from({ length: N }, (_, i) => i + 1) } },
        concurrency,
        steps: [ocpStep({ maxErrors: '50%', retry: { attempts, delay: '10ms', maxDelay: `${maxDelayMs}ms` }, timeout: `${timeoutMs}ms` })],
      }),
    );
    // The bound: every operation makes at most two requests, each at most `attempts` tries of one timeout
    // plus the backoff, and operations run `concurrency` at a time. Plus a few seconds to start node.
    const perOperation = 2 * attempts * (timeoutMs + maxDelayMs);
    const boundMs = Math.ceil(N / concurrency) * perOperation + 10_000;
    const started = Date.now();
    const report = ws.path('faults.json');
    const r = await runCli(['run', file, '--report', report], {
      env: { OCP_URL: sim.url, OCP_USER: 'admin', OCP_PASSWORD: 'sim-password' },
      timeoutMs: boundMs,
    });
    expect(Date.now() - started).toBeLessThan(boundMs);

    const written = readReport(report);
    expect(r.code).toBe(expectedExit(written));
    const ops = written.steps[0]!.operations;
    expect(ops).toHaveLength(N);
    expect(new Set(ops.map((o) => o.key)).size).toBe(N);
    for (const op of ops) {
      if (op.status === 'failed') expect(['HTTP_STATUS', 'OCP_ERROR', 'CONNECTION_ERROR', 'TIMEOUT']).toContain(op.error?.code);
      else expect(['changed', 'unchanged']).toContain(op.status);
    }
    // Faults really happened and retries really absorbed most of them.
    expect(ops.some((o) => o.attempts > 1)).toBe(true);
    expect(written.summary.changed).toBeGreaterThan(N * 0.8);
    // The journal holds one line per operation, no more, no less.
    const lines = readFileSync(`${report}.journal.jsonl`, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"op"'));
    expect(lines).toHaveLength(N);
  }, 300_000);

  it('fails in-flight operations with a clear connection error when the server goes away, and still writes the report', async () => {
    sim = await startSimulator({ port: 0, config: { faults: { latency: 300 } } });
    ws = createWorkspace();
    const file = ws.write(
      'gone.yaml',
      runbookYaml({
        name: 'server-gone',
        params: { hosts: { type: 'array', default: [20, 21, 22, 23, 24, 25, 26, 27] } },
        concurrency: 4,
        steps: [ocpStep({ maxErrors: '100%', retry: { attempts: 2, delay: '10ms', maxDelay: '20ms' } })],
      }),
    );
    const report = ws.path('gone.json');
    const server = sim;
    const r = await runCli(['run', file, '--report', report], {
      env: { OCP_URL: server.url, OCP_USER: 'admin', OCP_PASSWORD: 'sim-password' },
      onSpawn: () => {
        const poll = setInterval(() => {
          if (server.requests.length > 0) {
            clearInterval(poll);
            void server.close();
          }
        }, 10);
      },
    });
    const written = readReport(report);
    expect(r.code).toBe(expectedExit(written));
    const failed = written.steps[0]!.operations.filter((o) => o.status === 'failed');
    expect(failed.length).toBe(8);
    for (const op of failed) {
      expect(op.error?.code).toBe('CONNECTION_ERROR');
      expect(op.attempts).toBe(2);
    }
    expect(r.stdout).toMatch(/CONNECTION_ERROR: .*(refused|closed|reset)/);
  });

  it('logs in again once when the BAO session expires in the middle of 200 operations, losing none', async () => {
    const peers = Array.from({ length: 200 }, (_, i) => `AP${i + 1}`);
    sim = await startSimulator({
      port: 0,
      config: { bao: { peers: peers.map((name) => ({ name })) }, faults: { latency: 5 } },
    });
    ws = createWorkspace();
    const file = ws.write(
      'expiry.yaml',
      runbookYaml({
        name: 'bao-expiry',
        params: { peers: { type: 'array', default: peers } },
        connections: { bao: baoConnection() },
        concurrency: 8,
        steps: [{ id: 'stop', action: 'bao.stopPeer', connection: 'bao', forEach: '${{ params.peers }}', with: { peer: '${{ item }}' } }],
      }),
    );
    const report = ws.path('expiry.json');
    const server = sim;
    let expired = false;
    const r = await runCli(['run', file, '--report', report], {
      env: { BAO_URL: server.url, BAO_USER: 'admin', BAO_PASSWORD: 'sim-password' },
      onSpawn: () => {
        const poll = setInterval(() => {
          if (server.requests.filter((q) => q.method === 'PUT').length >= 60) {
            clearInterval(poll);
            server.bao.expireAllTokens();
            expired = true;
          }
        }, 5);
      },
    });
    expect(expired).toBe(true);
    expect(r.code).toBe(0);
    const written = readReport(report);
    expect(written.summary).toMatchObject({ total: 200, changed: 200, failed: 0 });
    expect(server.bao.logins).toBe(2);
    expect(server.bao.logouts).toBe(1);
  });
});
