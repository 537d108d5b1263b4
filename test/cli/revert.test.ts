// `runbook revert`: undoes exactly what a run changed, through the CLI, against one simulator that keeps
// its state between the run and the revert (the runbook's connections read its URL from the environment).

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startSimulator } from '../../src/sim/index.js';
import { reportSchemaErrors } from '../helpers/report-schema.js';
import { baoConnection, ocpStep, runbookYaml } from '../helpers/runbooks.js';
import { BELL_RUNBOOK, EIGHT_HOSTS, simEnv, windowBed } from '../helpers/window-sim.js';

const FIXTURES = new URL('../fixtures/plugins/', import.meta.url).pathname;

const bed = windowBed({
  ocp: EIGHT_HOSTS,
  bao: {
    transitionDelayMs: 0,
    peers: [
      { name: 'AP1', type: 'AP' },
      { name: 'LAP', type: 'LAP', status: 'STOPPED' },
    ],
  },
});
const { cli, statusOf, postsTo, readJson } = bed;

/** Stops process 185 on hosts 20..27, one at a time, tolerating one failure: 20..25 stop, 26 and 27 fail. */
const STOP_EIGHT = runbookYaml({
  name: 'stop-eight',
  steps: [
    ocpStep({ id: 'stop', hosts: [20, 21, 22, 23, 24, 25, 26, 27], concurrency: 1, maxErrors: 1 }),
    ocpStep({ id: 'after', hosts: [20] }),
  ],
});

describe('runbook revert', () => {
  it('restarts exactly the processes a failed run stopped, and leaves alone the one already STOPPED', async () => {
    bed.ws.write('rb.yaml', STOP_EIGHT);
    bed.sim.ocp.setProcessStatus(21, 185, 'STOPPED');
    const run = await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock']);
    expect(run.code).toBe(1);
    const report = readJson('run.json');
    expect(report.steps[0].summary).toMatchObject({ changed: 5, unchanged: 1, failed: 2 });
    bed.sim.resetStats();

    const revert = await cli([
      'revert',
      'rb.yaml',
      '--from',
      'run.json',
      '--report',
      'revert.json',
      '--summary-md',
      'revert.md',
      '--lock',
      'lock',
    ]);
    expect(revert.stderr).toBe('');
    expect(revert.code).toBe(0);
    expect(postsTo('restart').sort()).toEqual([20, 22, 23, 24, 25].map((h) => `/api/v2/compute/hosts/${h}/agent/processes/185/restart`));
    expect(postsTo('stop')).toEqual([]);
    for (const h of [20, 22, 23, 24, 25]) expect(statusOf(h)).toBe('STARTED');
    expect(statusOf(21)).toBe('STOPPED');
    const undone = readJson('revert.json');
    expect(undone.revertOf).toBe(report.runId);
    expect(reportSchemaErrors(undone)).toEqual([]);
    expect(readFileSync(bed.ws.path('revert.md'), 'utf8')).toContain(`revert of \`${report.runId}\``);
    expect(undone.mode).toBe('run');
    expect(undone.steps.map((s: { id: string; action: string }) => [s.id, s.action])).toEqual([['stop', 'ocp.restartAgentProcess']]);
    expect(undone.summary).toMatchObject({ total: 5, changed: 5 });
    // The failure budget of the step it undoes (maxErrors: 1), as a count of its operations.
    expect(undone.steps[0].maxErrors).toBe(1);
  });

  it('ends unchanged, not failed, for a process someone restarted since the run', async () => {
    bed.ws.write('rb.yaml', runbookYaml({ name: 'moved', steps: [ocpStep({ hosts: [20, 22] })] }));
    expect((await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock'])).code).toBe(0);
    bed.sim.ocp.setProcessStatus(22, 185, 'STARTED');
    bed.sim.resetStats();
    const revert = await cli(['revert', 'rb.yaml', '--from', 'run.json', '--report', 'revert.json', '--lock', 'lock']);
    expect(revert.code).toBe(0);
    expect(postsTo('restart')).toEqual(['/api/v2/compute/hosts/20/agent/processes/185/restart']);
    const ops = readJson('revert.json').steps[0].operations;
    expect(ops.map((o: { key: string; status: string }) => [o.key, o.status])).toEqual([
      ['stop/host=20/process=185', 'changed'],
      ['stop/host=22/process=185', 'unchanged'],
    ]);
  });

  it('a revert of a revert restores the state the first run left', async () => {
    bed.ws.write('rb.yaml', runbookYaml({ name: 'twice', steps: [ocpStep({ hosts: [20, 21, 22] })] }));
    bed.sim.ocp.setProcessStatus(21, 185, 'STOPPED');
    expect((await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock'])).code).toBe(0);
    const first = [20, 21, 22].map(statusOf);
    expect(first).toEqual(['STOPPED', 'STOPPED', 'STOPPED']);
    expect((await cli(['revert', 'rb.yaml', '--from', 'run.json', '--report', 'revert.json', '--lock', 'lock'])).code).toBe(0);
    expect([20, 21, 22].map(statusOf)).toEqual(['STARTED', 'STOPPED', 'STARTED']);
    bed.sim.resetStats();
    const again = await cli(['revert', 'rb.yaml', '--from', 'revert.json', '--report', 'again.json', '--lock', 'lock']);
    expect(again.code).toBe(0);
    expect([20, 21, 22].map(statusOf)).toEqual(first);
    expect(postsTo('stop').sort()).toEqual([20, 22].map((h) => `/api/v2/compute/hosts/${h}/agent/processes/185/stop`));
    expect(readJson('again.json').revertOf).toBe(readJson('revert.json').runId);
  });

  it('undoes what the journal of a run killed with SIGKILL says changed', async () => {
    bed.ws.write('rb.yaml', runbookYaml({ name: 'killed', steps: [ocpStep({ hosts: [20, 21, 22, 23, 24, 25], concurrency: 1 })] }));
    const journal = bed.ws.path('run.json.journal.jsonl');
    const changedInJournal = () =>
      existsSync(journal)
        ? readFileSync(journal, 'utf8')
            .split('\n')
            .filter((l) => l.includes('"type":"op"') && l.includes('"status":"changed"')).length
        : 0;
    // Each stop answers after 300 ms: the run is killed once the journal holds two stops.
    bed.sim.resetState();
    const slow = await startSimulator({ port: 0, config: { ocp: { processActionDelayMs: 300 } } });
    try {
      const slowEnv = { ...simEnv(bed.sim.url), OCP_URL: slow.url };
      const run = runCli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock'], {
        env: slowEnv,
        cwd: bed.ws.dir,
        timeoutMs: 30_000,
        onSpawn: (child) => {
          const timer = setInterval(() => {
            if (changedInJournal() >= 2) {
              clearInterval(timer);
              child.kill('SIGKILL');
            }
          }, 20);
          child.on('close', () => clearInterval(timer));
        },
      });
      expect((await run).signal).toBe('SIGKILL');
      expect(existsSync(bed.ws.path('run.json'))).toBe(false);
      const changedHosts = readFileSync(journal, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"type":"op"') && l.includes('"status":"changed"'))
        .map((l) => JSON.parse(l).record.key as string);
      expect(changedHosts.length).toBeGreaterThanOrEqual(2);
      slow.resetStats();
      const revert = await runCli(['revert', 'rb.yaml', '--from', 'run.json.journal.jsonl', '--report', 'revert.json', '--lock', 'lock'], {
        env: slowEnv,
        cwd: bed.ws.dir,
        timeoutMs: 30_000,
      });
      expect(revert.code).toBe(0);
      const restarted = slow.requests.filter((r) => r.method === 'POST').map((r) => r.path);
      const expected = changedHosts.map((k) => `/api/v2/compute/hosts/${/host=(\d+)/.exec(k)![1]}/agent/processes/185/restart`);
      expect(restarted.sort()).toEqual(expected.sort());
    } finally {
      await slow.close();
    }
  });

  it('restarts the agent of the host whose agent a run stopped', async () => {
    bed.ws.write(
      'rb.yaml',
      runbookYaml({ name: 'agent', steps: [ocpStep({ id: 'agent', action: 'ocp.stopAgent', hosts: [21], with: { interval: '100ms' } })] }),
    );
    expect((await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock'])).code).toBe(0);
    bed.sim.resetStats();
    const revert = await cli(['revert', 'rb.yaml', '--from', 'run.json', '--report', 'revert.json', '--lock', 'lock']);
    expect(revert.code).toBe(0);
    expect(postsTo('restart')).toEqual(['/api/v2/compute/hosts/21/agent/restart']);
    expect(readJson('revert.json').steps[0].action).toBe('ocp.restartAgent');
  });

  it('undoes a plugin action with the inverse the plugin declares', async () => {
    bed.ws.write(
      'rb.yaml',
      runbookYaml({
        name: 'switches',
        plugins: [`${FIXTURES}switch.js`],
        connections: {},
        steps: [{ id: 'off', action: 'acme.switchOff', forEach: ['a', 'b'], with: { file: `${bed.ws.dir}/\${{ item }}` } }],
      }),
    );
    bed.ws.write('b', 'off');
    expect((await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock'])).code).toBe(0);
    expect(readFileSync(bed.ws.path('a'), 'utf8')).toBe('off');
    const revert = await cli(['revert', 'rb.yaml', '--from', 'run.json', '--report', 'revert.json', '--lock', 'lock']);
    expect(revert.code).toBe(0);
    expect(readFileSync(bed.ws.path('a'), 'utf8')).toBe('on');
    // b was already off before the run: the run left it unchanged, so the revert leaves it alone.
    expect(readFileSync(bed.ws.path('b'), 'utf8')).toBe('off');
    const undone = readJson('revert.json');
    expect(undone.steps[0].action).toBe('acme.switchOn');
    expect(undone.summary).toMatchObject({ total: 1, changed: 1 });
  });

  it('starts again only the peers a group stop sent, not those already stopped', async () => {
    bed.ws.write(
      'rb.yaml',
      runbookYaml({
        name: 'peers',
        connections: { bao: baoConnection() },
        steps: [{ id: 'stop', action: 'bao.stopPeers', connection: 'bao', with: { peers: ['AP1', 'LAP'] } }],
      }),
    );
    expect(bed.sim.bao.peer('LAP')?.status).toBe('STOPPED');
    expect((await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock'])).code).toBe(0);
    bed.sim.resetStats();
    const revert = await cli(['revert', 'rb.yaml', '--from', 'run.json', '--report', 'revert.json', '--lock', 'lock']);
    expect(revert.code).toBe(0);
    const starts = bed.sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/peer/start'));
    expect(starts.map((r) => JSON.parse(r.body ?? '{}'))).toEqual([{ peers: [{ name: 'AP1' }] }]);
    expect(bed.sim.bao.peer('LAP')?.status).toBe('STOPPED');
  });
});

describe('runbook revert refuses, with exit 2 and no stack trace', () => {
  it('an action with no inverse, naming it; --skip-irreversible undoes the rest', async () => {
    bed.ws.write('rb.yaml', BELL_RUNBOOK);
    expect((await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock'])).code).toBe(0);
    bed.sim.resetStats();
    const refused = await cli(['revert', 'rb.yaml', '--from', 'run.json', '--lock', 'lock']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("step 'ring' (acme.ring, 1 changed)");
    expect(refused.stderr).toContain('[IRREVERSIBLE]');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(bed.sim.requests.filter((r) => r.method === 'POST')).toEqual([]);

    const skipped = await cli(['revert', 'rb.yaml', '--from', 'run.json', '--skip-irreversible', '--lock', 'lock']);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toContain("step 'ring' (acme.ring");
    expect(postsTo('restart')).toEqual(['/api/v2/compute/hosts/20/agent/processes/185/restart']);
  });

  it('a dry-run report', async () => {
    bed.ws.write('rb.yaml', runbookYaml({ name: 'dry', steps: [ocpStep({ hosts: [20] })] }));
    expect((await cli(['run', 'rb.yaml', '--dry-run', '--report', 'dry.json'])).code).toBe(0);
    const r = await cli(['revert', 'rb.yaml', '--from', 'dry.json', '--lock', 'lock']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('dry.json is the report of a dry run');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a report of another runbook', async () => {
    bed.ws.write('a.yaml', runbookYaml({ name: 'first', steps: [ocpStep({ hosts: [20] })] }));
    bed.ws.write('b.yaml', runbookYaml({ name: 'second', steps: [ocpStep({ hosts: [20] })] }));
    expect((await cli(['run', 'a.yaml', '--report', 'a.json', '--lock', 'lock'])).code).toBe(0);
    bed.sim.resetStats();
    const r = await cli(['revert', 'b.yaml', '--from', 'a.json', '--lock', 'lock']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("belongs to another runbook: it records a run of 'first'");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(bed.sim.requests.filter((q) => q.method === 'POST')).toEqual([]);
  });

  it('a runbook that changed since the run, unless --accept-changed-runbook', async () => {
    bed.ws.write('rb.yaml', runbookYaml({ name: 'edited', steps: [ocpStep({ hosts: [20] })] }));
    expect((await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock'])).code).toBe(0);
    bed.ws.write('rb.yaml', runbookYaml({ name: 'edited', description: 'edited since', steps: [ocpStep({ hosts: [20] })] }));
    const refused = await cli(['revert', 'rb.yaml', '--from', 'run.json', '--lock', 'lock']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--accept-changed-runbook');
    expect(refused.stderr).toContain('[PLAN_STALE]');
    expect(statusOf(20)).toBe('STOPPED');
    const accepted = await cli(['revert', 'rb.yaml', '--from', 'run.json', '--accept-changed-runbook', '--lock', 'lock']);
    expect(accepted.code).toBe(0);
    expect(statusOf(20)).toBe('STARTED');
  });

  it('a revert without --from', async () => {
    bed.ws.write('rb.yaml', runbookYaml({ name: 'nofrom', steps: [ocpStep({ hosts: [20] })] }));
    const r = await cli(['revert', 'rb.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('revert needs --from');
  });
});
