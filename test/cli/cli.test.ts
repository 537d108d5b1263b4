// The `runbook` command: exit codes, messages, and no stack traces. A few commands are spawned as a user
// runs them (and SIGTERM needs a process); the rest run in-process through main().

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { runCli } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { OCP_ENV_CONNECTION } from '../helpers/runbooks.js';

let sim: Simulator;
let ws: Workspace;

beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
  ws = createWorkspace();
});
afterAll(async () => {
  await sim.close();
  ws.remove();
});

const VALID = `version: 1
name: cli-test
params:
  hosts: { type: array, items: { type: integer }, default: [20, 21] }
${OCP_ENV_CONNECTION}
steps:
  - id: stop
    action: ocp.stopAgentProcess
    connection: ocp
    forEach: \${{ params.hosts }}
    with: { hostId: "\${{ item }}", agentProcessId: 186 }
`;

function ocpEnv(password = 'sim-password'): Record<string, string> {
  return { OCP_URL: sim.url, OCP_USER: 'admin', OCP_PASSWORD: password };
}

function noStackTrace(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
}

describe('runbook validate', () => {
  it('exits 0 for a valid runbook and for the examples', async () => {
    const file = ws.write('valid.yaml', VALID);
    const r = await runCli(['validate', file, 'runbooks/examples/stop-obstat.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok');
  });

  it('exits 2 with file:line:col for an invalid one, and no stack trace', async () => {
    const file = ws.write('bad.yaml', VALID.replace('ocp.stopAgentProcess', 'ocp.stopAgentProces'));
    const r = await runMain(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:12:13`);
    expect(r.stderr).toContain("did you mean 'ocp.stopAgentProcess'?");
    noStackTrace(r.stderr);
  });

  it('exits 2 for a file that does not exist', async () => {
    const r = await runMain(['validate', ws.path('missing.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing.yaml');
    noStackTrace(r.stderr);
  });
});

describe('runbook plan', () => {
  it('prints every request it would send, and sends nothing', async () => {
    const file = ws.write('plan.yaml', VALID);
    sim.resetStats();
    const r = await runCli(['plan', file], { env: ocpEnv() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`POST ${sim.url}/api/v2/compute/hosts/20/agent/processes/186/stop`);
    expect(r.stdout).toContain(`POST ${sim.url}/api/v2/compute/hosts/21/agent/processes/186/stop`);
    expect(r.stdout).toMatch(/2 operations in 1 step/);
    expect(sim.requests).toHaveLength(0);
  });

  it('works without credentials in the environment', async () => {
    const file = ws.write('plan-nocreds.yaml', VALID);
    const r = await runMain(['plan', file, '--json'], { OCP_URL: 'https://ocp.example.com:8080', OCP_USER: '' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as { steps: { operations: { requests: { url: string }[] }[] }[] };
    expect(plan.steps[0]!.operations[0]!.requests[0]!.url).toBe(
      'https://ocp.example.com:8080/api/v2/compute/hosts/20/agent/processes/186/stop',
    );
  });

  it('parses --param by the declared type, and refuses a wrong one with exit 2', async () => {
    const file = ws.write('plan-param.yaml', VALID);
    const ok = await runMain(['plan', file, '--param', 'hosts=30,31,32'], ocpEnv());
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/3 operations/);
    const bad = await runMain(['plan', file, '--param', 'hosts=a,b'], ocpEnv());
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/hosts/);
    const unknown = await runMain(['plan', file, '--param', 'hostz=1'], ocpEnv());
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/did you mean 'hosts'/);
  });
});

describe('runbook run', () => {
  it('exits 0 on success and writes the report', async () => {
    const file = ws.write('run-ok.yaml', VALID);
    const report = ws.path('run-ok.json');
    const r = await runCli(['run', file, '--report', report], { env: ocpEnv() });
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(report, 'utf8')).status).toBe('succeeded');
  });

  it('exits 1 when the run fails, and still writes the report', async () => {
    const file = ws.write('run-fail.yaml', VALID);
    const report = ws.path('run-fail.json');
    const r = await runMain(['run', file, '--param', 'hosts=[20,9999]', '--report', report], ocpEnv());
    expect(r.code).toBe(1);
    expect(JSON.parse(readFileSync(report, 'utf8')).status).toBe('failed');
    expect(r.stdout).toMatch(/FAILED\s+stop\/host=9999/);
    noStackTrace(r.stdout + r.stderr);
  });

  it('exits 2 for an unknown flag, a bad --concurrency and an unknown command', async () => {
    const file = ws.write('run-usage.yaml', VALID);
    for (const args of [['run', file, '--nope'], ['run', file, '--concurrency', '0'], ['frobnicate']]) {
      const r = await runMain(args, ocpEnv());
      expect(r.code, args.join(' ')).toBe(2);
      noStackTrace(r.stderr);
    }
  });

  it('exits 1 with AUTH_FAILED for a wrong password, and never prints it', async () => {
    const file = ws.write('run-auth.yaml', VALID);
    const r = await runMain(['run', file], ocpEnv('Wrong-Password-1234'));
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain('Wrong-Password-1234');
  });

  it('exits 143 on SIGTERM, writing a cancelled report', async () => {
    const slow = await startSimulator({ port: 0, config: { faults: { latency: 400 } } });
    try {
      const file = ws.write('run-term.yaml', VALID);
      const report = ws.path('run-term.json');
      const r = await runCli(['run', file, '--param', 'hosts=20,21,22,23,24,25,26,27', '--report', report, '--grace', '5s'], {
        env: { ...ocpEnv(), OCP_URL: slow.url },
        onSpawn: (child) => {
          const poll = setInterval(() => {
            if (slow.requests.length > 0) {
              clearInterval(poll);
              child.kill('SIGTERM');
            }
          }, 20);
        },
      });
      expect(r.code).toBe(143);
      const written = JSON.parse(readFileSync(report, 'utf8'));
      expect(written.status).toBe('cancelled');
      expect(written.signal).toBe('SIGTERM');
      expect(written.summary.total).toBe(8);
      expect(written.summary.skipped).toBeGreaterThan(0);
    } finally {
      await slow.close();
    }
  });
});
