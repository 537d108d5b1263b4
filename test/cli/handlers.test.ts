// onFailure, finally and core.revert: through the CLI, against one simulator whose state the tests read
// back (the runbook's connections read its URL from the environment).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { reportSchemaErrors } from '../helpers/report-schema.js';
import { baoConnection, ocpStep, runbookYaml } from '../helpers/runbooks.js';
import { EIGHT_HOSTS, simEnv, windowBed } from '../helpers/window-sim.js';

const bed = windowBed({
  ocp: EIGHT_HOSTS,
});
const { cli, statusOf, postsTo, readJson } = bed;

const restartPath = (host: number) => `/api/v2/compute/hosts/${host}/agent/processes/185/restart`;

interface Step {
  id: string;
  action: string;
  status: string;
  reason?: string;
  undoes?: string;
  summary: Record<string, number>;
  operations: { key: string; status: string; attempts: number; request?: { method: string; url: string } }[];
}

/** A step that fails on purpose, after the steps that changed something. */
const FAIL = { id: 'peers', action: 'core.fail', with: { message: 'the peers did not stop' } };

/** A restart of process 185 on one host: a request the tests can see reach the simulator. */
function restart(id: string, host: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return ocpStep({ id, action: 'ocp.restartAgentProcess', hosts: [host], ...extra });
}

describe('onFailure with core.revert', () => {
  it('undoes a wait too: "stop peers; wait for STOPPED" then a failure starts the peers and waits for them RUNNING', async () => {
    bed.ws.write(
      'rb.yaml',
      runbookYaml({
        name: 'undo-peers',
        connections: { bao: baoConnection() },
        steps: [
          { id: 'stop', action: 'bao.stopPeers', connection: 'bao', with: { peers: ['AP1', 'AP2'] } },
          { id: 'wait', action: 'bao.waitForPeers', connection: 'bao', with: { peers: ['AP1', 'AP2'], interval: '100ms' } },
          FAIL,
        ],
        onFailure: [{ id: 'undo', action: 'core.revert' }],
      }),
    );
    const run = await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock']);
    expect(run.code, run.stderr).toBe(1);
    const undo = (readJson('run.json').onFailure as Step[]).map((s) => [s.id, s.action, s.status]);
    expect(undo).toEqual([
      ['undo', 'core.revert', 'succeeded'],
      ['undo.stop', 'bao.startPeers', 'succeeded'],
      ['undo.wait', 'bao.waitForPeers', 'succeeded'],
    ]);
    // The wait returned once the peers were RUNNING again, not before: they are RUNNING now.
    expect(['AP1', 'AP2'].map((p) => bed.sim.bao.peer(p)?.status)).toEqual(['RUNNING', 'RUNNING']);
    expect(readJson('run.json').steps.find((s: Step) => s.id === 'wait').status).toBe('succeeded');
  });

  it('run --resume sends again what the core.revert undid: those operations are not done any more', async () => {
    bed.ws.write(
      'rb.yaml',
      runbookYaml({
        name: 'resume-after-undo',
        params: { fail: { type: 'boolean', default: true } },
        steps: [ocpStep({ id: 'stop', hosts: [20, 21, 22] }), { ...FAIL, if: '${{ params.fail }}' }],
        onFailure: [{ id: 'undo', action: 'core.revert' }],
      }),
    );
    bed.sim.ocp.setProcessStatus(21, 185, 'STOPPED');
    expect((await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock'])).code).toBe(1);
    expect([20, 21, 22].map(statusOf)).toEqual(['STARTED', 'STOPPED', 'STARTED']);

    const resumed = await cli([
      'run',
      'rb.yaml',
      '--resume',
      'run.json',
      '--param',
      'fail=false',
      '--report',
      'again.json',
      '--lock',
      'lock',
    ]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect([20, 21, 22].map(statusOf)).toEqual(['STOPPED', 'STOPPED', 'STOPPED']);
    const stop = (readJson('again.json').steps as Step[]).find((s) => s.id === 'stop')!;
    // 20 and 22 were stopped, then restarted by the undo: sent again. 21 was left as it was: done.
    expect(stop.operations.map((o) => [o.key, o.status])).toEqual([
      ['stop/host=20/process=185', 'changed'],
      ['stop/host=21/process=185', 'skipped'],
      ['stop/host=22/process=185', 'changed'],
    ]);
  });

  it('restarts exactly the processes the run stopped, keeps the original failure and exit code 1', async () => {
    bed.ws.write(
      'rb.yaml',
      runbookYaml({
        name: 'undo-on-failure',
        steps: [ocpStep({ id: 'stop', hosts: [20, 21, 22, 23, 24, 25, 26, 27], concurrency: 2, maxErrors: 2 }), FAIL],
        onFailure: [{ id: 'undo', action: 'core.revert' }],
      }),
    );
    bed.sim.ocp.setProcessStatus(21, 185, 'STOPPED');
    const before = [20, 21, 22, 23, 24, 25, 26, 27].map(statusOf);
    const run = await cli([
      'run',
      'rb.yaml',
      '--report',
      'run.json',
      '--junit',
      'junit.xml',
      '--summary-md',
      'run.md',
      '--html',
      'run.html',
      '--lock',
      'lock',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    expect(postsTo('restart').sort()).toEqual([20, 22, 23, 24, 25].map(restartPath));
    expect([20, 21, 22, 23, 24, 25, 26, 27].map(statusOf)).toEqual(before);

    const report = readJson('run.json');
    expect(reportSchemaErrors(report)).toEqual([]);
    expect(report.status).toBe('failed');
    expect(report.error).toMatchObject({ code: 'STEP_FAILED' });
    expect(report.error.message).toContain("step 'peers' failed");
    expect(report.steps.map((s: Step) => [s.id, s.status])).toEqual([
      ['stop', 'succeeded'],
      ['peers', 'failed'],
    ]);
    expect(report.summary).toMatchObject({ changed: 5, unchanged: 1, failed: 3 });
    const [undo, inverse] = report.onFailure as Step[];
    expect([undo!.id, undo!.action, undo!.status]).toEqual(['undo', 'core.revert', 'succeeded']);
    expect(inverse).toMatchObject({ id: 'undo.stop', action: 'ocp.restartAgentProcess', status: 'succeeded', undoes: 'stop' });
    expect(inverse!.operations.map((o) => o.key).sort()).toEqual([20, 22, 23, 24, 25].map((h) => `stop/host=${h}/process=185`));
    // The same detail as any other operation record: the request it sent, how many tries.
    for (const op of inverse!.operations) {
      expect(op).toMatchObject({ status: 'changed', attempts: 1, request: { method: 'POST' } });
      expect(op.request!.url).toContain('/restart');
    }
    expect(report.onFailureSummary).toMatchObject({ total: 5, changed: 5 });
    // The core.revert step's header names what it undoes; each inverse step has its own header after it.
    expect(run.stdout).toMatch(
      /onFailure {2}undo {2}core\.revert {2}\(undoes stop\)\n[\s\S]*onFailure {2}undo\.stop {2}ocp\.restartAgentProcess/,
    );
    expect(readFileSync(bed.ws.path('junit.xml'), 'utf8')).toContain('<testsuite name="undo-on-failure.onFailure.undo.stop"');
    expect(readFileSync(bed.ws.path('run.md'), 'utf8')).toContain('onFailure: undo.stop');
    expect(readFileSync(bed.ws.path('run.html'), 'utf8')).toContain('onFailure: undo.stop');

    // The journal gives the same report, by the same fold.
    const rebuilt = await cli(['report', 'run.json.journal.jsonl', '--out', 'rebuilt.json']);
    expect(rebuilt.code).toBe(0);
    expect(readJson('rebuilt.json')).toEqual(report);

    // What the onFailure undid is not undone again by `runbook revert --from` this run.
    bed.sim.resetStats();
    const revert = await cli(['revert', 'rb.yaml', '--from', 'run.json', '--report', 'revert.json', '--lock', 'lock']);
    expect(revert.code).toBe(0);
    expect(readJson('revert.json').steps).toEqual([]);
    expect(postsTo('restart')).toEqual([]);
    expect(postsTo('stop')).toEqual([]);
  });

  it('with: { steps: [...] } undoes only the steps it names', async () => {
    bed.ws.write(
      'rb.yaml',
      runbookYaml({
        name: 'undo-some',
        steps: [ocpStep({ id: 'first', hosts: [20, 22] }), ocpStep({ id: 'second', hosts: [23] }), FAIL],
        onFailure: [{ id: 'undo', action: 'core.revert', with: { steps: ['first'] } }],
      }),
    );
    const run = await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock']);
    expect(run.code).toBe(1);
    expect(postsTo('restart').sort()).toEqual([20, 22].map(restartPath));
    expect([statusOf(20), statusOf(22), statusOf(23)]).toEqual(['STARTED', 'STARTED', 'STOPPED']);
    expect((readJson('run.json').onFailure as Step[]).map((s) => s.id)).toEqual(['undo', 'undo.first']);
  });

  it('says so when the run changed nothing it could undo, and succeeds', async () => {
    bed.ws.write('rb.yaml', runbookYaml({ name: 'undo-nothing', steps: [FAIL], onFailure: [{ id: 'undo', action: 'core.revert' }] }));
    const run = await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock']);
    expect(run.code).toBe(1);
    expect(postsTo('restart')).toEqual([]);
    expect(run.stdout).toContain('onFailure  undo  core.revert  (nothing this run changed is to be undone)\n');
    const undo = (readJson('run.json').onFailure as Step[])[0]!;
    expect(undo).toMatchObject({ id: 'undo', status: 'succeeded', reason: 'nothing this run changed is to be undone' });
  });

  it('does not run when the run succeeds; its steps are reported skipped', async () => {
    bed.ws.write(
      'rb.yaml',
      runbookYaml({ name: 'fine', steps: [ocpStep({ hosts: [20] })], onFailure: [{ id: 'undo', action: 'core.revert' }] }),
    );
    const run = await cli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock']);
    expect(run.code).toBe(0);
    expect(postsTo('restart')).toEqual([]);
    const report = readJson('run.json');
    expect(report.status).toBe('succeeded');
    expect(report.onFailure.map((s: Step) => [s.id, s.status])).toEqual([['undo', 'skipped']]);
    expect(report.onFailure[0].reason).toContain('only when the run fails');
    // The usual case is not news on the console: the report keeps it.
    expect(run.stdout).not.toContain('undo');
    expect(run.stdout).not.toContain('onFailure');
    expect(run.stdout).toMatch(/Run succeeded: 1 operation/);
  });
});

describe('finally', () => {
  it('runs after a run that succeeded and after one that failed, reading run.status and steps.<id>.changed', async () => {
    const finallySteps = [
      restart('after-success', 24, { if: "${{ run.status == 'succeeded' }}" }),
      restart('after-failure', 25, { if: "${{ run.status == 'failed' && steps.stop.status == 'succeeded' }}" }),
      // One operation per host the main step changed.
      ocpStep({ id: 'each-changed', action: 'ocp.restartAgentProcess', hosts: '${{ steps.stop.changed }}' }),
    ];
    // A main step reads them too: one more restart, of the hosts `stop` changed, once it succeeded.
    const again = ocpStep({
      id: 'again',
      action: 'ocp.stopAgentProcess',
      hosts: '${{ steps.stop.changed }}',
      if: "${{ steps.stop.status == 'succeeded' }}",
    });
    bed.ws.write('ok.yaml', runbookYaml({ name: 'ok', steps: [ocpStep({ hosts: [20, 21] }), again], finally: finallySteps }));
    bed.ws.write('ko.yaml', runbookYaml({ name: 'ko', steps: [ocpStep({ hosts: [22] }), FAIL], finally: finallySteps }));
    bed.sim.ocp.setProcessStatus(24, 185, 'STOPPED');
    bed.sim.ocp.setProcessStatus(25, 185, 'STOPPED');
    bed.sim.ocp.setProcessStatus(21, 185, 'STOPPED');

    const ok = await cli(['run', 'ok.yaml', '--report', 'ok.json', '--lock', 'lock']);
    expect(ok.code).toBe(0);
    // Host 21 was already STOPPED: the run did not change it, so it is not in steps.stop.changed.
    expect(postsTo('restart').sort()).toEqual([restartPath(20), restartPath(24)]);
    const okReport = readJson('ok.json');
    expect(reportSchemaErrors(okReport)).toEqual([]);
    expect(okReport.steps[1].operations.map((o: { key: string; status: string }) => [o.key, o.status])).toEqual([
      ['again/host=20/process=185', 'unchanged'],
    ]);
    expect(okReport.finally.map((s: Step) => [s.id, s.status])).toEqual([
      ['after-success', 'succeeded'],
      ['after-failure', 'skipped'],
      ['each-changed', 'succeeded'],
    ]);

    bed.sim.resetStats();
    const ko = await cli(['run', 'ko.yaml', '--report', 'ko.json', '--lock', 'lock']);
    expect(ko.code).toBe(1);
    expect(postsTo('restart').sort()).toEqual([restartPath(22), restartPath(25)]);
    expect(readJson('ko.json').error).toMatchObject({ code: 'STEP_FAILED' });
  });

  it('a failing finally step fails a run whose steps succeeded (exit 1, error names it), and keeps the original error of one that failed', async () => {
    // Stopping process 185 of host 26 fails: it is not operable.
    const broken = [ocpStep({ id: 'cleanup', hosts: [26] })];
    bed.ws.write('ok.yaml', runbookYaml({ name: 'ok', steps: [ocpStep({ hosts: [20] })], finally: broken }));
    bed.ws.write('ko.yaml', runbookYaml({ name: 'ko', steps: [ocpStep({ hosts: [20] }), FAIL], finally: broken }));

    const ok = await cli(['run', 'ok.yaml', '--report', 'ok.json', '--lock', 'lock']);
    expect(ok.code).toBe(1);
    const okReport = readJson('ok.json');
    expect(okReport.status).toBe('failed');
    expect(okReport.error.code).toBe('HANDLER_FAILED');
    expect(okReport.error.message).toContain("finally step 'cleanup' failed");
    expect(okReport.steps[0].status).toBe('succeeded');
    expect(okReport.finally[0].status).toBe('failed');
    expect(okReport.finallySummary).toMatchObject({ total: 1, failed: 1 });
    expect(ok.stdout).toContain("finally step 'cleanup' failed");

    const ko = await cli(['run', 'ko.yaml', '--report', 'ko.json', '--lock', 'lock']);
    expect(ko.code).toBe(1);
    const koReport = readJson('ko.json');
    expect(koReport.error.code).toBe('STEP_FAILED');
    expect(koReport.error.message).toContain("step 'peers' failed");
    expect(koReport.finally[0].status).toBe('failed');
  });

  it('runs after a SIGTERM, within the grace period, and the run exits 143', async () => {
    bed.ws.write(
      'rb.yaml',
      runbookYaml({
        name: 'interrupted',
        // The stop hangs; the engine ends it at its operationTimeout, well within the grace period.
        steps: [ocpStep({ hosts: [20], operationTimeout: '2s' }), ocpStep({ id: 'never', hosts: [22] })],
        finally: [restart('cleanup', 24, { operationTimeout: '10s' })],
      }),
    );
    bed.sim.ocp.setProcessStatus(24, 185, 'STOPPED');
    bed.sim.setFaults({ hangRate: 1 });
    let signalled = false;
    const run = await runCli(['run', 'rb.yaml', '--report', 'run.json', '--lock', 'lock', '--grace', '20s'], {
      env: simEnv(bed.sim.url),
      cwd: bed.ws.dir,
      timeoutMs: 30_000,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (bed.sim.requests.some((r) => r.path.includes('/hosts/20/'))) {
            clearInterval(poll);
            // The stop's first request is in flight and hangs; what comes next is answered.
            bed.sim.setFaults({});
            signalled = child.kill('SIGTERM');
          }
        }, 5);
        child.on('exit', () => clearInterval(poll));
      },
    });
    expect(signalled).toBe(true);
    expect(run.code).toBe(143);
    expect(postsTo('restart')).toEqual([restartPath(24)]);
    expect(statusOf(24)).toBe('STARTED');
    const report = readJson('run.json');
    expect(report.status).toBe('cancelled');
    expect(report.steps.map((s: Step) => s.status)).toEqual(['failed', 'cancelled']);
    expect(report.finally.map((s: Step) => [s.id, s.status])).toEqual([['cleanup', 'succeeded']]);
  });
});

describe('validation', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'an onFailure step that reads a later onFailure step',
      {
        steps: [ocpStep({ hosts: [20] })],
        onFailure: [
          { id: 'first', action: 'core.assert', with: { that: "${{ steps.second.status == 'succeeded' }}" } },
          { id: 'second', action: 'core.assert', with: { that: true } },
        ],
      },
      /rb\.yaml:\d+:\d+: error: onFailure step 'second' runs later.*\[UNKNOWN_REFERENCE\]/,
    ],
    [
      'run.status in a main step',
      { steps: [ocpStep({ hosts: [20], if: "${{ run.status == 'failed' }}" })] },
      /rb\.yaml:\d+:\d+: error: 'run' is read only in the steps of onFailure: and finally:.*\[UNKNOWN_REFERENCE\]/,
    ],
    [
      'an unknown field of a step',
      { steps: [ocpStep({ hosts: [20] })], finally: [{ id: 'f', action: 'core.assert', with: { that: '${{ steps.stop.state }}' } }] },
      /rb\.yaml:\d+:\d+: error: unknown field 'state' of step 'stop': write steps.stop.outputs.*\[UNKNOWN_REFERENCE\]/,
    ],
    [
      'core.revert in steps',
      { steps: [ocpStep({ hosts: [20] }), { id: 'undo', action: 'core.revert' }] },
      /rb\.yaml:\d+:\d+: error: step 'undo' runs core\.revert.*put it under onFailure: or finally:.*\[SCHEMA\]/,
    ],
    [
      'core.revert naming an unknown step',
      { steps: [ocpStep({ hosts: [20] })], onFailure: [{ id: 'undo', action: 'core.revert', with: { steps: ['stpo'] } }] },
      /rb\.yaml:\d+:\d+: error: onFailure step 'undo' names step 'stpo', which is not a step of this runbook.*\[UNKNOWN_REFERENCE\]/,
    ],
    [
      'core.revert of a step whose action has no inverse',
      {
        connections: { ocp: { type: 'ocp', url: '${{ env.OCP_URL }}' }, web: { type: 'http', url: 'http://127.0.0.1:9' } },
        steps: [{ id: 'notify', action: 'http.request', connection: 'web', with: { method: 'POST', path: '/x' } }],
        finally: [{ id: 'undo', action: 'core.revert', with: { steps: ['notify'] } }],
      },
      /rb\.yaml:\d+:\d+: error: finally step 'undo' would undo step 'notify', but its action http\.request .* declares no inverse.*\[IRREVERSIBLE\]/,
    ],
    [
      'a step id used in steps and in finally',
      { steps: [ocpStep({ hosts: [20] })], finally: [ocpStep({ hosts: [21] })] },
      /rb\.yaml:\d+:\d+: error: step id 'stop' is already used by the step on line \d+.*\[DUPLICATE_STEP_ID\]/,
    ],
  ];
  for (const [name, doc, expected] of cases) {
    it(`refuses ${name} (exit 2, file:line:col, no stack trace)`, async () => {
      bed.ws.write('rb.yaml', runbookYaml({ name: 'bad', ...(doc as { steps: Record<string, unknown>[] }) }));
      const r = await cli(['validate', 'rb.yaml']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(expected);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it('accepts core.revert over a step without an inverse with skipIrreversible', async () => {
    bed.ws.write(
      'rb.yaml',
      runbookYaml({
        name: 'ok',
        connections: { web: { type: 'http', url: 'http://127.0.0.1:9' } },
        steps: [{ id: 'notify', action: 'http.request', connection: 'web', with: { method: 'POST', path: '/x' } }],
        finally: [{ id: 'undo', action: 'core.revert', with: { skipIrreversible: true } }],
      }),
    );
    const r = await cli(['validate', 'rb.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('plan', () => {
  it('previews onFailure and finally in parts of their own, in the text and in --json', async () => {
    bed.ws.write(
      'rb.yaml',
      runbookYaml({
        name: 'preview',
        steps: [ocpStep({ hosts: [20] })],
        onFailure: [{ id: 'undo', action: 'core.revert' }],
        finally: [restart('cleanup', 24)],
      }),
    );
    const text = await cli(['plan', 'rb.yaml']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('onFailure: runs only if the run fails');
    expect(text.stdout).toContain('finally: always runs');
    const json = await cli(['plan', 'rb.yaml', '--json']);
    const plan = JSON.parse(json.stdout);
    expect(plan.steps.map((s: { id: string; part?: string }) => [s.id, s.part])).toEqual([
      ['stop', undefined],
      ['undo', 'onFailure'],
      ['cleanup', 'finally'],
    ]);
    expect(bed.sim.requests).toEqual([]);
  });
});
