// Every environment variable a run reads is checked before the lock and the first request, and all the
// missing ones are reported at once, each at its file:line:col. Through the CLI, against the simulator.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { runCli } from '../helpers/cli.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { OCP_ENV_CONNECTION } from '../helpers/runbooks.js';

let sim: Simulator;
let ws: Workspace;
beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(() => sim.close());
afterEach(() => {
  sim.resetState();
  sim.resetStats();
  ws?.remove();
});

// Line numbers below are those of this text: the first step stops a process, the second reads two
// variables in `with:`, and a third has a default and is never required.
const RUNBOOK = `version: 1
name: env-preflight
${OCP_ENV_CONNECTION}
steps:
  - id: first
    action: ocp.stopAgentProcess
    connection: ocp
    with: { hostId: 20, agentProcessId: 185 }
  - id: second
    action: ocp.stopAgentProcess
    connection: ocp
    if: \${{ env.STOP_SECOND == 'yes' }}
    with:
      hostId: 21
      alias: "\${{ env.ALIAS_PREFIX }}-\${{ env.ALIAS_SUFFIX }}"
  - id: third
    action: ocp.stopAgentProcess
    connection: ocp
    with: { hostId: 22, alias: "\${{ env.THIRD_ALIAS ?? 'obstat2' }}" }
`;

function ocpEnv(): Record<string, string> {
  return { OCP_URL: sim.url, OCP_USER: 'admin', OCP_PASSWORD: 'sim-password' };
}

describe('environment pre-flight', () => {
  it('refuses a run with exit 2, naming every missing variable at its file:line:col, and sends nothing', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', RUNBOOK);
    const r = await runCli(['run', file, '--quiet', '--lock', ws.path('lock')], { env: { ...ocpEnv(), OCP_PASSWORD: undefined } });
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l.includes('[ENV_MISSING]'));
    expect(lines).toEqual([
      expect.stringMatching(
        /rb\.yaml:7:74: error: environment variable OCP_PASSWORD is not set.* \(at connections\.ocp\.auth\.password\) \[ENV_MISSING\]$/,
      ),
      expect.stringMatching(/rb\.yaml:16:13: error: environment variable STOP_SECOND is not set.*\(at steps\[1\]\.if\)/),
      expect.stringMatching(/rb\.yaml:19:19: error: environment variable ALIAS_PREFIX is not set.*\(at steps\[1\]\.with\.alias\)/),
      expect.stringMatching(/rb\.yaml:19:43: error: environment variable ALIAS_SUFFIX is not set.*\(at steps\[1\]\.with\.alias\)/),
    ]);
    expect(r.stderr).toMatch(/4 errors; nothing was sent\./);
    expect(r.stderr).not.toContain('THIRD_ALIAS');
    expect(sim.requests).toEqual([]);
  });

  it('runs once they are set (a variable with a ?? default is never required)', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', RUNBOOK);
    const r = await runCli(['run', file, '--quiet', '--lock', ws.path('lock')], {
      env: { ...ocpEnv(), STOP_SECOND: 'no', ALIAS_PREFIX: 'ob', ALIAS_SUFFIX: 'stat2' },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('with --sim, does not ask for the url and credentials of the connections it replaces', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', RUNBOOK);
    const r = await runCli(['run', file, '--sim', '--lock', ws.path('lock')], {
      env: { OCP_URL: undefined, OCP_USER: undefined, OCP_PASSWORD: undefined },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/OCP_(URL|USER|PASSWORD)/);
    expect(r.stderr).toMatch(/3 errors; nothing was sent\./);
  });

  it('checks plan too, where the preview needs them: not the credentials offline', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', RUNBOOK);
    const r = await runCli(['plan', file], {
      env: { OCP_URL: undefined, OCP_USER: undefined, OCP_PASSWORD: undefined, ALIAS_PREFIX: 'ob' },
    });
    expect(r.code).toBe(2);
    const missing = [...r.stderr.matchAll(/variable (\w+) is not set/g)].map((m) => m[1]);
    expect(missing).toEqual(['OCP_URL', 'STOP_SECOND', 'ALIAS_SUFFIX']);
  });

  it('checks apply for the connections only: the plan holds the values the steps read', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', RUNBOOK);
    const plan = ws.path('plan.json');
    const made = await runCli(['plan', file, '--out', plan], {
      env: { ...ocpEnv(), STOP_SECOND: 'yes', ALIAS_PREFIX: 'ob', ALIAS_SUFFIX: 'stat2' },
    });
    expect(made.code).toBe(0);
    const r = await runCli(['apply', plan, '--lock', ws.path('lock')], {
      env: { ...ocpEnv(), OCP_USER: undefined, OCP_PASSWORD: undefined },
    });
    expect(r.code).toBe(2);
    const missing = [...r.stderr.matchAll(/variable (\w+) is not set/g)].map((m) => m[1]);
    expect(missing).toEqual(['OCP_USER', 'OCP_PASSWORD']);
    expect(sim.requests).toEqual([]);
  });
});
