// Known secrets must appear nowhere: stdout, stderr, log file, report, plan, error messages.

import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { runCli } from '../helpers/cli.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { OCP_ENV_CONNECTION } from '../helpers/runbooks.js';

const PASSWORD = 'Tr0ub4dor-and-3-horses';
const TOKEN_PARAM = 'param-secret-7c1e55d2';
const BASIC = Buffer.from(`admin:${PASSWORD}`).toString('base64');

let sim: Simulator;
let ws: Workspace;

beforeAll(async () => {
  sim = await startSimulator({ port: 0, config: { ocp: { users: [{ username: 'admin', password: PASSWORD }] } } });
  ws = createWorkspace();
});
afterAll(async () => {
  await sim.close();
  ws.remove();
});

const RUNBOOK = `version: 1
name: secrets
params:
  hosts: { type: array, default: [20, 21, 9999] }
  note: { type: string, secret: true, default: none }
${OCP_ENV_CONNECTION}
steps:
  - id: stop
    action: ocp.stopAgentProcess
    connection: ocp
    forEach: \${{ params.hosts }}
    with: { hostId: "\${{ item }}", alias: "obstat2" }
    maxErrors: 5
  - id: echo
    action: ocp.stopAgentProcess
    connection: ocp
    with: { hostId: 22, alias: "\${{ params.note }}" }
`;

function assertClean(where: string, text: string): void {
  for (const secret of [PASSWORD, TOKEN_PARAM, BASIC]) {
    expect(text.includes(secret), `${where} contains a secret`).toBe(false);
  }
}

describe('secret redaction', () => {
  it('keeps credentials and secret params out of every output of every command', async () => {
    const file = ws.write('secrets.yaml', RUNBOOK);
    const env = { OCP_URL: sim.url, OCP_USER: 'admin', OCP_PASSWORD: PASSWORD };
    const param = ['--param', `note=${TOKEN_PARAM}`];
    const runs = [
      await runCli(['validate', file], { env }),
      await runCli(['plan', file, ...param], { env }),
      await runCli(['plan', file, '--json', ...param], { env }),
      await runCli(['run', file, ...param, '--dry-run', '--report', ws.path('dry.json')], { env }),
      await runCli(['run', file, ...param, '--report', ws.path('run.json'), '--junit', ws.path('run.xml'), '--summary-md', ws.path('run.md'), '--log-level', 'trace', '--log-file', ws.path('run.log')], { env }),
      await runCli(['run', file, ...param, '--log-level', 'trace'], { env }),
      await runCli(['plan', file, ...param, '--online', '--out', ws.path('plan.json'), '--log-level', 'debug'], { env }),
      await runCli(['apply', ws.path('plan.json'), ...param, '--report', ws.path('apply.json'), '--junit', ws.path('apply.xml'), '--summary-md', ws.path('apply.md'), '--lock', ws.path('apply.lock')], { env }),
      await runCli(['report', ws.path('run.json.journal.jsonl'), '--out', ws.path('rebuilt.json'), '--junit', ws.path('rebuilt.xml')], { env }),
      // A wrong password: the failure message must not echo it either.
      await runCli(['run', file, ...param, '--report', ws.path('auth.json'), '--log-level', 'debug'], { env: { ...env, OCP_PASSWORD: `${PASSWORD}-wrong` } }),
    ];
    for (const [i, r] of runs.entries()) {
      assertClean(`command ${i} stdout`, r.stdout);
      assertClean(`command ${i} stderr`, r.stderr);
    }
    // The run with the secret param really used it (the step echoes it as an alias and fails on it).
    const report = readFileSync(ws.path('run.json'), 'utf8');
    expect(report).toContain('[REDACTED]');
    expect(runs[4]!.code).toBe(1);
    // A plan never holds the secret, so apply refuses the step that needs it rather than send a placeholder.
    expect(runs[7]!.code).toBe(2);
    expect(runs[7]!.stderr).toMatch(/take a secret value in with:/);
    expect(readdirSync(ws.dir)).toEqual(expect.arrayContaining(['plan.json', 'rebuilt.json', 'rebuilt.xml', 'run.log', 'run.xml', 'run.md']));
    for (const name of readdirSync(ws.dir)) assertClean(name, readFileSync(ws.path(name), 'utf8'));
    // The debug log did log the requests (so the check above is not vacuous).
    expect(readFileSync(ws.path('run.log'), 'utf8')).toMatch(/stop/);
  });
});
