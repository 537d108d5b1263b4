// `runbook plan --revert-from`: the preview of a revert, offline and online, saved with --out and run with
// `apply`; waits in a revert; and the refusals `revert` and `plan --revert-from` share. Through the CLI,
// against one simulator that keeps its state between the run, the preview and the revert.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { ROOT, runCli } from '../helpers/cli.js';
import { startSimulator } from '../../src/sim/index.js';
import { reportSchemaErrors } from '../helpers/report-schema.js';
import { baoConnection, ocpStep, runbookYaml } from '../helpers/runbooks.js';
import { BELL_RUNBOOK, EIGHT_HOSTS, simEnv, windowBed } from '../helpers/window-sim.js';

const bed = windowBed({
  ocp: EIGHT_HOSTS,
  bao: {
    transitionDelayMs: 0,
    peers: [
      { name: 'AP1', type: 'AP' },
      { name: 'AP2', type: 'AP' },
      { name: 'LAP', type: 'LAP', status: 'STOPPED' },
    ],
  },
});
const { cli, statusOf, readJson } = bed;

function restartUrl(host: number): string {
  return `${bed.sim.url}/api/v2/compute/hosts/${host}/agent/processes/185/restart`;
}

const planSchema = new Ajv2020({ strict: false, validateFormats: false }).compile(
  JSON.parse(readFileSync(`${ROOT}/schemas/plan.schema.json`, 'utf8')) as object,
);

/** Stops process 185 on hosts 20..27, one at a time, tolerating one failure: 20 and 22..25 stop, 21 was stopped already, 26 and 27 fail. */
const STOP_EIGHT = runbookYaml({
  name: 'stop-eight',
  steps: [
    ocpStep({ id: 'stop', hosts: [20, 21, 22, 23, 24, 25, 26, 27], concurrency: 1, maxErrors: 1 }),
    ocpStep({ id: 'after', hosts: [20] }),
  ],
});
const STOPPED = [20, 22, 23, 24, 25];

/** Runs STOP_EIGHT: 5 of the 8 processes end stopped by the run. Returns the run's id. */
async function stopFiveOfEight(): Promise<string> {
  bed.ws.write('rb.yaml', STOP_EIGHT);
  bed.sim.ocp.setProcessStatus(21, 185, 'STOPPED');
  const run = await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock']);
  expect(run.code).toBe(1);
  expect(readJson('run.json').steps[0].summary).toMatchObject({ changed: 5, unchanged: 1, failed: 2 });
  bed.sim.resetStats();
  return readJson('run.json').runId;
}

function statuses(): (string | undefined)[] {
  return [20, 21, 22, 23, 24, 25, 26, 27].map(statusOf);
}

describe('plan --revert-from', () => {
  it('offline: lists exactly the inverse operations with their requests and the run id, and sends nothing', async () => {
    const runId = await stopFiveOfEight();
    const before = statuses();

    const text = await cli(['plan', 'rb.yaml', '--revert-from', 'run.json']);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Revert of run ${runId} (run.json)`);
    expect(text.stdout).toContain('Step 1/1  stop  ocp.restartAgentProcess via ocp  (5 operations)');
    for (const h of STOPPED) expect(text.stdout).toContain(`stop/host=${h}/process=185  POST ${restartUrl(h)}`);
    expect(text.stdout).not.toContain('host=21');
    expect(text.stdout).toContain('5 operations in 1 step. Nothing was sent.');

    const json = await cli(['plan', 'rb.yaml', '--revert-from', 'run.json', '--json']);
    expect(json.code).toBe(0);
    const plan = JSON.parse(json.stdout);
    expect(planSchema(plan), JSON.stringify(planSchema.errors)).toBe(true);
    expect(plan.revertOf).toBe(runId);
    expect(plan.steps.map((s: { id: string; action: string }) => [s.id, s.action])).toEqual([['stop', 'ocp.restartAgentProcess']]);
    expect(plan.steps[0].operations.map((o: { key: string; inputs: unknown; requests: unknown }) => [o.key, o.inputs, o.requests])).toEqual(
      STOPPED.map((h) => [
        `stop/host=${h}/process=185`,
        { hostId: h, agentProcessId: 185, onlyIfStopped: true },
        [{ method: 'POST', url: restartUrl(h) }],
      ]),
    );

    expect((await cli(['plan', 'rb.yaml', '--revert-from', 'run.json', '--detailed-exitcode'])).code).toBe(5);
    expect(bed.sim.requests).toEqual([]);
    expect(statuses()).toEqual(before);
  });

  it('online: reads with GET only, predicts each inverse operation, and changes nothing', async () => {
    await stopFiveOfEight();
    // Someone restarted host 23's process since the run: the revert would leave it alone.
    bed.sim.ocp.setProcessStatus(23, 185, 'STARTED');
    const before = statuses();
    const r = await cli(['plan', 'rb.yaml', '--revert-from', 'run.json', '--online', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(planSchema(plan), JSON.stringify(planSchema.errors)).toBe(true);
    expect(plan.online).toBe(true);
    const predicted = plan.steps[0].operations.map((o: { key: string; prediction: { outcome: string } }) => [o.key, o.prediction.outcome]);
    expect(predicted).toEqual(STOPPED.map((h) => [`stop/host=${h}/process=185`, h === 23 ? 'unchanged' : 'would change']));
    expect(bed.sim.requests.length).toBeGreaterThan(0);
    expect(bed.sim.requests.filter((q) => q.method !== 'GET')).toEqual([]);
    expect(statuses()).toEqual(before);
  });

  it('--out then apply restarts exactly those processes, as a revert with its own report', async () => {
    const runId = await stopFiveOfEight();
    const saved = await cli(['plan', 'rb.yaml', '--revert-from', 'run.json', '--out', 'p.json']);
    expect(saved.code).toBe(0);
    expect(saved.stdout).toContain('Saved to p.json; run it as reviewed with: runbook apply p.json');
    const plan = readJson('p.json');
    expect(planSchema(plan), JSON.stringify(planSchema.errors)).toBe(true);
    expect(plan.revertOf).toBe(runId);
    expect(bed.sim.requests).toEqual([]);

    const applied = await cli(['apply', 'p.json', '--report', 'revert.json', '--lock', 'lock']);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const posts = bed.sim.requests.filter((q) => q.method === 'POST').map((q) => q.path);
    expect(posts.sort()).toEqual(STOPPED.map((h) => `/api/v2/compute/hosts/${h}/agent/processes/185/restart`));
    expect(statuses()).toEqual(['STARTED', 'STOPPED', 'STARTED', 'STARTED', 'STARTED', 'STARTED', 'STARTED', 'STARTED']);
    const report = readJson('revert.json');
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.revertOf).toBe(runId);
    expect(report.steps.map((s: { id: string; action: string }) => [s.id, s.action])).toEqual([['stop', 'ocp.restartAgentProcess']]);
    expect(report.summary).toMatchObject({ total: 5, changed: 5 });
    // The failure budget of the step it undoes: the revert runs under the step's settings, as `revert` does.
    expect(report.steps[0].maxErrors).toBe(1);
  });

  it('apply refuses a revert plan as any plan: another target, too old, malformed, or its runbook changed; with exit 2, sending nothing', async () => {
    await stopFiveOfEight();
    expect((await cli(['plan', 'rb.yaml', '--revert-from', 'run.json', '--out', 'p.json'])).code).toBe(0);

    const elsewhere = await runCli(['apply', 'p.json', '--lock', 'lock'], {
      env: { ...simEnv(bed.sim.url), OCP_URL: 'http://127.0.0.1:9' },
      cwd: bed.ws.dir,
      timeoutMs: 30_000,
    });
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain('[PLAN_TARGET_CHANGED]');

    const old = await cli(['apply', 'p.json', '--max-age', '1ms', '--lock', 'lock']);
    expect(old.code).toBe(2);
    expect(old.stderr).toMatch(/more than --max-age allows.*\[PLAN_STALE\]/);

    writeFileSync(bed.ws.path('bad.json'), JSON.stringify({ ...readJson('p.json'), revertOf: 42 }));
    const malformed = await cli(['apply', 'bad.json', '--lock', 'lock']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/"revertOf" is not the id of a run.*\[USAGE\]/);

    bed.ws.write('rb.yaml', `${STOP_EIGHT}# edited\n`);
    const edited = await cli(['apply', 'p.json', '--lock', 'lock']);
    expect(edited.code).toBe(2);
    expect(edited.stderr).toMatch(/has changed since this plan was made.*\[PLAN_STALE\]/);
    expect(bed.sim.requests).toEqual([]);
    expect(statuses().filter((s) => s === 'STOPPED')).toHaveLength(6);
  });

  it('with --sim: previews online against the built-in simulator, where every process is STARTED', async () => {
    bed.ws.write('rb.yaml', runbookYaml({ name: 'simulated', steps: [ocpStep({ hosts: [20, 21] })] }));
    expect((await cli(['run', 'rb.yaml', '--sim', '--report', 'run.json', '--lock', 'lock'])).code).toBe(0);
    const r = await cli(['plan', 'rb.yaml', '--revert-from', 'run.json', '--sim', '--online', '--detailed-exitcode']);
    expect(r.stderr).toBe('');
    // A fresh simulator: the processes the run stopped are STARTED there, so the revert would change nothing.
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2 operations in 1 step: 0 would change, 2 unchanged, 0 would fail. Sent 2 GET requests.');
    expect(bed.sim.requests).toEqual([]);
  });

  it('accepts the journal of a run killed with SIGKILL', async () => {
    bed.ws.write('rb.yaml', runbookYaml({ name: 'killed', steps: [ocpStep({ hosts: [20, 21, 22, 23, 24, 25], concurrency: 1 })] }));
    const journal = bed.ws.path('run.json.journal.jsonl');
    const changedKeys = (): string[] =>
      existsSync(journal)
        ? readFileSync(journal, 'utf8')
            .split('\n')
            .filter((l) => l.includes('"type":"op"') && l.includes('"status":"changed"'))
            .map((l) => JSON.parse(l).record.key as string)
        : [];
    // Each stop answers after 300 ms: the run is killed once the journal holds two stops.
    const slow = await startSimulator({ port: 0, config: { ocp: { processActionDelayMs: 300 } } });
    try {
      const slowEnv = { ...simEnv(bed.sim.url), OCP_URL: slow.url };
      const run = await runCli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock'], {
        env: slowEnv,
        cwd: bed.ws.dir,
        timeoutMs: 30_000,
        onSpawn: (child) => {
          const timer = setInterval(() => {
            if (changedKeys().length >= 2) {
              clearInterval(timer);
              child.kill('SIGKILL');
            }
          }, 20);
          child.on('close', () => clearInterval(timer));
        },
      });
      expect(run.signal).toBe('SIGKILL');
      expect(existsSync(bed.ws.path('run.json'))).toBe(false);
      const changed = changedKeys();
      expect(changed.length).toBeGreaterThanOrEqual(2);
      slow.resetStats();
      const r = await runCli(['plan', 'rb.yaml', '--revert-from', 'run.json.journal.jsonl', '--json'], {
        env: slowEnv,
        cwd: bed.ws.dir,
        timeoutMs: 30_000,
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const plan = JSON.parse(r.stdout);
      expect(plan.steps[0].operations.map((o: { key: string }) => o.key).sort()).toEqual(changed.sort());
      expect(slow.requests).toEqual([]);
    } finally {
      await slow.close();
    }
  });
});

/** Stops AP1 and AP2 as a group, then waits for them to be STOPPED. */
const STOP_AND_WAIT = runbookYaml({
  name: 'peers',
  connections: { bao: baoConnection() },
  steps: [
    { id: 'stop', action: 'bao.stopPeers', connection: 'bao', with: { peers: ['AP1', 'AP2'] } },
    { id: 'wait', action: 'bao.waitForPeers', connection: 'bao', with: { peers: ['AP1', 'AP2'], status: 'STOPPED', interval: '100ms' } },
  ],
});

describe('a wait in a revert', () => {
  it('"stop peers; wait for STOPPED" reverts to "start the same peers; wait for RUNNING", in that order', async () => {
    bed.ws.write('rb.yaml', STOP_AND_WAIT);
    expect((await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock'])).code).toBe(0);
    expect(['AP1', 'AP2'].map((p) => bed.sim.bao.peer(p)?.status)).toEqual(['STOPPED', 'STOPPED']);
    bed.sim.resetStats();

    const preview = await cli(['plan', 'rb.yaml', '--revert-from', 'run.json', '--json']);
    expect(preview.code).toBe(0);
    const plan = JSON.parse(preview.stdout);
    expect(plan.steps.map((s: { id: string; action: string }) => [s.id, s.action])).toEqual([
      ['stop', 'bao.startPeers'],
      ['wait', 'bao.waitForPeers'],
    ]);
    expect(plan.steps[0].operations[0].requests).toEqual([
      { method: 'POST', url: `${bed.sim.url}/baocdp/rest/peer/start`, body: { peers: [{ name: 'AP1' }, { name: 'AP2' }] } },
    ]);
    // At the pace and within the bound of the wait it undoes.
    expect(plan.steps[1].operations[0].inputs).toEqual({ peers: ['AP1', 'AP2'], status: 'RUNNING', interval: '100ms', timeout: '10m' });
    expect(bed.sim.requests).toEqual([]);

    const revert = await cli(['revert', 'rb.yaml', '--from', 'run.json', '--report', 'revert.json', '--lock', 'lock']);
    expect(revert.stderr).toBe('');
    expect(revert.code).toBe(0);
    const report = readJson('revert.json');
    expect(report.steps.map((s: { id: string; action: string; status: string }) => [s.id, s.action, s.status])).toEqual([
      ['stop', 'bao.startPeers', 'succeeded'],
      ['wait', 'bao.waitForPeers', 'succeeded'],
    ]);
    // The wait polls after the start was sent.
    const sent = bed.sim.requests.map((q) => `${q.method} ${q.pathname}`);
    const start = sent.indexOf('POST /baocdp/rest/peer/start');
    expect(start).toBeGreaterThan(-1);
    expect(sent.lastIndexOf('GET /baocdp/rest/info/peer')).toBeGreaterThan(start);
    expect(['AP1', 'AP2'].map((p) => bed.sim.bao.peer(p)?.status)).toEqual(['RUNNING', 'RUNNING']);
  });

  it('waits only for the peers the revert starts: a peer already STOPPED before the run stays so, and is not waited for', async () => {
    bed.ws.write('rb.yaml', STOP_AND_WAIT);
    bed.sim.bao.setPeerStatus('AP2', 'STOPPED');
    expect((await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock'])).code).toBe(0);

    const preview = JSON.parse((await cli(['plan', 'rb.yaml', '--revert-from', 'run.json', '--json'])).stdout);
    expect(preview.steps.map((s: { operations: { inputs: unknown }[] }) => s.operations[0]!.inputs)).toEqual([
      { peers: ['AP1'] },
      { peers: ['AP1'], status: 'RUNNING', interval: '100ms', timeout: '10m' },
    ]);
    // Waiting for AP2 too would only end with WAIT_TIMEOUT: nothing starts it.
    const revert = await cli(['revert', 'rb.yaml', '--from', 'run.json', '--report', 'revert.json', '--lock', 'lock']);
    expect(revert.code, revert.stderr).toBe(0);
    expect(revert.stdout).toContain(`Revert of run ${readJson('run.json').runId} succeeded: 2 operations`);
    expect(['AP1', 'AP2'].map((p) => bed.sim.bao.peer(p)?.status)).toEqual(['RUNNING', 'STOPPED']);
  });

  it('is not undone when the step before it changed nothing: no wait for peers the revert does not start', async () => {
    bed.ws.write('rb.yaml', STOP_AND_WAIT);
    bed.sim.bao.setPeerStatus('AP1', 'STOPPED');
    bed.sim.bao.setPeerStatus('AP2', 'STOPPED');
    expect((await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock'])).code).toBe(0);
    expect(readJson('run.json').steps.map((s: { summary: { unchanged: number } }) => s.summary.unchanged)).toEqual([1, 1]);
    const preview = await cli(['plan', 'rb.yaml', '--revert-from', 'run.json']);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain('Nothing to undo');
    expect(preview.stdout).toContain('0 operations in 0 steps.');
  });
});

describe('refusals of revert and plan --revert-from, with exit 2, the error code and no stack trace', () => {
  /** Both commands, with `from` as the report or journal: each must refuse with `code`, its stderr matching `message`. */
  async function bothRefuse(file: string, from: string, code: string, message: string | RegExp, ...flags: string[]): Promise<void> {
    for (const args of [
      ['revert', file, '--from', from, '--lock', 'lock', ...flags],
      ['plan', file, '--revert-from', from, ...flags],
    ]) {
      const r = await cli(args);
      expect(r.code, `${args.join(' ')}\n${r.stderr}`).toBe(2);
      expect(r.stderr).toContain(`[${code}]`);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    }
    expect(bed.sim.requests.filter((q) => q.method !== 'GET')).toEqual([]);
  }

  it('a dry-run report', async () => {
    bed.ws.write('rb.yaml', runbookYaml({ name: 'dry', steps: [ocpStep({ hosts: [20] })] }));
    expect((await cli(['run', 'rb.yaml', '--dry-run', '--report', 'dry.json'])).code).toBe(0);
    await bothRefuse('rb.yaml', 'dry.json', 'USAGE', 'dry.json is the report of a dry run');
  });

  it('a report of another runbook', async () => {
    bed.ws.write('a.yaml', runbookYaml({ name: 'first', steps: [ocpStep({ hosts: [20] })] }));
    bed.ws.write('b.yaml', runbookYaml({ name: 'second', steps: [ocpStep({ hosts: [20] })] }));
    expect((await cli(['run', 'a.yaml', '--report', 'a.json', '--lock', 'lock'])).code).toBe(0);
    bed.sim.resetStats();
    await bothRefuse('b.yaml', 'a.json', 'USAGE', "belongs to another runbook: it records a run of 'first'");
  });

  it('a runbook that changed since the run, unless --accept-changed-runbook', async () => {
    bed.ws.write('rb.yaml', runbookYaml({ name: 'edited', steps: [ocpStep({ hosts: [20] })] }));
    expect((await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock'])).code).toBe(0);
    bed.ws.write('rb.yaml', runbookYaml({ name: 'edited', description: 'edited since', steps: [ocpStep({ hosts: [20] })] }));
    bed.sim.resetStats();
    await bothRefuse('rb.yaml', 'run.json', 'PLAN_STALE', '--accept-changed-runbook');
    const accepted = await cli(['plan', 'rb.yaml', '--revert-from', 'run.json', '--accept-changed-runbook']);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toContain(`POST ${restartUrl(20)}`);
  });

  it('a secret param not given again', async () => {
    bed.ws.write(
      'rb.yaml',
      runbookYaml({
        name: 'secret',
        params: { token: { type: 'string', secret: true, default: 'none' } },
        steps: [ocpStep({ hosts: [20] })],
      }),
    );
    expect((await cli(['run', 'rb.yaml', '--param', 'token=s3cr3t-value', '--report', 'run.json', '--lock', 'lock'])).code).toBe(0);
    bed.sim.resetStats();
    await bothRefuse('rb.yaml', 'run.json', 'BAD_PARAM', "param 'token' is secret");
    bed.ws.write('params.yaml', 'token: s3cr3t-value\n');
    const given = await cli(['plan', 'rb.yaml', '--revert-from', 'run.json', '--params-file', 'params.yaml', '--json']);
    expect(given.code).toBe(0);
    expect(given.stdout).not.toContain('s3cr3t-value');
    expect(JSON.parse(given.stdout).params.token).toBe('[REDACTED]');
  });

  it('a change without an inverse, naming it; with --skip-irreversible the preview says what it leaves as it is', async () => {
    bed.ws.write('rb.yaml', BELL_RUNBOOK);
    expect((await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock'])).code).toBe(0);
    bed.sim.resetStats();
    await bothRefuse('rb.yaml', 'run.json', 'IRREVERSIBLE', "step 'ring' (acme.ring, 1 changed)");

    const skipped = await cli(['plan', 'rb.yaml', '--revert-from', 'run.json', '--skip-irreversible']);
    expect(skipped.code).toBe(0);
    expect(skipped.stdout).toContain("Left as they are (no inverse, --skip-irreversible): step 'ring' (acme.ring, 1 changed)");
    expect(skipped.stdout).toContain(`POST ${restartUrl(20)}`);
    const json = JSON.parse((await cli(['plan', 'rb.yaml', '--revert-from', 'run.json', '--skip-irreversible', '--json'])).stdout);
    expect(planSchema(json), JSON.stringify(planSchema.errors)).toBe(true);
    expect(json.irreversible).toEqual([{ step: 'ring', action: 'acme.ring', changed: 1 }]);
    expect(bed.sim.requests).toEqual([]);
  });

  it('a --from file that is missing', async () => {
    bed.ws.write('rb.yaml', runbookYaml({ name: 'missing', steps: [ocpStep({ hosts: [20] })] }));
    await bothRefuse('rb.yaml', 'nowhere.json', 'FILE_NOT_FOUND', /cannot read .*nowhere\.json: ENOENT/);
  });

  it('a --from file that is neither a report nor a journal', async () => {
    bed.ws.write('rb.yaml', runbookYaml({ name: 'malformed', steps: [ocpStep({ hosts: [20] })] }));
    bed.ws.write('garbage.json', '{"reportVersion": 1, "steps": "no"');
    await bothRefuse('rb.yaml', 'garbage.json', 'USAGE', 'garbage.json is neither a runbook report nor a journal');
    writeFileSync(bed.ws.path('broken.journal.jsonl'), 'this is not a journal\n');
    await bothRefuse('rb.yaml', 'broken.journal.jsonl', 'SCHEMA', 'broken.journal.jsonl: not a runbook journal');
  });

  it('plan takes --skip-irreversible and --accept-changed-runbook only with --revert-from', async () => {
    bed.ws.write('rb.yaml', runbookYaml({ name: 'flags', steps: [ocpStep({ hosts: [20] })] }));
    for (const flag of ['--skip-irreversible', '--accept-changed-runbook']) {
      const r = await cli(['plan', 'rb.yaml', flag]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`plan takes ${flag} only with --revert-from`);
    }
  });
});
