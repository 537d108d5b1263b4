// `runbook plan` as a script sees it: --detailed-exitcode, --out next to the runbook it reads, and the
// summary line that says what an online preview sent. Through the CLI's main(), in-process, against the
// simulator.

import { linkSync, readFileSync, symlinkSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { runMain } from '../helpers/main.js';
import { baoConnection, ocpStep, runbookYaml } from '../helpers/runbooks.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

let sim: Simulator;
let ws: Workspace;

// Host 21's obstat2 is already stopped; host 22's is not operable; host 999 does not exist.
beforeAll(async () => {
  sim = await startSimulator({
    port: 0,
    config: {
      ocp: {
        hosts: [
          { ids: { from: 1, to: 3 } },
          { id: 21, processes: [{ id: 185, alias: 'obstat2', status: 'STOPPED' }] },
          { id: 22, processes: [{ id: 185, alias: 'obstat2', operable: false }] },
        ],
      },
    },
  });
});
afterAll(() => sim.close());
afterEach(() => {
  sim.resetState();
  sim.resetStats();
  ws?.remove();
});

function env(): Record<string, string> {
  return {
    OCP_URL: sim.url,
    OCP_USER: 'admin',
    OCP_PASSWORD: 'sim-password',
    BAO_URL: sim.url,
    BAO_USER: 'admin',
    BAO_PASSWORD: 'sim-password',
  };
}

function stopRunbook(hosts: number[]): string {
  return runbookYaml({ name: 'detailed', steps: [ocpStep({ hosts })] });
}

const LIST_ONLY = runbookYaml({
  name: 'list-only',
  steps: [ocpStep({ id: 'find', action: 'ocp.listAgentProcesses', hosts: [1, 2], with: { alias: 'obstat2' } })],
});

async function planExit(file: string, ...flags: string[]): Promise<number | null> {
  const r = await runMain(['plan', file, '--detailed-exitcode', ...flags], env());
  expect(r.stderr).toBe('');
  return r.code;
}

describe('plan --detailed-exitcode', () => {
  it('offline: 5 when a mutating operation is planned, 0 when only read-only actions are', async () => {
    ws = createWorkspace();
    expect(await planExit(ws.write('stop.yaml', stopRunbook([21])))).toBe(5);
    expect(await planExit(ws.write('list.yaml', LIST_ONLY))).toBe(0);
    expect(sim.requests).toHaveLength(0);
  });

  it('online: 0 when every operation is predicted unchanged, 5 when one would change, 6 when one would fail', async () => {
    ws = createWorkspace();
    expect(await planExit(ws.write('unchanged.yaml', stopRunbook([21])), '--online')).toBe(0);
    expect(await planExit(ws.write('change.yaml', stopRunbook([21, 1])), '--online')).toBe(5);
    expect(await planExit(ws.write('fail.yaml', stopRunbook([1, 22])), '--online')).toBe(6);
    expect(await planExit(ws.write('missing.yaml', stopRunbook([999])), '--online')).toBe(6);
    expect(sim.requests.every((q) => q.method === 'GET')).toBe(true);
    // Without the flag, plan exits 0 whatever it predicts.
    expect((await runMain(['plan', ws.path('fail.yaml'), '--online'], env())).code).toBe(0);
  });

  it('is 2 for a runbook that does not validate', async () => {
    ws = createWorkspace();
    const r = await runMain(['plan', ws.write('bad.yaml', 'version: 1\nname: bad\nsteps: 3\n'), '--detailed-exitcode'], env());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+: error/);
    expect(r.stderr).not.toMatch(/unknown option/i);
  });
});

describe('plan --out', () => {
  it('refuses to overwrite the runbook it reads, by its path, a symlink or a hard link, and sends nothing', async () => {
    ws = createWorkspace();
    const text = stopRunbook([1]);
    const file = ws.write('rb.yaml', text);
    symlinkSync(file, ws.path('symlink.json'));
    linkSync(file, ws.path('hardlink.json'));
    for (const out of [file, ws.path('symlink.json'), ws.path('hardlink.json')]) {
      const r = await runMain(['plan', file, '--online', '--out', out], env());
      expect(r.code, out).toBe(2);
      expect(r.stderr).toMatch(/--out .* is the runbook itself.*\[USAGE\]/);
      expect(readFileSync(file, 'utf8')).toBe(text);
    }
    expect(sim.requests).toHaveLength(0);
    const ok = await runMain(['plan', file, '--out', ws.path('plan.json')], env());
    expect(ok.code).toBe(0);
  });
});

describe('the summary line of an online preview', () => {
  it('names every request sent: the GETs and the BAO login and logout', async () => {
    ws = createWorkspace();
    const file = ws.write(
      'bao.yaml',
      runbookYaml({
        name: 'bao-preview',
        connections: { bao: baoConnection() },
        steps: [{ id: 'stop', action: 'bao.stopPeer', connection: 'bao', forEach: ['AP1', 'AP2'], with: { peer: '${{ item }}' } }],
      }),
    );
    const r = await runMain(['plan', file, '--online'], env());
    expect(r.code).toBe(0);
    const gets = sim.requests.filter((q) => q.method === 'GET').length;
    const posts = sim.requests.filter((q) => q.method === 'POST').map((q) => q.pathname);
    expect(gets).toBeGreaterThan(0);
    expect(posts).toEqual(['/baocdp/rest/login', '/baocdp/rest/logout']);
    expect(r.stdout).toContain(`Sent ${gets} GET requests and the BAO login and logout (POST).`);
    expect(r.stdout).not.toMatch(/only read-only/i);

    sim.resetStats();
    const offline = await runMain(['plan', file], env());
    expect(offline.stdout).toContain('Nothing was sent.');
    expect(sim.requests).toHaveLength(0);
  });
});
