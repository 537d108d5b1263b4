// Messages, help and artifacts a user reads after a run: through the CLI, against the built-in simulator.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunReport } from '../../src/report/types.js';
import { BIN, ROOT, runCli } from '../helpers/cli.js';
import { reportSchemaErrors } from '../helpers/report-schema.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { OCP_ENV_CONNECTION } from '../helpers/runbooks.js';

let ws: Workspace;
afterEach(() => ws?.remove());

function stopRunbook(name: string, hosts = '[20, 21]'): string {
  return `version: 1
name: ${name}
description: Stop obstat2 before the patch window
${OCP_ENV_CONNECTION}
steps:
  - id: stop
    description: One host at a time
    action: ocp.stopAgentProcess
    connection: ocp
    forEach: ${hosts}
    with: { hostId: "\${{ item }}", agentProcessId: 185 }
    concurrency: 1
`;
}

describe('run --resume', () => {
  it('says that a report belongs to another runbook, with exit 2', async () => {
    ws = createWorkspace();
    const first = ws.write('first.yaml', stopRunbook('first'));
    const second = ws.write('second.yaml', stopRunbook('second'));
    const report = ws.path('first.json');
    expect((await runCli(['run', first, '--sim', '--quiet', '--report', report])).code).toBe(0);
    const r = await runCli(['run', second, '--sim', '--resume', report]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/belongs to another runbook: it records a run of 'first'/);
    expect(r.stdout).toBe('');
  });
});

describe('a cancelled run', () => {
  it('counts the operations it never ran as failures in JUnit', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', stopRunbook('slow', '[20, 21, 22, 23, 24, 25, 26, 27]'));
    const simConfig = ws.write('sim.yaml', 'faults: { latency: 300 }\n');
    const junit = ws.path('junit.xml');
    const report = ws.path('report.json');
    const r = await runCli(['run', file, '--sim', '--sim-config', simConfig, '--junit', junit, '--report', report, '--grace', '5s'], {
      onSpawn: (child) => {
        // Once the first operation has finished, stop the run (one signal: a second aborts at once).
        let sent = false;
        child.stdout!.on('data', (d: Buffer) => {
          if (!sent && String(d).includes('changed ')) {
            sent = true;
            child.kill('SIGTERM');
          }
        });
      },
    });
    expect(r.code).toBe(143);
    const written = JSON.parse(readFileSync(report, 'utf8')) as RunReport;
    expect(written.status).toBe('cancelled');
    const notRun = written.summary.skipped + written.summary.failed;
    expect(notRun).toBeGreaterThan(0);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(new RegExp(`<testsuites [^>]*tests="8" failures="${notRun}" skipped="0"`));
    expect(xml).toMatch(new RegExp(`<testsuite name="slow.stop" tests="8" failures="${notRun}" skipped="0"`));
    expect(xml).toContain('<failure type="CANCELLED" message="the run was cancelled before this operation started">');
  });
});

describe('the Markdown summary', () => {
  it('shows the real duration, not 0.0 s', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', stopRunbook('md'));
    const md = ws.path('summary.md');
    const report = ws.path('report.json');
    expect((await runCli(['run', file, '--sim', '--quiet', '--summary-md', md, '--report', report])).code).toBe(0);
    const { durationMs } = JSON.parse(readFileSync(report, 'utf8')) as RunReport;
    const text = readFileSync(md, 'utf8');
    expect(text).not.toMatch(/ in 0\.0 s/);
    const shown = / skipped in (\d+(?:\.\d+)?)(ms|s) \(/.exec(text);
    expect(shown, text).not.toBeNull();
    const ms = shown![2] === 'ms' ? Number(shown![1]) : Number(shown![1]) * 1000;
    expect(ms).toBe(durationMs);
  });
});

describe('--sim-config', () => {
  it('names --sim-config, not --config, when the file cannot be read', async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', stopRunbook('simcfg'));
    const r = await runCli(['run', file, '--sim', '--sim-config', ws.path('missing.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/check the path given to --sim-config/);
    expect(r.stderr).not.toMatch(/--config\b/);
  });
});

describe('help', () => {
  it('shows the --junit, --summary-md and --html options of report', async () => {
    const r = await runCli(['help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/runbook report REPORT\|JOURNAL/);
    expect(r.stdout).toMatch(/report: --out FILE, --junit FILE, --summary-md FILE, --html FILE/);
  });
});

describe('a runbook over the size limit', () => {
  it('is refused with a hint that does not suggest raising the limit', async () => {
    ws = createWorkspace();
    const file = ws.path('big.yaml');
    writeFileSync(file, `${stopRunbook('big')}${'# padding\n'.repeat(120_000)}`);
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\[FILE_TOO_LARGE\]/);
    expect(r.stderr).not.toMatch(/raise/);
    expect(r.stderr).toMatch(/split it into several runbooks/);
  });
});

describe('the report', () => {
  it("keeps the runbook's and each step's description", async () => {
    ws = createWorkspace();
    const file = ws.write('rb.yaml', stopRunbook('described'));
    const report = ws.path('report.json');
    expect((await runCli(['run', file, '--sim', '--quiet', '--report', report])).code).toBe(0);
    const written = JSON.parse(readFileSync(report, 'utf8')) as RunReport;
    expect(reportSchemaErrors(written)).toEqual([]);
    expect(written.runbook.description).toBe('Stop obstat2 before the patch window');
    expect(written.steps[0]!.description).toBe('One host at a time');
  });
});

describe('a reader that goes away', () => {
  it('ends the output, not the command: no EPIPE crash, exit 0, the report still written', async () => {
    ws = createWorkspace();
    const node = JSON.stringify(process.execPath);
    const bin = JSON.stringify(BIN);
    const report = ws.path('run.json');
    // pipefail: the exit status is the command's, not head's.
    const script = [
      'set -o pipefail',
      `${node} ${bin} schema | head -c 10 > /dev/null`,
      'echo "schema: $?" >&2',
      `${node} ${bin} run runbooks/examples/stop-obstat.yaml --sim --report ${JSON.stringify(report)} | head -c 10 > /dev/null`,
      'echo "run: $?" >&2',
    ].join('\n');
    const r = spawnSync('bash', ['-c', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(r.stderr).toContain('schema: 0');
    expect(r.stderr).toContain('run: 0');
    expect(JSON.parse(readFileSync(report, 'utf8')).status).toBe('succeeded');
  });
});
