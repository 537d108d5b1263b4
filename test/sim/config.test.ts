// The simulator's configuration: documented defaults, merging, validation, and the YAML config file.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSimConfig, loadSimConfig, resolveSimConfig, startSimulator } from '../../src/sim/index.js';
import { simConfigProblems } from '../../src/sim/config.js';
import { ocp } from './sim-http.js';

describe('simulator config', () => {
  it('has the documented defaults', () => {
    const d = defaultSimConfig();
    expect(d.seed).toBe(1);
    expect(d.ocp.users).toEqual([{ username: 'admin', password: 'sim-password' }]);
    expect(d.ocp.accessKeys).toEqual([{ id: 'sim-access-key', secret: 'sim-secret-key' }]);
    expect(d.ocp.hosts.map((h) => h.id)).toEqual(Array.from({ length: 40 }, (_, i) => 20 + i));
    expect(d.ocp.hosts[0]).toMatchObject({ name: 'ob-host-20', ip: '10.0.0.20', status: 'ONLINE', agentStatus: 'ONLINE' });
    expect(d.ocp).toMatchObject({ acceptBarePaths: true, alreadyStoppedAnswer: 'ok', errorCodeStyle: 'string', pageSizeDefault: 10 });
    expect(d.bao.users).toEqual([{ username: 'admin', password: 'sim-password' }]);
    expect(d.bao.peers.map((p) => [p.name, p.type, p.status])).toEqual([
      ['CDP', 'CDP', 'RUNNING'],
      ['AP1', 'AP', 'RUNNING'],
      ['AP2', 'AP', 'RUNNING'],
      ['LAP', 'LAP', 'RUNNING'],
    ]);
    expect(d.bao).toMatchObject({ transitionDelayMs: 300, stoppedStatus: 'STOPPED', acceptStatus: 204 });
  });

  it('merges objects into the defaults and lets lists replace them', () => {
    const c = resolveSimConfig({ ocp: { taskDurationMs: 5, hosts: [{ ids: { from: 1, to: 3 }, name: 'db-{id}' }] } });
    expect(c.ocp.taskDurationMs).toBe(5);
    expect(c.ocp.errorCodeStyle).toBe('string');
    expect(c.ocp.hosts.map((h) => h.name)).toEqual(['db-1', 'db-2', 'db-3']);
    expect(c.ocp.hosts[0]?.processes).toHaveLength(8);
    expect(c.bao.peers).toHaveLength(4);
  });

  it('reports unknown keys, wrong types and values, and duplicates, with JSON pointers', () => {
    const problems = simConfigProblems({
      sed: 1,
      ocp: { alreadyStoppedAnswer: 'maybe', hosts: [{ id: 'x' }, { id: 3 }, { id: 3 }] },
      bao: { peers: [{ name: 'A' }, { name: 'A' }] },
    });
    expect(problems.map((p) => p.pointer).sort()).toEqual(['/ocp/alreadyStoppedAnswer', '/ocp/hosts/0/id', '/sed']);
    const dups = simConfigProblems({ ocp: { hosts: [{ id: 3 }, { ids: { from: 1, to: 4 } }] }, bao: { peers: [{ name: 'A' }, { name: 'A' }] } });
    expect(dups.map((p) => p.message).join('\n')).toMatch(/host id 3 appears twice[\s\S]*peer "A" appears twice/);
    expect(simConfigProblems({ faults: { errorRate: 0.6, hangRate: 0.6 } })[0]?.message).toContain('at most 1');
    expect(simConfigProblems({})).toEqual([]);
  });
});

describe('loadSimConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sim-config-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function file(name: string, text: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  it('loads the example config, and a simulator serves what it describes', async () => {
    // The example is documentation and may be edited: check consistency, not its exact content.
    const example = fileURLToPath(new URL('../../runbooks/sim/example.sim.yaml', import.meta.url));
    const input = await loadSimConfig(example);
    const sim = await startSimulator({ config: { ...input, faults: {}, ocp: { ...input.ocp, processActionDelayMs: 0 } } });
    try {
      expect(sim.config.ocp.hosts.length).toBeGreaterThan(0);
      for (const host of sim.config.ocp.hosts) {
        const res = await ocp(sim, 'GET', `/compute/hosts/${host.id}/agent`);
        expect(res.status).toBe(200);
        expect(res.json.data.processes.map((p: { id: number; status: string }) => [p.id, p.status])).toEqual(
          host.processes.map((p) => [p.id, p.status]),
        );
      }
    } finally {
      await sim.close();
    }
  });

  it('treats an empty file as no settings', async () => {
    expect(await loadSimConfig(await file('empty.yaml', ''))).toEqual({});
  });

  it('names file:line:col of an unknown key and of a wrong value, with code SCHEMA', async () => {
    const path = await file('bad.yaml', 'seed: 1\nocp:\n  taskDurationMs: fast\n  acceptBarePath: true\n');
    const err = await loadSimConfig(path).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SCHEMA' });
    const message = (err as Error).message;
    expect(message).toContain(`${path}:3:19: /ocp/taskDurationMs must be integer`);
    expect(message).toContain(`${path}:4:3: /ocp has an unknown key "acceptBarePath"`);
  });

  it('points into lists of hosts', async () => {
    const path = await file('hosts.yaml', 'ocp:\n  hosts:\n    - id: 1\n    - id: 2\n      processes:\n        - alias: x\n');
    const err = await loadSimConfig(path).catch((e: unknown) => e);
    expect((err as Error).message).toContain(`${path}:6:11: /ocp/hosts/1/processes/0 must have required property 'id'`);
  });

  it('refuses malformed YAML with its position', async () => {
    const path = await file('syntax.yaml', 'ocp:\n  hosts: [1, 2\n');
    const err = await loadSimConfig(path).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'YAML_SYNTAX' });
    expect((err as Error).message).toContain(`${path}:`);
  });

  it('refuses a file that does not exist with code USAGE, naming it', async () => {
    const path = join(dir, 'missing.yaml');
    await expect(loadSimConfig(path)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining(path) });
  });
});
