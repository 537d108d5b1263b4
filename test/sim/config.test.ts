// The simulator's configuration: documented defaults, merging, validation, and the YAML config file
// (`runbook sim --config`), including the example shipped in runbooks/sim.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunbookError } from '../../src/errors.js';
import { MAX_HOSTS, simConfigProblems } from '../../src/sim/config.js';
import { defaultSimConfig, loadSimConfig, resolveSimConfig, startSimulator, type SimProcessConfig } from '../../src/sim/index.js';
import { bao, baoLogin, eventually, ocp } from './sim-http.js';

const EXAMPLE = fileURLToPath(new URL('../../runbooks/sim/example.sim.yaml', import.meta.url));

describe('simulator config', () => {
  it('has the documented defaults', () => {
    const d = defaultSimConfig();
    expect(d.seed).toBe(1);
    expect(d.faults).toEqual({});
    expect(d.ocp.users).toEqual([{ username: 'admin', password: 'sim-password' }]);
    expect(d.ocp.accessKeys).toEqual([{ id: 'sim-access-key', secret: 'sim-secret-key' }]);
    expect(d.ocp.hosts.map((h) => h.id)).toEqual(Array.from({ length: 40 }, (_, i) => 20 + i));
    expect(d.ocp.hosts[0]).toMatchObject({ name: 'ob-host-20', ip: '10.0.0.20', status: 'ONLINE', agentStatus: 'ONLINE' });
    expect(d.ocp.hosts[0]?.processes.map((p) => [p.id, p.alias, p.operable, p.status])).toEqual([
      [185, 'obstat2', true, 'STARTED'],
      [186, 'node_exporter', true, 'STARTED'],
      [187, 'ob_logtailer', true, 'STARTED'],
      [188, 'ob_cleaner', true, 'STARTED'],
      [189, 'ocp_agentd', false, 'STARTED'],
      [190, 'ocp_mgragent', false, 'STARTED'],
      [191, 'ocp_monagent', false, 'STARTED'],
      [192, 'pos_proxy', false, 'STARTED'],
    ]);
    expect(d.ocp).toMatchObject({
      acceptBarePaths: true,
      alreadyStoppedAnswer: 'ok',
      errorCodeStyle: 'string',
      processActionDelayMs: 0,
      taskDurationMs: 200,
      failTaskHosts: [],
      pageSizeDefault: 10,
      maxPageSize: 2000,
      maxClockSkewMs: 900_000,
      rateLimitPerMinute: 6000,
      serverName: 'runbook-sim',
    });
    expect(d.bao.users).toEqual([{ username: 'admin', password: 'sim-password' }]);
    expect(d.bao.peers.map((p) => [p.name, p.type, p.status, p.workflowServer])).toEqual([
      ['CDP', 'CDP', 'RUNNING', true],
      ['AP1', 'AP', 'RUNNING', true],
      ['AP2', 'AP', 'RUNNING', true],
      ['LAP', 'LAP', 'RUNNING', false],
    ]);
    expect(d.bao).toMatchObject({
      tokenIdleTimeoutMs: 1_800_000,
      transitionDelayMs: 300,
      stoppedStatus: 'STOPPED',
      acceptStatus: 204,
      acceptBody: { response: 'Success' },
    });
  });

  it('merges the keys given into the defaults of their object, and keeps the other keys', () => {
    const c = resolveSimConfig({ ocp: { taskDurationMs: 5 }, bao: { acceptStatus: 202 } });
    expect(c.ocp.taskDurationMs).toBe(5);
    expect(c.ocp.errorCodeStyle).toBe('string');
    expect(c.ocp.users).toEqual(defaultSimConfig().ocp.users);
    expect(c.ocp.hosts).toHaveLength(40);
    expect(c.bao.acceptStatus).toBe(202);
    expect(c.bao.transitionDelayMs).toBe(300);
    expect(c.bao.peers).toHaveLength(4);
  });

  it('replaces a default list whole with the list given', () => {
    const c = resolveSimConfig({
      ocp: { users: [{ username: 'ops', password: 'p' }], hosts: [{ id: 7, processes: [{ id: 1, alias: 'obstat2' }] }] },
      bao: { peers: [{ name: 'ONLY' }] },
    });
    expect(c.ocp.users).toEqual([{ username: 'ops', password: 'p' }]);
    expect(c.ocp.accessKeys).toEqual([{ id: 'sim-access-key', secret: 'sim-secret-key' }]);
    expect(c.ocp.hosts.map((h) => h.id)).toEqual([7]);
    expect(c.ocp.hosts[0]?.processes.map((p) => p.alias)).toEqual(['obstat2']);
    expect(c.bao.peers.map((p) => p.name)).toEqual(['ONLY']);
  });

  it('expands a host range { ids: { from, to } } inclusively, putting each id into {id} of name and ip', () => {
    const c = resolveSimConfig({
      ocp: { hosts: [{ ids: { from: 1, to: 3 }, name: 'db-{id}', ip: '172.16.0.{id}', status: 'OFFLINE' }, { id: 9 }] },
    });
    expect(c.ocp.hosts.map((h) => [h.id, h.name, h.ip, h.status])).toEqual([
      [1, 'db-1', '172.16.0.1', 'OFFLINE'],
      [2, 'db-2', '172.16.0.2', 'OFFLINE'],
      [3, 'db-3', '172.16.0.3', 'OFFLINE'],
      [9, 'ob-host-9', '10.0.0.9', 'ONLINE'],
    ]);
    expect(c.ocp.hosts[0]?.processes).toHaveLength(8);
  });

  it('fills a process from its alias: known aliases keep their operable flag and ports, others are operable', () => {
    const c = resolveSimConfig({
      ocp: {
        hosts: [
          {
            id: 1,
            processes: [
              { id: 5, alias: 'pos_proxy' },
              { id: 6, alias: 'my_agent' },
              { id: 7, alias: 'obstat2', operable: false },
            ],
          },
        ],
      },
    });
    expect(c.ocp.hosts[0]?.processes.map((p) => [p.alias, p.operable, p.status, p.ports])).toEqual([
      ['pos_proxy', false, 'STARTED', '62890'],
      ['my_agent', true, 'STARTED', ''],
      ['obstat2', false, 'STARTED', ''],
    ]);
  });

  it('gives a peer its own transitionDelayMs when it has one', () => {
    const c = resolveSimConfig({ bao: { peers: [{ name: 'A' }, { name: 'B', transitionDelayMs: 5000 }] } });
    expect(c.bao.peers[0]?.transitionDelayMs).toBeUndefined();
    expect(c.bao.peers[1]?.transitionDelayMs).toBe(5000);
  });

  it('reports unknown keys, wrong types and values, and duplicates, with JSON pointers', () => {
    const problems = simConfigProblems({
      sed: 1,
      ocp: { alreadyStoppedAnswer: 'maybe', hosts: [{ id: 'x' }, { id: 3 }, { id: 3 }] },
      bao: { peers: [{ name: 'A' }, { name: 'A' }] },
    });
    expect(problems.map((p) => p.pointer).sort()).toEqual(['/ocp/alreadyStoppedAnswer', '/ocp/hosts/0/id', '/sed']);
    const dups = simConfigProblems({
      ocp: { hosts: [{ id: 3 }, { ids: { from: 1, to: 4 } }] },
      bao: { peers: [{ name: 'A' }, { name: 'A' }] },
    });
    expect(dups.map((p) => p.message).join('\n')).toMatch(/host id 3 appears twice[\s\S]*peer "A" appears twice/);
    expect(simConfigProblems({ faults: { errorRate: 0.6, hangRate: 0.6 } })[0]?.message).toContain('at most 1');
    expect(
      simConfigProblems({
        ocp: {
          hosts: [
            {
              id: 1,
              processes: [
                { id: 2, alias: 'a' },
                { id: 2, alias: 'b' },
              ],
            },
          ],
        },
      })[0]?.message,
    ).toContain('process id 2 appears twice');
    expect(simConfigProblems({})).toEqual([]);
  });

  it('refuses a host range whose from is greater than its to, and one too large to serve, without expanding it', () => {
    expect(simConfigProblems({ ocp: { hosts: [{ ids: { from: 9, to: 1 } }] } })).toEqual([
      { pointer: '/ocp/hosts/0/ids', message: '/ocp/hosts/0/ids: from is greater than to' },
    ]);
    const huge = simConfigProblems({ ocp: { hosts: [{ ids: { from: 1, to: 2_000_000_000 } }] } });
    expect(huge[0]?.message).toContain(`at most ${MAX_HOSTS}`);
  });

  it('refuses a delay longer than a timer can wait', () => {
    expect(simConfigProblems({ ocp: { processActionDelayMs: 3_000_000_000 } })[0]?.pointer).toBe('/ocp/processActionDelayMs');
    expect(simConfigProblems({ faults: { latency: 3_000_000_000 } }).length).toBeGreaterThan(0);
  });

  it('throws RunbookError SCHEMA from resolveSimConfig, listing every problem', () => {
    let err: unknown;
    try {
      resolveSimConfig({ seed: 1.5 as number, bao: { acceptStatus: 201 as 200 } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RunbookError);
    expect(err).toMatchObject({ code: 'SCHEMA' });
    expect((err as Error).message).toMatch(
      /seed must be an integer, got number 1\.5[\s\S]*acceptStatus must be one of 200, 202, 204, got number 201/,
    );
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

  async function failure(path: string): Promise<RunbookError> {
    const err = await loadSimConfig(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunbookError);
    // A user reads the message: it must not carry a stack trace.
    expect((err as Error).message).not.toMatch(/\n\s+at /);
    return err as RunbookError;
  }

  it('loads a good file as the input it describes, which then merges into the defaults', async () => {
    const path = await file(
      'good.yaml',
      [
        'seed: 7',
        'faults:',
        '  latency: { min: 10, max: 20 }',
        '  failFirst: [{ method: POST, path: "/stop$", count: 1 }]',
        'ocp:',
        '  alreadyStoppedAnswer: error',
        '  hosts:',
        '    - ids: { from: 100, to: 101 }',
        '      name: "edge-{id}"',
        'bao:',
        '  peers:',
        '    - { name: AP9, transitionDelayMs: 50 }',
        '',
      ].join('\n'),
    );
    const input = await loadSimConfig(path);
    expect(input).toEqual({
      seed: 7,
      faults: { latency: { min: 10, max: 20 }, failFirst: [{ method: 'POST', path: '/stop$', count: 1 }] },
      ocp: { alreadyStoppedAnswer: 'error', hosts: [{ ids: { from: 100, to: 101 }, name: 'edge-{id}' }] },
      bao: { peers: [{ name: 'AP9', transitionDelayMs: 50 }] },
    });
    const c = resolveSimConfig(input);
    expect(c.ocp.hosts.map((h) => h.name)).toEqual(['edge-100', 'edge-101']);
    expect(c.ocp.errorCodeStyle).toBe('string');
    expect(c.bao.users).toEqual(defaultSimConfig().bao.users);
  });

  it('treats an empty file as no settings', async () => {
    expect(await loadSimConfig(await file('empty.yaml', ''))).toEqual({});
    expect(await loadSimConfig(await file('comments.yaml', '# nothing yet\n'))).toEqual({});
  });

  it('names file:line:col of an unknown key and of a wrong type, with code SCHEMA', async () => {
    const path = await file('bad.yaml', 'seed: 1\nocp:\n  taskDurationMs: fast\n  acceptBarePath: true\n');
    const err = await failure(path);
    expect(err.code).toBe('SCHEMA');
    expect(err.message).toContain(`${path}:3:19: /ocp/taskDurationMs must be an integer, got string 'fast'`);
    expect(err.message).toContain(`${path}:4:3: unknown key 'acceptBarePath' in /ocp; did you mean 'acceptBarePaths'?`);
  });

  it('names an unknown top-level key, a wrong enum value and a wrong type inside faults', async () => {
    const path = await file('bad2.yaml', 'sede: 3\nocp:\n  errorCodeStyle: text\nfaults:\n  errorRate: lots\n');
    const err = await failure(path);
    expect(err.message).toContain(`${path}:1:1: unknown key 'sede' at the top level; did you mean 'seed'?`);
    expect(err.message).toContain(`${path}:3:19: /ocp/errorCodeStyle must be one of "string", "number", got string 'text'`);
    expect(err.message).toContain(`${path}:5:14: /faults/errorRate must be a number, got string 'lots'`);
  });

  it('points into lists of hosts', async () => {
    const path = await file('hosts.yaml', 'ocp:\n  hosts:\n    - id: 1\n    - id: 2\n      processes:\n        - alias: x\n');
    const err = await failure(path);
    expect(err.message).toContain(`${path}:6:11: missing required key 'id' in /ocp/hosts/1/processes/0`);
  });

  it('refuses a file whose top level is not a mapping', async () => {
    const err = await failure(await file('list.yaml', '- seed: 1\n'));
    expect(err.code).toBe('SCHEMA');
    expect(err.message).toContain('the config must be a mapping, got a list');
  });

  it('refuses malformed YAML with its file:line:col and code YAML_SYNTAX', async () => {
    const path = await file('syntax.yaml', 'seed: 1\nocp:\n  hosts: [1, 2\n');
    const err = await failure(path);
    expect(err.code).toBe('YAML_SYNTAX');
    expect(err.message).toMatch(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:[34]:\\d+: `));
  });

  it('refuses a key given twice in one mapping', async () => {
    const err = await failure(await file('dup.yaml', 'seed: 1\nseed: 2\n'));
    expect(err.code).toBe('YAML_SYNTAX');
    expect(err.message).toContain('dup.yaml:2:1');
  });

  it('refuses an alias to an anchor that is not defined, at the alias', async () => {
    const path = await file('alias.yaml', 'seed: 1\nocp: *nope\n');
    const err = await failure(path);
    expect(err.code).toBe('YAML_SYNTAX');
    expect(err.message).toContain(`${path}:2:6: `);
    expect(err.message).toContain('nope');
  });

  it('refuses an alias bomb with YAML_ALIAS_LIMIT instead of expanding it', async () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g'].entries()) {
      const prev = String.fromCharCode('a'.charCodeAt(0) + i);
      levels.push(`${name}: &${name} [${Array.from({ length: 10 }, () => `*${prev}`).join(', ')}]`);
    }
    const err = await failure(await file('bomb.yaml', `${levels.join('\n')}\n`));
    expect(err.code).toBe('YAML_ALIAS_LIMIT');
    expect(err.message).toContain('bomb.yaml:2:');
  });

  it('refuses a pathologically nested file with a YAML error, not a crash', async () => {
    const depth = 50_000;
    const err = await failure(await file('deep.yaml', `seed: ${'['.repeat(depth)}${']'.repeat(depth)}\n`));
    expect(['YAML_SYNTAX', 'SCHEMA']).toContain(err.code);
    expect(err.message).toContain('deep.yaml');
  });

  it('refuses a file that does not exist with code USAGE, naming it', async () => {
    const path = join(dir, 'missing.yaml');
    const err = await failure(path);
    expect(err.code).toBe('USAGE');
    expect(err.message).toContain(path);
    expect(err.message).toContain('ENOENT');
  });
});

describe('the example config runbooks/sim/example.sim.yaml', () => {
  // The example is documentation and may be edited: check that it shows each feature, not its exact content.
  it('loads with faults off, an already stopped process, a process that is not operable and a slow peer', async () => {
    const c = resolveSimConfig(await loadSimConfig(EXAMPLE));
    expect(c.faults).toEqual({});
    const processes = c.ocp.hosts.flatMap((h) => h.processes);
    expect(processes.some((p) => p.status === 'STOPPED' && p.operable)).toBe(true);
    expect(processes.some((p) => !p.operable)).toBe(true);
    expect(c.bao.peers.some((p) => (p.transitionDelayMs ?? 0) > c.bao.transitionDelayMs)).toBe(true);
  });

  it('runs a simulator that serves every host it describes and answers stops as its comments say', async () => {
    const input = await loadSimConfig(EXAMPLE);
    // No per-process delay and no BAO-wide delay, so that only the slow peer's own delay is left.
    const sim = await startSimulator({
      config: { ...input, ocp: { ...input.ocp, processActionDelayMs: 0 }, bao: { ...input.bao, transitionDelayMs: 0 } },
    });
    try {
      for (const host of sim.config.ocp.hosts) {
        const res = await ocp(sim, 'GET', `/compute/hosts/${host.id}/agent`);
        expect(res.status).toBe(200);
        expect(res.json.data.processes.map((p: { id: number; status: string }) => [p.id, p.status])).toEqual(
          host.processes.map((p) => [p.id, p.status]),
        );
      }
      const where = (match: (p: SimProcessConfig) => boolean): string => {
        const host = sim.config.ocp.hosts.find((h) => h.processes.some(match));
        const proc = host?.processes.find(match);
        return `/compute/hosts/${host?.id}/agent/processes/${proc?.id}/stop`;
      };
      const again = await ocp(
        sim,
        'POST',
        where((p) => p.status === 'STOPPED' && p.operable),
      );
      expect(sim.config.ocp.alreadyStoppedAnswer).toBe('ok');
      expect(again.status).toBe(200);
      expect(again.json.data.status).toBe('STOPPED');
      const refused = await ocp(
        sim,
        'POST',
        where((p) => !p.operable),
      );
      expect(refused.status).toBe(409);
      expect(refused.json.error.code).toBe('CMP07019');

      const slow = sim.config.bao.peers.find((p) => (p.transitionDelayMs ?? 0) > 1000);
      const quick = sim.config.bao.peers.find((p) => p.transitionDelayMs === undefined && p.status === 'RUNNING');
      expect(slow?.status).toBe('RUNNING');
      const token = await baoLogin(sim);
      const stop = await bao(sim, token, 'POST', '/peer/stop', { peers: [{ name: quick?.name }, { name: slow?.name }] });
      expect(stop.status).toBe(sim.config.bao.acceptStatus);
      const statuses = async (): Promise<Record<string, string>> => {
        const info = await bao(sim, token, 'GET', '/info/peer');
        return Object.fromEntries(info.json.peerInfoList.map((p: { name: string; status: string }) => [p.name, p.status]));
      };
      await eventually(async () => (await statuses())[quick?.name ?? ''] === 'STOPPED');
      expect((await statuses())[slow?.name ?? '']).toBe('RUNNING');
    } finally {
      await sim.close();
    }
  });
});
