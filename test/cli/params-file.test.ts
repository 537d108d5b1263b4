// `--params-file FILE`: params from a YAML or JSON mapping, checked as `--param` values are, with errors
// at file:line:col. Through the CLI, against the built-in simulator.

import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { OCP_ENV_CONNECTION } from '../helpers/runbooks.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.remove());

const SECRET = 'tok-7f3a9c1e';

const RUNBOOK = `version: 1
name: params-file
params:
  hosts: { type: array, items: { type: integer } }
  alias: { type: string, default: obstat2 }
  port: { type: integer, default: 8080 }
  token: { type: string, secret: true, default: none }
${OCP_ENV_CONNECTION}
steps:
  - id: stop
    action: ocp.stopAgentProcess
    connection: ocp
    forEach: \${{ params.hosts }}
    with: { hostId: "\${{ item }}", alias: "\${{ params.alias }}" }
  - id: check
    action: core.assert
    with: { that: "\${{ params.token != 'none' && params.port > 0 }}" }
`;

function noStackTrace(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
}

/** The params a plan resolved, from `plan --json`. */
async function plannedParams(...flags: string[]): Promise<Record<string, unknown>> {
  const r = await runCli(['plan', ws.write('rb.yaml', RUNBOOK), '--sim', '--json', ...flags]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).params as Record<string, unknown>;
}

describe('--params-file', () => {
  it('drives a run over 2,000 hosts from a params file, with the secret in it redacted', async () => {
    ws = createWorkspace();
    const hosts = Array.from({ length: 2000 }, (_, i) => i + 1);
    const paramsFile = ws.write('hosts.yaml', `hosts:\n${hosts.map((h) => `  - ${h}\n`).join('')}token: ${SECRET}\n`);
    const simConfig = ws.write('sim.yaml', 'ocp: { hosts: [{ ids: { from: 1, to: 2000 } }] }\n');
    const report = ws.path('report.json');
    const r = await runCli(
      [
        'run',
        ws.write('rb.yaml', RUNBOOK),
        '--sim',
        '--sim-config',
        simConfig,
        '--params-file',
        paramsFile,
        '--report',
        report,
        '--lock',
        ws.path('lock'),
        '--concurrency',
        '16',
      ],
      { timeoutMs: 120_000 },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const written = readFileSync(report, 'utf8');
    const parsed = JSON.parse(written);
    expect(parsed.params.hosts).toEqual(hosts);
    expect(parsed.params.token).toBe('[REDACTED]');
    const stop = parsed.steps.find((s: { id: string }) => s.id === 'stop');
    expect(stop.operations).toHaveLength(2000);
    expect(stop.operations.every((o: { status: string }) => o.status === 'changed')).toBe(true);
    for (const text of [r.stdout, written, readFileSync(`${report}.journal.jsonl`, 'utf8')]) expect(text).not.toContain(SECRET);
  }, 150_000);

  it('reads YAML and JSON files; a later file overrides an earlier one, and --param overrides both', async () => {
    ws = createWorkspace();
    const first = ws.write('first.yaml', 'hosts: [1, 2, 3]\nalias: node_exporter\nport: 9000\n');
    const second = ws.write('second.json', JSON.stringify({ hosts: [4, 5], alias: 'ob_cleaner' }, null, '\t'));
    expect(await plannedParams('--params-file', first)).toMatchObject({ hosts: [1, 2, 3], alias: 'node_exporter', port: 9000 });
    expect(await plannedParams('--params-file', first, '--params-file', second)).toMatchObject({
      hosts: [4, 5],
      alias: 'ob_cleaner',
      port: 9000,
    });
    // --param wins wherever it is written on the command line.
    expect(await plannedParams('--param', 'alias=obstat2', '--params-file', first, '--params-file', second)).toMatchObject({
      hosts: [4, 5],
      alias: 'obstat2',
      port: 9000,
    });
  });

  it('refuses a missing file, and malformed YAML at its line', async () => {
    ws = createWorkspace();
    const rb = ws.write('rb.yaml', RUNBOOK);
    const missing = ws.path('missing.yaml');
    const malformed = ws.write('malformed.yaml', 'alias: obstat2\nhosts: [20, 21\nport: 1\n');
    const r = await runCli(['run', rb, '--sim', '--params-file', missing, '--params-file', malformed, '--lock', ws.path('lock')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${missing}: error: the params file ${missing} does not exist; check the path [FILE_NOT_FOUND]`);
    expect(r.stderr).toMatch(new RegExp(`${malformed}:2:8: error: this \\[ is not closed.*\\[YAML_SYNTAX\\]`));
    expect(r.stderr).toContain('2 errors; nothing was sent.');
    noStackTrace(r.stderr);
  });

  it('refuses values of the wrong type and unknown keys, each at its file:line:col, without showing a secret', async () => {
    ws = createWorkspace();
    const rb = ws.write('rb.yaml', RUNBOOK);
    const wrong = ws.write('wrong.yaml', `hosts: [20, "x"]\nport: "8080"\ntoken: [${JSON.stringify(SECRET)}]\nhostz: [1]\n`);
    const other = ws.write('other.json', '{\n  "alias": 185\n}\n');
    const r = await runCli(['run', rb, '--sim', '--params-file', wrong, '--params-file', other, '--lock', ws.path('lock')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      `${wrong}:1:13: error: param 'hosts' has an item that does not fit: item 2 must be an integer, got string 'x' (at hosts[1]) [BAD_PARAM]`,
    );
    expect(r.stderr).toContain(
      `${wrong}:2:7: error: param 'port' must be a whole number (got the string '8080'); write it without quotes (at port) [BAD_PARAM]`,
    );
    expect(r.stderr).toContain(`${wrong}:3:1: error: param 'token' must be a string (got a list) (at token) [BAD_PARAM]`);
    expect(r.stderr).toContain(`${wrong}:4:1: error: unknown param 'hostz'; did you mean 'hosts'? (at hostz) [BAD_PARAM]`);
    expect(r.stderr).toContain(`${other}:2:12: error: param 'alias' must be a string (got the number 185) (at alias) [BAD_PARAM]`);
    expect(r.stderr).toContain('5 errors; nothing was sent.');
    expect(r.stderr).not.toContain(SECRET);
    noStackTrace(r.stderr);
  });

  it('refuses a file that holds no mapping, and a folder', async () => {
    ws = createWorkspace();
    const rb = ws.write('rb.yaml', RUNBOOK);
    for (const [content, what] of [
      ['- 20\n- 21\n', 'a list'],
      ['# nothing yet\n', 'nothing'],
      ['[20, 21]', 'a list'],
    ] as const) {
      const file = ws.write('p.yaml', content);
      const r = await runCli(['plan', rb, '--sim', '--params-file', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${file}:1:1: error: the params file holds ${what}`);
      noStackTrace(r.stderr);
    }
    const folder = await runCli(['plan', rb, '--sim', '--params-file', ws.dir]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain(`the params file ${ws.dir} is not a regular file [FILE_NOT_FOUND]`);
  });

  it('checks a params file given to apply as --param, over the params the plan holds', async () => {
    ws = createWorkspace();
    const rb = ws.write('rb.yaml', RUNBOOK);
    const hosts = ws.write('hosts.yaml', `hosts: [20, 21]\ntoken: ${SECRET}\n`);
    const planFile = ws.path('plan.json');
    const planned = await runCli(['plan', rb, '--sim', '--out', planFile, '--params-file', hosts]);
    expect(planned.stderr).toBe('');
    expect(planned.code).toBe(0);
    expect(readFileSync(planFile, 'utf8')).not.toContain(SECRET);

    const wrong = ws.write('wrong.yaml', 'port: eighty\n');
    const refused = await runCli(['apply', planFile, '--sim', '--params-file', wrong, '--lock', ws.path('lock')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `${wrong}:1:7: error: param 'port' must be a whole number (got the string 'eighty') (at port) [BAD_PARAM]`,
    );

    const applied = await runCli([
      'apply',
      planFile,
      '--sim',
      '--params-file',
      hosts,
      '--lock',
      ws.path('lock'),
      '--report',
      ws.path('applied.json'),
    ]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    const report = JSON.parse(readFileSync(ws.path('applied.json'), 'utf8'));
    expect(report.params).toEqual({ hosts: [20, 21], alias: 'obstat2', port: 8080, token: '[REDACTED]' });
  });

  it('lets --resume take a secret param the report does not record from a params file', async () => {
    ws = createWorkspace();
    const rb = ws.write('rb.yaml', RUNBOOK);
    const hosts = ws.write('hosts.yaml', 'hosts: [20, 21]\n');
    const secret = ws.write('secret.yaml', `token: ${SECRET}\n`);
    // Without the token the assertion fails; the report records the hosts but not the secret.
    const report = ws.path('first.json');
    const failed = await runCli(['run', rb, '--sim', '--params-file', hosts, '--report', report, '--lock', ws.path('lock')]);
    expect(failed.code).toBe(1);
    const refused = await runCli(['run', rb, '--sim', '--resume', report, '--lock', ws.path('lock')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("param 'token' is secret");
    const resumed = await runCli([
      'run',
      rb,
      '--sim',
      '--resume',
      report,
      '--params-file',
      secret,
      '--report',
      ws.path('second.json'),
      '--lock',
      ws.path('lock'),
    ]);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const second = JSON.parse(readFileSync(ws.path('second.json'), 'utf8'));
    expect(second.params).toEqual({ hosts: [20, 21], alias: 'obstat2', port: 8080, token: '[REDACTED]' });
    expect(readFileSync(ws.path('second.json'), 'utf8')).not.toContain(SECRET);
  });
});
