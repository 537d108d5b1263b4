// What a run says when not everything went to plan: a step fed by a step that failed partly, tolerated
// failures, skipped steps. Through the CLI spawned as cron runs it, against the built-in simulator.

import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { readCheckedReport as readReport } from '../helpers/report-schema.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { OCP_ENV_CONNECTION } from '../helpers/runbooks.js';

let ws: Workspace;
afterEach(() => ws?.remove());

/** Lists obstat2 on each host (host 999 does not exist), then stops what was listed. */
function listThenStop(options: { listForEach: boolean; stopContinues?: boolean }): string {
  const list = options.listForEach
    ? `    forEach: \${{ params.hosts }}
    with: { hostId: "\${{ item }}", alias: obstat2 }`
    : `    with: { hostId: 999, alias: obstat2 }`;
  return `version: 1
name: list-then-stop
params:
  hosts: { type: array, items: { type: integer }, default: [20, 999, 21] }
${OCP_ENV_CONNECTION}
steps:
  - id: list
    action: ocp.listAgentProcesses
    connection: ocp
${list}
    continueOnError: true
  - id: stop
    action: ocp.stopAgentProcess
    connection: ocp
    forEach: \${{ steps.list.outputs.processes }}
    with: { hostId: "\${{ item.hostId }}", agentProcessId: "\${{ item.id }}" }
    continueOnError: ${options.stopContinues === true}
`;
}

describe('a step fed by a step that failed partly', () => {
  it('gets the outputs of the operations that succeeded, and the run exits 3 (tolerated), even under --quiet', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', listThenStop({ listForEach: true }));
    const report = ws.path('report.json');
    const r = await runCli(['run', file, '--sim', '--quiet', '--report', report]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(3);
    expect(r.stdout).not.toMatch(/unknown until run/);
    expect(r.stdout).toMatch(/step list failed: .*\(continueOnError: the run went on\)/);
    expect(r.stdout).toMatch(/^ {2}list\/host=999\/alias=obstat2: NOT_FOUND/m);
    const written = readReport(report);
    const stop = written.steps.find((s) => s.id === 'stop')!;
    expect(stop.status).toBe('succeeded');
    expect(stop.operations.map((o) => [o.key, o.status])).toEqual([
      ['stop/host=20/process=185', 'changed'],
      ['stop/host=21/process=185', 'changed'],
    ]);
    const list = written.steps.find((s) => s.id === 'list')!;
    expect(list.status).toBe('failed');
    expect(list.outputs?.items).toEqual([
      expect.objectContaining({ processes: expect.any(Array) }),
      {},
      expect.objectContaining({ processes: expect.any(Array) }),
    ]);
  });

  it('fails with UNRESOLVED_INPUT when the step it reads has no outputs, and the run exits 1 and says so under --quiet', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', listThenStop({ listForEach: false }));
    const report = ws.path('report.json');
    const r = await runCli(['run', file, '--sim', '--quiet', '--report', report]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/unknown until run|Run succeeded/);
    expect(r.stdout).toMatch(/step stop failed: .*'list'.*\[UNRESOLVED_INPUT\]/);
    const stop = readReport(report).steps.find((s) => s.id === 'stop')!;
    expect(stop.status).toBe('failed');
    expect(stop.error?.code).toBe('UNRESOLVED_INPUT');
    expect(readReport(report).status).toBe('failed');
  });

  it('follows continueOnError of the step that cannot resolve its inputs: exit 3, one line under --quiet', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', listThenStop({ listForEach: false, stopContinues: true }));
    const r = await runCli(['run', file, '--sim', '--quiet']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^step stop failed: .*\[UNRESOLVED_INPUT\] \(continueOnError: the run went on\)$/m);
  });

  it('gives no outputs for a step none of whose operations succeeded, even within its budget', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', listThenStop({ listForEach: true }).replace('continueOnError: true', 'maxErrors: "100%"'));
    const r = await runCli(['run', file, '--sim', '--quiet', '--param', 'hosts=998,999']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^step stop failed: .*none of its operations succeeded \[UNRESOLVED_INPUT\]$/m);
  });

  it('still shows such a step as unknown until run in an offline preview', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', listThenStop({ listForEach: false }));
    const r = await runCli(['plan', file, '--sim']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/unresolved: unknown until run: depends on the outputs of step 'list'/);
  });
});

/** Stops obstat2 on hosts 20 and 999 (which does not exist), then a step that runs only when asked. */
function stopWithBudget(maxErrors: number): string {
  return `version: 1
name: stop-with-budget
params:
  extra: { type: boolean, default: false }
${OCP_ENV_CONNECTION}
steps:
  - id: stop
    action: ocp.stopAgentProcess
    connection: ocp
    forEach: [20, 999]
    with: { hostId: "\${{ item }}", agentProcessId: 185 }
    maxErrors: ${maxErrors}
  - id: extra
    action: ocp.stopAgentProcess
    connection: ocp
    if: \${{ params.extra }}
    with: { hostId: 21, agentProcessId: 185 }
`;
}

describe('exit codes and --quiet', () => {
  it('exits 3 when maxErrors tolerated a failure, and --quiet prints it', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', stopWithBudget(1));
    const r = await runCli(['run', file, '--sim', '--quiet', '--param', 'extra=true']);
    expect(r.code).toBe(3);
    expect(r.stdout).not.toMatch(/Run succeeded/);
    expect(r.stdout).toMatch(/^Run finished within its failure budgets, with failures: 3 operations: 2 changed, 0 unchanged, 1 failed/m);
    expect(r.stdout).toMatch(/^step stop succeeded within its budget: 1 of 2 operations failed; maxErrors allows 1$/m);
    expect(r.stdout).toMatch(/^ {2}stop\/host=999\/process=185: NOT_FOUND/m);
  });

  it('exits 3 for a tolerated failure in apply too', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', stopWithBudget(1));
    const plan = ws.path('plan.json');
    expect((await runCli(['plan', file, '--sim', '--out', plan])).code).toBe(0);
    const r = await runCli(['apply', plan, '--sim', '--quiet']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/stop\/host=999\/process=185: NOT_FOUND/);
  });

  it('exits 0 and prints nothing under --quiet when everything ran', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', stopWithBudget(1).replace('forEach: [20, 999]', 'forEach: [20, 22]'));
    const r = await runCli(['run', file, '--sim', '--quiet', '--param', 'extra=true']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
  });

  it('prints one line for a step skipped by its if:, even under --quiet (exit 0)', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', stopWithBudget(1).replace('forEach: [20, 999]', 'forEach: [20]'));
    const r = await runCli(['run', file, '--sim', '--quiet']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^step extra skipped: its if: condition is false$/m);
  });

  it('prints one line for a step skipped after an earlier failure, under --quiet (exit 1)', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', stopWithBudget(0));
    const r = await runCli(['run', file, '--sim', '--quiet', '--param', 'extra=true']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^step extra skipped: step 'stop' failed and it does not set continueOnError$/m);
  });
});
