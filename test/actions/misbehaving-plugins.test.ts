// Plugins that misbehave: outputs that are not JSON data, a run that never settles (with or without a
// timer keeping the process alive), a module that never finishes loading, and a run that mutates what it
// was given. Each run still ends with its documented exit code, a report, no lock left behind and no
// stack trace.

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/plugins/', import.meta.url));
const plugin = (name: string): string => JSON.stringify(`${FIXTURES}${name}`);

interface Op {
  key: string;
  status: string;
  error?: { code: string; message: string };
  outputs?: Record<string, unknown>;
  reason?: string;
}
interface Report {
  status: string;
  signal?: string;
  params: Record<string, unknown>;
  steps: { id: string; status: string; reason?: string; operations: Op[] }[];
}

let ws: Workspace;
beforeEach(() => {
  ws = createWorkspace();
});
afterEach(() => ws.remove());

/** Runs FILE with a report and a lock in the workspace; checks what every outcome must have. */
async function run(
  file: string,
  extra: string[] = [],
  options: Parameters<typeof runCli>[1] = {},
): Promise<{ r: CliResult; report: Report }> {
  const reportFile = ws.path('report.json');
  const lock = ws.path('run.lock');
  const r = await runCli(['run', file, '--report', reportFile, '--lock', lock, ...extra], { timeoutMs: 30_000, ...options });
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(existsSync(lock)).toBe(false);
  expect(existsSync(reportFile)).toBe(true);
  return { r, report: JSON.parse(readFileSync(reportFile, 'utf8')) as Report };
}

describe('outputs that are not JSON data', () => {
  it('fail their operation with PLUGIN_ERROR, and later steps follow the usual rules', async () => {
    const file = ws.write(
      'outputs.yaml',
      `version: 1
name: bad-outputs
plugins: [${plugin('cycle-output.js')}, ${plugin('bigint-output.js')}, ${plugin('throwing-tojson.js')}]
steps:
  - id: cycle
    action: misbehave.cycleOutput
    continueOnError: true
  - id: bigint
    action: misbehave.bigintOutput
    continueOnError: true
  - id: tojson
    action: misbehave.throwingToJson
  - id: after
    action: core.assert
    with: { that: true }
`,
    );
    const { r, report } = await run(file);
    expect(r.code).toBe(1);
    expect(report.status).toBe('failed');
    const [cycle, bigint, tojson, after] = report.steps;
    for (const [step, action, why] of [
      [cycle!, 'misbehave.cycleOutput', /circular/i],
      [bigint!, 'misbehave.bigintOutput', /BigInt/],
      [tojson!, 'misbehave.throwingToJson', /toJSON refuses/],
    ] as const) {
      expect(step.status).toBe('failed');
      const op = step.operations[0]!;
      expect(op.status).toBe('failed');
      expect(op.error!.code).toBe('PLUGIN_ERROR');
      expect(op.error!.message).toContain(action);
      expect(op.error!.message).toMatch(/not JSON data/);
      expect(op.error!.message).toMatch(why);
      expect(op.outputs).toBeUndefined();
    }
    expect(after!.status).toBe('skipped');
    expect(after!.reason).toMatch(/step 'tojson' failed/);
    // The journal holds every event, whole.
    const journal = readFileSync(ws.path('report.json.journal.jsonl'), 'utf8').trim().split('\n');
    expect(journal.map((line) => JSON.parse(line) as { type: string }).at(-1)!.type).toBe('end');
  });
});

describe('a run that never settles', () => {
  it('ends TIMEOUT at the step operationTimeout, and later steps follow the usual rules', async () => {
    const file = ws.write(
      'never.yaml',
      `version: 1
name: never-settles
plugins: [${plugin('never-settles.js')}]
steps:
  - id: hang
    action: misbehave.neverSettles
    forEach: [1, 2]
    operationTimeout: 500ms
  - id: after
    action: core.assert
    with: { that: true }
`,
    );
    const { r, report } = await run(file);
    expect(r.code).toBe(1);
    expect(report.status).toBe('failed');
    const ops = report.steps[0]!.operations;
    expect(ops.map((o) => o.error?.code)).toEqual(['TIMEOUT', 'TIMEOUT']);
    expect(ops[0]!.error!.message).toMatch(/misbehave.neverSettles did not finish within its operationTimeout of 500ms/);
    expect(report.steps[1]!.status).toBe('skipped');
  });

  it('ends TIMEOUT and the process exits even when the plugin keeps it alive with a timer', async () => {
    const file = ws.write(
      'interval.yaml',
      `version: 1
name: never-settles-interval
plugins: [${plugin('never-settles-interval.js')}]
steps:
  - id: hang
    action: misbehave.neverSettlesInterval
    operationTimeout: 500ms
`,
    );
    const { r, report } = await run(file);
    expect(r.code).toBe(1);
    expect(report.status).toBe('failed');
    expect(report.steps[0]!.operations[0]!.error!.code).toBe('TIMEOUT');
  });

  const hanging = (): string =>
    ws.write(
      'signal.yaml',
      `version: 1
name: never-settles-signal
plugins: [${plugin('never-settles-interval.js')}]
steps:
  - id: hang
    action: misbehave.neverSettlesInterval
    forEach: [1, 2, 3]
    concurrency: 1
`,
    );
  /** Sends the signals once the step has started, a fifth of a second apart. */
  const signalOnStart =
    (...signals: NodeJS.Signals[]) =>
    (child: import('node:child_process').ChildProcess): void => {
      let out = '';
      child.stdout!.on('data', (d: string) => {
        out += d;
        if (!out.includes('Step 1/1') || signals.length === 0) return;
        signals.splice(0).forEach((s, i) => setTimeout(() => child.kill(s), 200 * i));
      });
    };

  it('after SIGTERM and the grace period, writes a cancelled report and exits 143', async () => {
    const { r, report } = await run(hanging(), ['--grace', '1s'], { onSpawn: signalOnStart('SIGTERM') });
    expect(r.code).toBe(143);
    expect(report.status).toBe('cancelled');
    expect(report.signal).toBe('SIGTERM');
    const ops = report.steps[0]!.operations;
    expect(ops[0]!.error!.code).toBe('CANCELLED');
    expect(ops.slice(1).map((o) => o.status)).toEqual(['skipped', 'skipped']);
  });

  it('a second signal aborts at once, with the report written', async () => {
    // The grace period is longer than the test's timeout: only the second signal can end the run.
    const { r, report } = await run(hanging(), ['--grace', '10m'], { onSpawn: signalOnStart('SIGINT', 'SIGTERM') });
    expect(r.code).toBe(130);
    expect(report.status).toBe('cancelled');
    expect(report.signal).toBe('SIGINT');
    expect(report.steps[0]!.operations[0]!.error!.code).toBe('CANCELLED');
  });
});

describe('the operation deadline of a built-in action', () => {
  it('stops a wait longer than the step operationTimeout with TIMEOUT', async () => {
    const file = ws.write(
      'wait.yaml',
      `version: 1
name: long-wait
connections:
  bao: { type: bao, url: "http://127.0.0.1:1", auth: { type: login, username: u, password: p } }
steps:
  - id: wait
    action: bao.waitForPeers
    connection: bao
    with: { peers: [AP1], status: STOPPED, interval: 100ms, timeout: 10m }
    timeout: 5s
    operationTimeout: 1s
`,
    );
    const { r, report } = await run(file, ['--sim']);
    expect(r.code).toBe(1);
    const op = report.steps[0]!.operations[0]!;
    expect(op.error!.code).toBe('TIMEOUT');
    expect(op.error!.message).toMatch(/action bao.waitForPeers did not finish within its operationTimeout of 1s/);
  });
});

describe('a plugin whose module never finishes loading', () => {
  it('fails at load with PLUGIN_LOAD naming the file', async () => {
    const file = ws.write(
      'never-loads.yaml',
      `version: 1
name: never-loads
plugins: [${plugin('never-loads.js')}]
steps:
  - id: x
    action: misbehave.neverLoads
`,
    );
    const r = await runCli(['validate', file], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/never-loads\.js': it did not finish loading within 10s.*\[PLUGIN_LOAD\]/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('a plugin that mutates what it was given', () => {
  it('changes neither the params, nor the inputs of other operations, nor the report', async () => {
    const file = ws.write(
      'mutates.yaml',
      `version: 1
name: mutating-plugin
plugins: [${plugin('mutates-inputs.js')}]
params:
  hosts: { type: array, default: [1, 2] }
  config: { type: object, default: { mode: safe } }
  targets: { type: array, default: [{ name: a }, { name: b }] }
steps:
  - id: first
    action: misbehave.mutateInputs
    forEach: \${{ params.targets }}
    concurrency: 1
    with: { hosts: "\${{ params.hosts }}", config: "\${{ params.config }}" }
  - id: second
    action: misbehave.mutateInputs
    with: { hosts: "\${{ params.hosts }}", config: "\${{ params.config }}", earlier: "\${{ steps.first.outputs.items }}" }
`,
    );
    const { r, report } = await run(file);
    expect(r.code).toBe(0);
    const original = { hosts: [1, 2], config: { mode: 'safe' }, targets: [{ name: 'a' }, { name: 'b' }] };
    expect(report.params).toEqual(original);
    // Each operation sees the params as they were, plus only what its own plan() added.
    const ownInputs = { hosts: [1, 2, 'from-plan'], config: { mode: 'safe' } };
    const first = report.steps[0]!.operations.map((o) => o.outputs);
    expect(first).toEqual([
      { received: { inputs: ownInputs, item: { name: 'a' } } },
      { received: { inputs: ownInputs, item: { name: 'b' } } },
    ]);
    expect(report.steps[1]!.operations[0]!.outputs).toEqual({
      received: { inputs: { ...ownInputs, earlier: first }, item: null },
    });
  });
});
