// `runbook apply` applies a plan only to the servers it was made against: the URL of every connection
// is recorded in the plan and compared before anything is sent. Through the CLI's main(), in-process
// (one apply spawned as a user runs it), against two simulators.

import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { runCli } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { ocpStep, runbookYaml } from '../helpers/runbooks.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

let production: Simulator;
let other: Simulator;
let ws: Workspace;

beforeAll(async () => {
  [production, other] = await Promise.all([startSimulator({ port: 0 }), startSimulator({ port: 0 })]);
});
afterAll(() => Promise.all([production.close(), other.close()]));
afterEach(() => {
  for (const sim of [production, other]) {
    sim.resetState();
    sim.resetStats();
  }
  ws?.remove();
});

function envFor(sim: Simulator): Record<string, string> {
  return { OCP_URL: sim.url, OCP_USER: 'admin', OCP_PASSWORD: 'sim-password' };
}

const RUNBOOK = runbookYaml({ name: 'bound', steps: [ocpStep({ hosts: [20, 21] })] });

async function savePlan(env: Record<string, string>, ...flags: string[]): Promise<string> {
  const planFile = ws.path('plan.json');
  const r = await runMain(['plan', ws.write('rb.yaml', RUNBOOK), '--out', planFile, ...flags], env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return planFile;
}

describe('apply binds a plan to where it was made', () => {
  it('records each connection URL, without credentials, and applies where it was made', async () => {
    ws = createWorkspace();
    const planFile = await savePlan(envFor(production));
    const text = readFileSync(planFile, 'utf8');
    expect(JSON.parse(text).connections).toEqual({ ocp: { type: 'ocp', url: `${production.url}/api/v2` } });
    expect(text).not.toContain('sim-password');
    const r = await runCli(['apply', planFile, '--lock', ws.path('lock')], { env: envFor(production) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(production.requests.filter((q) => q.method === 'POST')).toHaveLength(2);
  });

  it('refuses with exit 2, naming the connection and both URLs, a plan made against another server; nothing is sent', async () => {
    ws = createWorkspace();
    const planFile = await savePlan(envFor(production));
    const r = await runMain(['apply', planFile, '--lock', ws.path('lock')], envFor(other));
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `connection 'ocp' pointed at ${production.url}/api/v2 when the plan was made, and points at ${other.url}/api/v2 now`,
    );
    expect(r.stderr).toContain('[PLAN_TARGET_CHANGED]');
    expect(r.stderr).not.toContain('sim-password');
    expect(other.requests).toHaveLength(0);
    expect(production.requests).toHaveLength(0);
  });

  it('applies a plan made with --sim only with --sim, and a plan made without it only without', async () => {
    ws = createWorkspace();
    const simPlan = await savePlan({}, '--sim');
    expect(JSON.parse(readFileSync(simPlan, 'utf8')).connections.ocp).toMatchObject({ type: 'ocp', simulator: true });

    const withoutSim = await runMain(['apply', simPlan, '--lock', ws.path('lock')], envFor(production));
    expect(withoutSim.code).toBe(2);
    expect(withoutSim.stderr).toMatch(
      /connection 'ocp' pointed at the built-in simulator \(--sim, http:\/\/127\.0\.0\.1:\d+\/api\/v2\) when the plan was made, and points at http:\/\/127\.0\.0\.1:\d+\/api\/v2 now; apply the plan with --sim/,
    );
    expect(production.requests).toHaveLength(0);

    const withSim = await runMain(['apply', simPlan, '--sim', '--lock', ws.path('lock')]);
    expect(withSim.stderr).toBe('');
    expect(withSim.code).toBe(0);
    expect(withSim.stdout).toContain('2 changed');

    const realPlan = await savePlan(envFor(production));
    const simulated = await runMain(['apply', realPlan, '--sim', '--lock', ws.path('lock')], envFor(production));
    expect(simulated.code).toBe(2);
    expect(simulated.stderr).toContain(
      `connection 'ocp' pointed at ${production.url}/api/v2 when the plan was made, and --sim points it at the built-in simulator`,
    );
  });

  it('refuses a plan that does not record its connections', async () => {
    ws = createWorkspace();
    const planFile = await savePlan(envFor(production));
    const plan = JSON.parse(readFileSync(planFile, 'utf8'));
    delete plan.connections;
    writeFileSync(planFile, JSON.stringify(plan));
    const r = await runMain(['apply', planFile, '--lock', ws.path('lock')], envFor(production));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/does not record where its connections pointed.*\[PLAN_TARGET_CHANGED\]/);
    expect(production.requests).toHaveLength(0);
  });
});
