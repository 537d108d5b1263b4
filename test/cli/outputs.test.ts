// The files a run writes (journal, report, JUnit, Markdown, log): checked before the first request,
// created 0600 and never through a symbolic link, and, when one cannot be written, named on stderr with
// an exit code that says so. Through the CLI's main(), in-process, against the simulator, with real
// file-system errors; a full disk (a cap on file sizes, `ulimit -f`) needs a process of its own.

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import type { RunReport } from '../../src/report/types.js';
import { runCli } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { hostsParam, ocpStep, runbookYaml, type OcpStepOptions } from '../helpers/runbooks.js';

let sim: Simulator;
let ws: Workspace;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, config: { ocp: { hosts: [{ ids: { from: 1, to: 40 } }] } } });
});
afterAll(() => sim.close());
afterEach(() => {
  sim.setFaults({});
  sim.resetState();
  sim.resetStats();
  ws?.remove();
});

function env(): Record<string, string> {
  return { OCP_URL: sim.url, OCP_USER: 'admin', OCP_PASSWORD: 'sim-password' };
}

/** Stops agent process 185 on each host; with `--sim`, hosts 20 to 59 exist. */
function runbook(hosts: number[], step: OcpStepOptions = {}): string {
  return runbookYaml({ name: 'outputs', params: { hosts: hostsParam(hosts) }, steps: [ocpStep(step)] });
}

function stopsSent(): number {
  return sim.requests.filter((r) => r.method === 'POST' && /\/stop$/.test(r.path)).length;
}

function readReport(file: string): RunReport {
  return JSON.parse(readFileSync(file, 'utf8')) as RunReport;
}

function mode(file: string): string {
  return (statSync(file).mode & 0o777).toString(8);
}

function expectNoStackTrace(r: { stderr: string }): void {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toMatch(/internal error/);
}

describe('output paths are checked before the first request', () => {
  it('refuses every output path it could not write, all at once, with exit 2 and nothing sent', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([1, 2, 3, 4, 5, 6]));
    mkdirSync(ws.path('a-folder'));
    const target = ws.write('target.md', 'keep me\n');
    symlinkSync(target, ws.path('link.md'));
    const r = await runMain(
      [
        'run',
        file,
        '--report',
        ws.path('missing/r.json'),
        '--junit',
        ws.path('a-folder'),
        '--summary-md',
        ws.path('link.md'),
        '--log-file',
        ws.path('no-logs/run.log'),
      ],
      env(),
    );
    expect(r.code).toBe(2);
    expectNoStackTrace(r);
    expect(r.stderr).toContain(
      `--report ${ws.path('missing/r.json')}: the folder ${ws.path('missing')} does not exist; create it first: mkdir -p ${ws.path('missing')}`,
    );
    expect(r.stderr).toContain(`--junit ${ws.path('a-folder')}: is a folder`);
    expect(r.stderr).toContain(`--summary-md ${ws.path('link.md')}: is a symbolic link`);
    expect(r.stderr).toContain(`--log-file ${ws.path('no-logs/run.log')}: the folder ${ws.path('no-logs')} does not exist`);
    expect(r.stderr).toMatch(/\[OUTPUT_PATH\]/);
    expect(r.stderr).toMatch(/errors; nothing was sent/);
    expect(stopsSent()).toBe(0);
    expect(sim.requests).toHaveLength(0);
    expect(existsSync(ws.path('missing'))).toBe(false);
    expect(existsSync(ws.path('no-logs'))).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('keep me\n');
  });

  it('refuses an unwritable --junit of apply and of report as well', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([1, 2]));
    const plan = ws.path('plan.json');
    expect((await runMain(['plan', file, '--out', plan], env())).code).toBe(0);
    const applied = await runMain(['apply', plan, '--junit', ws.path('nowhere/j.xml')], env());
    expect(applied.code).toBe(2);
    expect(applied.stderr).toContain(`--junit ${ws.path('nowhere/j.xml')}: the folder ${ws.path('nowhere')} does not exist`);
    expect(stopsSent()).toBe(0);

    expect((await runMain(['run', file, '--report', ws.path('r.json')], env())).code).toBe(0);
    const rebuilt = await runMain([
      'report',
      ws.path('r.json.journal.jsonl'),
      '--out',
      ws.path('nowhere/r.json'),
      '--summary-md',
      ws.path('nowhere/s.md'),
    ]);
    expect(rebuilt.code).toBe(2);
    expect(rebuilt.stderr).toContain(`--out ${ws.path('nowhere/r.json')}`);
    expect(rebuilt.stderr).toContain(`--summary-md ${ws.path('nowhere/s.md')}`);
  });

  it('--report-dir creates its folder when the parent exists, and refuses a missing parent', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([20]));
    const dir = ws.path('reports');
    const ok = await runMain(['run', file, '--sim', '--quiet', '--report-dir', dir, '--log-file', `${dir}/run.log`]);
    expect(ok.code).toBe(0);
    expect(ok.stderr).toBe('');
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(readFileSync(`${dir}/run.log`, 'utf8')).toMatch(/"msg":"run finished"/);

    const deep = ws.path('a/b');
    const refused = await runMain(['run', file, '--sim', '--report-dir', deep]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `--report-dir ${deep}: cannot create it: the folder ${ws.path('a')} does not exist; create it first: mkdir -p ${ws.path('a')}`,
    );
    expect(existsSync(ws.path('a'))).toBe(false);

    // Never a folder at the root of the file system.
    const atRoot = `/runbook-reports-${process.pid}-${Date.now()}`;
    try {
      const root = await runMain(['run', file, '--sim', '--report-dir', atRoot]);
      expect(root.code).toBe(2);
      expect(root.stderr).toContain(`--report-dir ${atRoot}: the folder does not exist; create it first: mkdir -p ${atRoot}`);
      expect(existsSync(atRoot)).toBe(false);
    } finally {
      rmSync(atRoot, { recursive: true, force: true });
    }
  });
});

describe('files are created 0600, never through a symbolic link', () => {
  it('replaces an existing 0666 journal with a new 0600 one, and sets an existing log file to 0600', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([20, 21]));
    const report = ws.path('r.json');
    const journal = ws.write('r.json.journal.jsonl', 'old\n');
    chmodSync(journal, 0o666);
    const log = ws.write('run.log', '');
    chmodSync(log, 0o644);
    const r = await runMain(['run', file, '--sim', '--report', report, '--log-file', log, '--junit', ws.path('j.xml')]);
    expect(r.code).toBe(0);
    expect(mode(journal)).toBe('600');
    expect(readFileSync(journal, 'utf8')).toMatch(/^\{"type":"run"/);
    expect(mode(report)).toBe('600');
    expect(mode(ws.path('j.xml'))).toBe('600');
    expect(mode(log)).toBe('600');
  });

  it('never writes a journal or a log through a symbolic link: the run is refused and the target left as it was', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([20, 21]));
    const victim = ws.write('victim.txt', 'precious\n');
    symlinkSync(victim, ws.path('r.json.journal.jsonl'));
    symlinkSync(victim, ws.path('run.log'));
    const r = await runMain(['run', file, '--sim', '--report', ws.path('r.json'), '--log-file', ws.path('run.log')]);
    expect(r.code).toBe(2);
    expectNoStackTrace(r);
    expect(r.stderr).toContain(`--report ${ws.path('r.json.journal.jsonl')}: is a symbolic link`);
    expect(r.stderr).toContain(`--log-file ${ws.path('run.log')}: is a symbolic link`);
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(existsSync(ws.path('r.json'))).toBe(false);
  });
});

describe('an output that cannot be written', () => {
  it('after a successful run: exit 4, names the file, and still writes the other outputs', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([20, 21, 22]));
    const r = await runMain(['run', file, '--sim', '--report', ws.path('r.json'), '--junit', '/dev/full', '--summary-md', ws.path('s.md')]);
    expect(r.code).toBe(4);
    expectNoStackTrace(r);
    expect(r.stderr).toContain('runbook: cannot write /dev/full: ENOSPC (no space left on device) [OUTPUT_WRITE]');
    expect(r.stdout).toMatch(/Run succeeded: 3 operations: 3 changed/);
    expect(readReport(ws.path('r.json')).status).toBe('succeeded');
    expect(readFileSync(ws.path('s.md'), 'utf8')).toMatch(/outputs/);

    // `runbook report` does the same for what it writes.
    const rebuilt = await runMain(['report', ws.path('r.json.journal.jsonl'), '--out', ws.path('r2.json'), '--summary-md', '/dev/full']);
    expect(rebuilt.code).toBe(4);
    expect(rebuilt.stderr).toContain('runbook: cannot write /dev/full: ENOSPC');
    expect(readReport(ws.path('r2.json')).summary.changed).toBe(3);
  });

  it('after a failed run: the run keeps exit 1, and stderr still names the file', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([20, 999]));
    const r = await runMain(['run', file, '--sim', '--quiet', '--junit', '/dev/full']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Run failed/);
    expect(r.stderr).toContain('runbook: cannot write /dev/full: ENOSPC');
  });

  it('the log file: the run goes on, and ends with exit 4 naming it', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([20, 21]));
    const r = await runMain(['run', file, '--sim', '--report', ws.path('r.json'), '--log-file', '/dev/full']);
    expect(r.code).toBe(4);
    expectNoStackTrace(r);
    expect(r.stderr).toBe('runbook: cannot write /dev/full: ENOSPC (no space left on device) [OUTPUT_WRITE]\n');
    expect(readReport(ws.path('r.json')).summary.changed).toBe(2);
  });

  it('the report: exit 4, names it, keeps the journal, and says how to rebuild the report from it', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', runbook([20, 21, 22, 23, 24, 25], { concurrency: 1 }));
    const simConfig = ws.write('sim.yaml', 'faults: { latency: 150 }\n');
    const report = ws.path('r.json');
    const journal = `${report}.journal.jsonl`;
    // Once the run is under way, a folder takes the report's place: renaming the report over it fails.
    const poll = setInterval(() => {
      if (existsSync(journal) && readFileSync(journal, 'utf8').includes('"type":"op"')) {
        clearInterval(poll);
        mkdirSync(report);
      }
    }, 10);
    const r = await runMain(['run', file, '--sim', '--sim-config', simConfig, '--report', report, '--junit', ws.path('j.xml')]).finally(
      () => clearInterval(poll),
    );
    expect(r.code).toBe(4);
    expectNoStackTrace(r);
    expect(r.stderr).toContain(`runbook: cannot write ${report}: EISDIR`);
    expect(r.stderr).toContain(`rebuild the report: runbook report ${journal} --out ${report}`);
    expect(r.stdout).toMatch(/Run succeeded: 6 operations: 6 changed/);
    expect(r.stdout).not.toContain(`Report: ${report}`);
    expect(readFileSync(ws.path('j.xml'), 'utf8')).toMatch(/tests="6"/);
    const lines = readFileSync(journal, 'utf8').trim().split('\n');
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ type: 'end', status: 'succeeded' });
    const rebuilt = await runMain(['report', journal, '--out', ws.path('r2.json')]);
    expect(rebuilt.code).toBe(0);
    expect(readReport(ws.path('r2.json')).summary.changed).toBe(6);
  });

  it('the journal, during the run: no new operation starts, the run fails with exit 1 and says which file', async () => {
    ws = createWorkspace();
    const hosts = Array.from({ length: 30 }, (_, i) => i + 1);
    const file = ws.write('rb.yaml', runbook(hosts, { concurrency: 1 }));
    const report = ws.path('r.json');
    const journal = `${report}.journal.jsonl`;
    // Every file the run writes is capped at a few kilobytes: the journal reaches the cap after a few operations.
    const r = await runCli(['run', file, '--report', report], { env: env(), fileSizeLimitBlocks: 8 });
    expect(r.code).toBe(1);
    expectNoStackTrace(r);
    expect(r.stderr).toContain(`runbook: cannot write ${journal}: EFBIG`);
    const journaled = readFileSync(journal, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{"type":"op"')).length;
    expect(journaled).toBeGreaterThan(0);
    // Nothing was started after the journal failed: at most the operation it could not record was sent.
    expect(stopsSent()).toBeLessThan(30);
    expect(stopsSent()).toBeLessThanOrEqual(journaled + 1);
    // What the journal holds is still a journal: `runbook report`, run as a person would after a crash, rebuilds it.
    const rebuilt = await runCli(['report', journal, '--out', ws.path('rebuilt.json')]);
    expect(rebuilt.code).toBe(0);
    expect(readReport(ws.path('rebuilt.json')).steps[0]!.operations).toHaveLength(30);
  });

  it('the journal, during the run: the report, where there is room for it, says why the run stopped', async () => {
    ws = createWorkspace();
    const hosts = Array.from({ length: 30 }, (_, i) => i + 1);
    const file = ws.write('rb.yaml', runbook(hosts, { concurrency: 1 }));
    // The report goes to a pipe, which the cap on file sizes does not reach; the journal beside it is capped.
    const report = ws.path('report.pipe');
    execFileSync('mkfifo', [report]);
    const received = readFile(report, 'utf8');
    const r = await runCli(['run', file, '--report', report], { env: env(), fileSizeLimitBlocks: 8 });
    expect(r.code).toBe(1);
    const written = JSON.parse(await received) as RunReport;
    expect(written.status).toBe('failed');
    expect(written.error?.code).toBe('OUTPUT_WRITE');
    expect(written.error?.message).toContain(`the journal ${report}.journal.jsonl could not be written (EFBIG`);
    expect(written.summary.changed).toBe(stopsSent());
    expect(written.summary.changed).toBeLessThan(30);
  });
  it('the journal, during a step too large to keep in memory: the report still accounts for every operation', async () => {
    ws = createWorkspace();
    const items = Array.from({ length: 1500 }, (_, i) => i);
    const file = ws.write(
      'big.yaml',
      `version: 1
name: big
params:
  items: { type: array, items: { type: integer }, default: ${JSON.stringify(items)} }
steps:
  - id: wait
    action: core.sleep
    forEach: \${{ params.items }}
    with: { duration: 1ms }
    concurrency: 4
`,
    );
    const report = ws.path('report.pipe');
    execFileSync('mkfifo', [report]);
    const received = readFile(report, 'utf8');
    const r = await runCli(['run', file, '--report', report, '--quiet'], { fileSizeLimitBlocks: 64 });
    expect(r.code).toBe(1);
    expectNoStackTrace(r);
    expect(r.stderr).toContain(`runbook: cannot write ${report}.journal.jsonl: EFBIG`);
    const written = JSON.parse(await received) as RunReport;
    expect(written.error?.code).toBe('OUTPUT_WRITE');
    const ops = written.steps[0]!.operations;
    expect(ops).toHaveLength(1500);
    expect(new Set(ops.map((o) => o.key)).size).toBe(1500);
    expect(written.summary.skipped).toBeGreaterThan(0);
    expect(written.summary.unchanged + written.summary.skipped).toBe(1500);
  });
});

describe('runbook report of a damaged journal', () => {
  async function journalOfARun(): Promise<string[]> {
    const file = ws.write('rb.yaml', runbook([20, 21]));
    expect((await runMain(['run', file, '--sim', '--report', ws.path('r.json')])).code).toBe(0);
    return readFileSync(ws.path('r.json.journal.jsonl'), 'utf8').trim().split('\n');
  }

  let copies = 0;
  function damaged(lines: string[], at: number, change: (event: Record<string, any>) => unknown): string {
    const copy = [...lines];
    copy[at] = JSON.stringify(change(JSON.parse(copy[at]!) as Record<string, any>));
    copies += 1;
    return ws.write(`damaged-${copies}.jsonl`, `${copy.join('\n')}\n`);
  }

  it('names the line and what is wrong with it, with exit 2 and no stack trace', async () => {
    ws = createWorkspace();
    const lines = await journalOfARun();
    const op = lines.findIndex((l) => l.startsWith('{"type":"op"'));
    const stepEnd = lines.findIndex((l) => l.startsWith('{"type":"stepEnd"'));
    const cases: [string, string][] = [
      [damaged(lines, 1, () => null), ':2: the line is null, not a journal event (an object)'],
      [damaged(lines, op, (e) => ({ ...e, record: { ...e.record, key: undefined } })), `:${op + 1}: the "op" event has no "record.key"`],
      [damaged(lines, op, (e) => ({ ...e, record: null })), `:${op + 1}: in the "op" event, "record" must be object`],
      [
        damaged(lines, op, (e) => ({ ...e, record: { ...e.record, status: 'exploded' } })),
        `:${op + 1}: in the "op" event, "record.status" must be one of "changed", "unchanged", "failed", "skipped"`,
      ],
      [damaged(lines, stepEnd, (e) => ({ ...e, durationMs: undefined })), `:${stepEnd + 1}: the "stepEnd" event has no "durationMs"`],
      [damaged(lines, 0, (e) => ({ ...e, steps: [null] })), ':1: in the "run" event, "steps.0" must be object'],
      [damaged(lines, 1, (e) => ({ ...e, type: undefined })), ':2: the event has no "type"'],
    ];
    for (const [journal, message] of cases) {
      const r = await runMain(['report', journal]);
      expect(r.code, r.stderr).toBe(2);
      expectNoStackTrace(r);
      expect(r.stderr).toContain(`runbook: ${journal}${message}`);
    }
  });

  it('--resume refuses a damaged journal or report the same way', async () => {
    ws = createWorkspace();
    const lines = await journalOfARun();
    const journal = damaged(lines, 1, () => null);
    const r = await runMain(['run', ws.path('rb.yaml'), '--sim', '--resume', journal]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${journal}:2: the line is null`);

    const report = readReport(ws.path('r.json'));
    (report.steps[0]!.operations as unknown[])[1] = null;
    const bad = ws.write('bad-report.json', JSON.stringify(report));
    const resumed = await runMain(['run', ws.path('rb.yaml'), '--sim', '--resume', bad]);
    expect(resumed.code).toBe(2);
    expectNoStackTrace(resumed);
    expect(resumed.stderr).toContain(`${bad}: "steps[0].operations[1]" is not an object`);
  });
});
