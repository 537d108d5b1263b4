// Runbooks that name their targets by what they are, through the CLI as a user runs it with --sim: hosts
// found by keyword and peers by type feed the forEach of later steps, previews show the real targets, and
// a pattern that cannot be used is refused at validation (literal) or fails its operation (from a param).

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { RunReport } from '../../src/report/types.js';
import { runCli } from '../helpers/cli.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const EXAMPLE = 'runbooks/examples/discover-and-stop.yaml';

// Production and test hosts side by side, one production host offline, in the simulator.
const SIM_CONFIG = `ocp:
  hosts:
    - { ids: { from: 1, to: 4 }, name: "ob-prod-{id}" }
    - { id: 5, name: ob-prod-5, status: OFFLINE }
    - { ids: { from: 6, to: 12 }, name: "ob-prod-{id}" }
    - { ids: { from: 13, to: 20 }, name: "ob-test-{id}" }
`;

let ws: Workspace | undefined;
afterEach(() => ws?.remove());

function setUp(): { config: string; report: string } {
  ws = createWorkspace();
  const config = ws.write('sim.yaml', SIM_CONFIG);
  return { config, report: ws.path('report.json') };
}

const step = (report: RunReport, id: string) => report.steps.find((s) => s.id === id)!;

describe('discovery through the CLI', { timeout: 60_000 }, () => {
  it("is shown in the actions docs by the example's own steps", () => {
    const doc = readFileSync('docs/actions.md', 'utf8');
    const section = doc.slice(doc.indexOf('## Finding targets by what they are'));
    const snippet = parseYaml(/```yaml\n([\s\S]*?)```/.exec(section)![1]!) as { steps: Array<Record<string, unknown>> };
    const example = parseYaml(readFileSync(EXAMPLE, 'utf8')) as { steps: Array<Record<string, unknown>> };
    expect(snippet.steps.length).toBeGreaterThan(3);
    for (const shown of snippet.steps) {
      const real = example.steps.find((s) => s.id === shown.id);
      const { with: _inputs, ...shape } = shown;
      expect(real, String(shown.id)).toMatchObject(shape);
    }
  });

  it('discovers the online hosts by keyword and stops obstat2 on each of them, and only on them', async () => {
    const { config, report } = setUp();
    const r = await runCli(['run', EXAMPLE, '--sim', '--sim-config', config, '--param', 'keyword=PROD', '--report', report]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rep = JSON.parse(readFileSync(report, 'utf8')) as RunReport;
    const hosts = step(rep, 'hosts').operations[0]!.outputs!.hosts as Array<{ id: number; name: string; status: string }>;
    const online = [1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12];
    expect(hosts.map((h) => h.id)).toEqual(online);
    expect(hosts.every((h) => h.name.startsWith('ob-prod-') && h.status === 'ONLINE')).toBe(true);
    const stops = step(rep, 'stop-obstat').operations;
    expect(stops.map((o) => o.key).sort()).toEqual(online.map((id) => `stop-obstat/host=${id}/alias=obstat2`).sort());
    expect(stops.every((o) => o.status === 'changed' && (o.outputs?.process as { status?: string }).status === 'STOPPED')).toBe(true);
    // The peers of type AP (AP1 and AP2, not LAP or CDP) are found, stopped and waited for.
    expect(step(rep, 'peers').operations[0]!.outputs!.names).toEqual(['AP1', 'AP2']);
    expect(step(rep, 'stop-peers').operations.map((o) => o.key)).toEqual(['stop-peers/peer=AP1', 'stop-peers/peer=AP2']);
  });

  it('plan --online runs the discovery and previews the real targets; offline they are unknown until run', async () => {
    const { config } = setUp();
    const online = await runCli(['plan', EXAMPLE, '--sim', '--sim-config', config, '--param', 'keyword=ob-test', '--online']);
    expect(online.code).toBe(0);
    for (let id = 13; id <= 20; id += 1) expect(online.stdout).toContain(`/api/v2/compute/hosts/${id}/agent/processes/185/stop`);
    expect(online.stdout).not.toContain('/compute/hosts/1/agent');
    expect(online.stdout).toMatch(/PUT \S+\/baocdp\/rest\/peer\/AP1\/stop/);
    expect(online.stdout).not.toMatch(/peer\/LAP\/stop/);
    expect(online.stdout).toMatch(/Sent \d+ GET requests and the BAO login and logout/);

    const offline = await runCli(['plan', EXAMPLE, '--sim', '--sim-config', config]);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toContain("unresolved: unknown until run: depends on the outputs of step 'hosts'");
  });

  it('runbook schema describes both actions, the pattern as a regex', async () => {
    const r = await runCli(['schema']);
    expect(r.code).toBe(0);
    const defs = (JSON.parse(r.stdout) as { $defs: Record<string, { properties?: Record<string, Record<string, unknown>> }> }).$defs;
    expect(Object.keys(defs['with.ocp.listHosts']?.properties ?? {})).toEqual(['keyword', 'status', 'sort', 'pageSize']);
    // Each input is its own schema or an expression.
    expect(defs['with.bao.listPeers']?.properties?.pattern?.anyOf).toContainEqual(
      expect.objectContaining({ type: 'string', format: 'regex', maxLength: 200 }),
    );
  });

  it('plan --detailed-exitcode does not count the discovery steps as changes', async () => {
    ws = createWorkspace();
    const file = ws.write(
      'find.yaml',
      [
        'version: 1',
        'name: find',
        'connections:',
        '  ocp: { type: ocp, url: "http://127.0.0.1:9", auth: { type: basic, username: admin, password: sim-password } }',
        '  bao: { type: bao, url: "http://127.0.0.1:9", auth: { type: login, username: admin, password: sim-password } }',
        'steps:',
        '  - { id: hosts, action: ocp.listHosts, connection: ocp, with: { keyword: ob-host } }',
        '  - { id: peers, action: bao.listPeers, connection: bao, with: { pattern: "^AP", matchOn: type } }',
        '',
      ].join('\n'),
    );
    expect((await runCli(['plan', file, '--sim', '--detailed-exitcode'])).code).toBe(0);
    expect((await runCli(['plan', file, '--sim', '--online', '--detailed-exitcode'])).code).toBe(0);
  });

  it('refuses a literal pattern that is not a regular expression at validation, with file:line:col and exit 2', async () => {
    ws = createWorkspace();
    const text = readFileSync(EXAMPLE, 'utf8').replace('{ pattern: "${{ params.peerType }}"', '{ pattern: "AP(["');
    const file = ws.write('bad.yaml', text);
    const line = text.split('\n').findIndex((l) => l.includes('pattern: "AP(["')) + 1;
    const column = text.split('\n')[line - 1]!.indexOf('"AP(["') + 1;
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:${line}:${column}`);
    expect(r.stderr).toContain("input 'pattern' of step 'peers' is not a valid regular expression");
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('fails the operation with INVALID_INPUT when a param makes the pattern unusable, and stops no peer', async () => {
    const { config, report } = setUp();
    const r = await runCli([
      'run',
      EXAMPLE,
      '--sim',
      '--sim-config',
      config,
      '--param',
      'keyword=prod',
      '--param',
      'peerType=(A+)+$',
      '--report',
      report,
    ]);
    expect(r.code).toBe(1);
    const rep = JSON.parse(readFileSync(report, 'utf8')) as RunReport;
    const peers = step(rep, 'peers');
    expect(peers.operations[0]).toMatchObject({
      status: 'failed',
      error: { code: 'INVALID_INPUT', message: expect.stringContaining('exponential') },
    });
    expect(step(rep, 'stop-peers').status).toBe('skipped');
    expect(r.stdout).toContain("INVALID_INPUT: bao.listPeers: input 'pattern' repeats a group that itself repeats ((A+)+)");
  });
});
