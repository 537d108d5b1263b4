// The README's walkthrough of a patch window runs as written: its commands, in its order, against a
// simulator that keeps its state between them (as `runbook sim --port 8080` does), each spawned as a user
// would. Between the commands, the simulator's state must be what the walkthrough says it is. One host's
// obstat2 is already STOPPED and one AP peer already STOPPED before the window: the revert must leave them so.

import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = /## The whole window\n([\s\S]*?)\n## /.exec(README)?.[1] ?? '';
const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
const HOSTS = [20, 21, 22, 23, 24, 25, 26, 27, 28, 29];

let sim: Simulator;
let ws: Workspace;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  ws = createWorkspace();
  mkdirSync(ws.path('runbooks'));
  cpSync(join(ROOT, 'runbooks/examples'), ws.path('runbooks/examples'), { recursive: true });
});
afterAll(async () => {
  await sim.close();
  ws.remove();
});

/** The README's command lines: `export` ones as the environment they set, `npx runbook` ones as arguments. */
function commands(): { env: Record<string, string>; runs: string[][] } {
  const env: Record<string, string> = {};
  const runs: string[][] = [];
  const port = new URL(sim.url).port;
  for (const raw of block.split('\n')) {
    const line = raw
      .replace(/\s#.*$/, '')
      .replaceAll('127.0.0.1:8080', `127.0.0.1:${port}`)
      .trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('export ')) {
      for (const pair of line.slice('export '.length).split(/\s+/)) {
        const [name, value] = pair.split('=') as [string, string];
        env[name] = value;
      }
    } else {
      expect(line).toMatch(/^npx runbook /);
      runs.push(line.slice('npx runbook '.length).split(/\s+/));
    }
  }
  return { env, runs };
}

const obstat = () => HOSTS.map((h) => sim.ocp.process(h, 185)?.status);
const peers = () => ['AP1', 'AP2', 'LAP'].map((p) => sim.bao.peer(p)?.status);

describe('the README walkthrough of a patch window', () => {
  it('previews, stops with a canary, previews the revert and reverts exactly what the run stopped', async () => {
    const { env, runs } = commands();
    expect(runs.map((args) => args[0])).toEqual(['plan', 'run', 'plan', 'revert']);
    expect(Object.keys(env).sort()).toEqual(['BAO_PASSWORD', 'BAO_URL', 'BAO_USER', 'OCP_PASSWORD', 'OCP_URL', 'OCP_USER']);
    sim.ocp.setProcessStatus(23, 185, 'STOPPED');
    sim.bao.setPeerStatus('AP2', 'STOPPED');
    const before = { obstat: obstat(), peers: peers() };
    const run = (args: string[]) => runCli(args, { cwd: ws.dir, env, timeoutMs: 120_000 });

    const preview = await run(runs[0]!);
    expect(preview.code, preview.stderr).toBe(0);
    // Nine hosts and one peer (AP1) would change; host 23 and AP2 are already stopped.
    expect(preview.stdout).toContain('10 would change');
    expect(preview.stdout).toMatch(/stop-obstat\/host=23\/alias=obstat2 .*\n.*-> unchanged/);
    expect(sim.requests.filter((q) => q.method !== 'GET' && !q.pathname.includes('/login') && !q.pathname.includes('/logout'))).toEqual([]);
    expect({ obstat: obstat(), peers: peers() }).toEqual(before);

    const stop = await run(runs[1]!);
    expect(stop.code, stop.stderr).toBe(0);
    expect(obstat()).toEqual(HOSTS.map(() => 'STOPPED'));
    expect(peers()).toEqual(['STOPPED', 'STOPPED', 'RUNNING']);
    const report = JSON.parse(readFileSync(ws.path('window.json'), 'utf8'));
    const stopStep = report.steps.find((s: { id: string }) => s.id === 'stop-obstat');
    // Host 23 was already stopped: unchanged, so the revert leaves it alone.
    expect(stopStep.summary).toMatchObject({ total: 10, changed: 9, unchanged: 1 });

    const revertPreview = await run(runs[2]!);
    expect(revertPreview.code, revertPreview.stderr).toBe(0);
    expect(revertPreview.stdout).toContain(`Revert of run ${report.runId}`);
    expect(revertPreview.stdout).not.toContain('host=23');
    expect(peers()).toEqual(['STOPPED', 'STOPPED', 'RUNNING']);

    const revert = await run(runs[3]!);
    expect(revert.code, revert.stderr).toBe(0);
    expect({ obstat: obstat(), peers: peers() }).toEqual(before);
    expect(JSON.parse(readFileSync(ws.path('undo.json'), 'utf8')).revertOf).toBe(report.runId);
  });
});
