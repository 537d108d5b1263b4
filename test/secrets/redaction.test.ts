// Known secrets must appear nowhere: stdout, stderr, log file, report, plan, error messages. Secrets come
// from env (auth blocks, headers, with:), secret params of any length, and servers echo them back.
// Commands run in-process through main(); those whose log goes to stderr are spawned, so that the log
// is read too.

import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { startServer, type TestServer } from '../connections/test-server.js';
import { runCli } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { OCP_ENV_CONNECTION, ocpStep, runbookYaml } from '../helpers/runbooks.js';

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
      await runMain(['validate', file], env),
      await runMain(['plan', file, ...param], env),
      await runMain(['plan', file, '--json', ...param], env),
      await runMain(['run', file, ...param, '--dry-run', '--report', ws.path('dry.json')], env),
      await runMain(
        [
          'run',
          file,
          ...param,
          '--report',
          ws.path('run.json'),
          '--junit',
          ws.path('run.xml'),
          '--summary-md',
          ws.path('run.md'),
          '--log-level',
          'trace',
          '--log-file',
          ws.path('run.log'),
        ],
        env,
      ),
      await runCli(['run', file, ...param, '--log-level', 'trace'], { env }),
      await runCli(['plan', file, ...param, '--online', '--out', ws.path('plan.json'), '--log-level', 'debug'], { env }),
      await runMain(
        [
          'apply',
          ws.path('plan.json'),
          ...param,
          '--report',
          ws.path('apply.json'),
          '--junit',
          ws.path('apply.xml'),
          '--summary-md',
          ws.path('apply.md'),
          '--lock',
          ws.path('apply.lock'),
        ],
        env,
      ),
      await runMain(
        ['report', ws.path('run.json.journal.jsonl'), '--out', ws.path('rebuilt.json'), '--junit', ws.path('rebuilt.xml')],
        env,
      ),
      // A wrong password: the failure message must not echo it either.
      await runCli(['run', file, ...param, '--report', ws.path('auth.json'), '--log-level', 'debug'], {
        env: { ...env, OCP_PASSWORD: `${PASSWORD}-wrong` },
      }),
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
    expect(readdirSync(ws.dir)).toEqual(
      expect.arrayContaining(['plan.json', 'rebuilt.json', 'rebuilt.xml', 'run.log', 'run.xml', 'run.md']),
    );
    for (const name of readdirSync(ws.dir)) assertClean(name, readFileSync(ws.path(name), 'utf8'));
    // The debug log did log the requests (so the check above is not vacuous).
    expect(readFileSync(ws.path('run.log'), 'utf8')).toMatch(/stop/);
  });
});

// A server that answers every request with HTTP 500 and echoes what it was sent: headers, then body,
// after `pad` characters of filler (so that a cut of the answer falls inside the echoed credential).
async function startEchoServer(pad: number): Promise<TestServer> {
  return startServer((_req, res, seen) => {
    const echoed = `${'x'.repeat(pad)} you sent Authorization: ${String(seen.headers.authorization)} x-trace: ${String(seen.headers['x-trace'])} body: ${seen.body}`;
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ message: echoed }));
  });
}

/** Every file the commands wrote and everything they printed: none may hold any of `secrets`, even in part. */
function expectNowhere(secrets: string[], runs: { stdout: string; stderr: string }[], dir: string): void {
  const texts: [string, string][] = runs.flatMap((r, i): [string, string][] => [
    [`command ${i} stdout`, r.stdout],
    [`command ${i} stderr`, r.stderr],
  ]);
  for (const name of readdirSync(dir)) texts.push([name, readFileSync(join(dir, name), 'utf8')]);
  for (const [where, text] of texts) {
    for (const secret of secrets) {
      // Any 12 characters of a long secret count as a leak (a cut answer leaks a prefix).
      const pieces = secret.length <= 12 ? [secret] : Array.from({ length: secret.length - 11 }, (_, i) => secret.slice(i, i + 12));
      for (const piece of pieces) expect(text.includes(piece), `${where} contains ${piece} of a secret`).toBe(false);
    }
  }
}

describe('secret redaction of values that reach requests, answers and errors', () => {
  const API_PASSWORD = 'Corr3ct-Horse-Battery-Staple';
  const API_BASIC = Buffer.from(`apiuser:${API_PASSWORD}`).toString('base64');
  const API_TOKEN = 'tok-5f0c93d1e8a24b7f';
  const BODY_PASSWORD = 'body-pw-2b7e151628aed2a6';
  const CONN_HEADER = 'hdr-9d4b1c7e3a';
  // With `basic`, the connection's Authorization header; without, the step's own.
  const apiRunbook = (withBlock: string, basic = true) => `version: 1
name: api
connections:
  api:
    type: http
    url: \${{ env.API_URL }}
${basic ? '    auth: { type: basic, username: "${{ env.API_USER }}", password: "${{ env.API_PASSWORD }}" }\n' : ''}    headers: { X-Trace: "\${{ env.CONN_HEADER }}" }
steps:
  - id: call
    action: http.request
    connection: api
    with: ${withBlock}
`;

  it('redacts an echoed Authorization header before it cuts the answer for the report', async () => {
    // The credential starts 17 characters before the 300th of the answer.
    const server = await startEchoServer(240);
    const local = createWorkspace();
    try {
      const file = local.write('echo.yaml', apiRunbook('{ method: POST, path: /echo }'));
      const env = { API_URL: server.url, API_USER: 'apiuser', API_PASSWORD, CONN_HEADER };
      const out = local.path('out');
      mkdirSync(out);
      const run = await runMain(
        ['run', file, '--report', join(out, 'r.json'), '--junit', join(out, 'r.xml'), '--summary-md', join(out, 'r.md')],
        env,
      );
      expect(run.code).toBe(1);
      const report = readFileSync(join(out, 'r.json'), 'utf8');
      // The answer did reach the report, cut, with the credential replaced before the cut.
      expect(report).toContain('you sent Authorization: Basic [REDACTED]');
      expectNowhere([API_BASIC, API_PASSWORD, CONN_HEADER], [run], out);
    } finally {
      await server.close();
      local.remove();
    }
  });

  it('treats environment values in with: headers and body as secrets, and refuses to save them in a plan', async () => {
    const server = await startEchoServer(0);
    const local = createWorkspace();
    try {
      const file = local.write(
        'with.yaml',
        apiRunbook(
          `
      method: POST
      path: /echo
      headers: { Authorization: "Bearer \${{ env.API_TOKEN }}" }
      body: { password: "\${{ env.BODY_PASSWORD }}" }`,
          false,
        ),
      );
      const env = { API_URL: server.url, API_USER: 'apiuser', API_PASSWORD, API_TOKEN, BODY_PASSWORD, CONN_HEADER };
      const out = local.path('out');
      mkdirSync(out);
      const p = (name: string) => join(out, name);
      const runs = [
        await runMain(['plan', file], env),
        await runMain(['plan', file, '--json'], env),
        await runMain(['plan', file, '--out', p('plan.json')], env),
        await runMain(['run', file, '--dry-run', '--report', p('dry.json')], env),
        await runMain(
          [
            'run',
            file,
            '--report',
            p('run.json'),
            '--junit',
            p('run.xml'),
            '--summary-md',
            p('run.md'),
            '--log-level',
            'trace',
            '--log-file',
            p('run.log'),
          ],
          env,
        ),
      ];
      // The secrets were really sent (the server got them) and really echoed (the run failed on it).
      expect(server.seen.some((s) => s.headers.authorization === `Bearer ${API_TOKEN}` && s.body.includes(BODY_PASSWORD))).toBe(true);
      expect(runs[4]!.code).toBe(1);
      expect(readFileSync(p('run.json'), 'utf8')).toContain('you sent Authorization: Bearer [REDACTED]');
      // The plan is not saved: it would have to hold the token; the error names the step, the input and the variable.
      expect(runs[2]!.code).toBe(2);
      expect(runs[2]!.stderr).toMatch(/step 'call' sends env\.API_TOKEN as with\.headers\.Authorization \(and 1 more\).*\[PLAN_SECRET\]/);
      expect(existsSync(p('plan.json'))).toBe(false);
      expect(runs[0]!.stdout).toContain('"password":"[REDACTED]"');
      expectNowhere([API_TOKEN, BODY_PASSWORD, CONN_HEADER, API_PASSWORD], runs, out);
    } finally {
      await server.close();
      local.remove();
    }
  });

  it('treats an environment value as a secret when an action puts it into a request body', async () => {
    const server = await startEchoServer(0);
    const local = createWorkspace();
    try {
      const plugin = join(import.meta.dirname, '../fixtures/plugins/note-in-body.js');
      const file = local.write(
        'note.yaml',
        `version: 1
name: note
plugins: [${JSON.stringify(plugin)}]
connections:
  api: { type: http, url: "\${{ env.API_URL }}" }
steps:
  - id: post
    action: acme.note
    connection: api
    with: { note: "\${{ env.NOTE }}" }
`,
      );
      const NOTE = 'note-value-4e1f0a9b7c';
      const env = { API_URL: server.url, NOTE };
      const out = local.path('out');
      mkdirSync(out);
      const runs = [
        await runMain(['plan', file], env),
        await runMain(['run', file, '--report', join(out, 'r.json'), '--log-level', 'trace', '--log-file', join(out, 'r.log')], env),
        await runMain(['plan', file, '--out', join(out, 'plan.json')], env),
      ];
      expect(runs[0]!.stdout).toContain('{"entry":{"text":"[REDACTED]"}}');
      expect(server.seen.some((s) => s.body.includes(NOTE))).toBe(true);
      expect(runs[1]!.code).toBe(1);
      expect(runs[2]!.code).toBe(2);
      expect(runs[2]!.stderr).toContain("step 'post' sends env.NOTE as with.note");
      expectNowhere([NOTE], runs, out);
    } finally {
      await server.close();
      local.remove();
    }
  });

  it('never echoes the user name and password of a connection URL that does not parse', async () => {
    const file = ws.write('bad-url.yaml', RUNBOOK);
    const env = { OCP_URL: `http://admin:${PASSWORD}@[not-a-host`, OCP_USER: 'admin', OCP_PASSWORD: 'elsewhere' };
    for (const args of [
      ['run', file],
      ['plan', file, '--online'],
    ]) {
      const r = await runMain(args, env);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("url 'http://[REDACTED]@[not-a-host' is not a valid URL");
      assertClean(args[0]!, r.stdout + r.stderr);
    }
    // Written in the runbook with a scheme the format refuses: validation names the URL without its user info.
    const literal = ws.write('ftp-url.yaml', RUNBOOK.replace('${{ env.OCP_URL }}', `"ftp://admin:${PASSWORD}@ocp.example"`));
    for (const args of [
      ['validate', literal],
      ['run', literal],
    ]) {
      const r = await runMain(args, env);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("got string 'ftp://[REDACTED]@ocp.example'");
      assertClean(args[0]!, r.stdout + r.stderr);
    }
  });

  it('redacts a secret param of three characters inside longer text', async () => {
    const file = ws.write(
      'short.yaml',
      runbookYaml({
        name: 'short',
        params: { pin: { type: 'string', secret: true } },
        steps: [ocpStep({ hosts: [20], with: { alias: 'obstat-${{ params.pin }}' } })],
      }),
    );
    const env = { OCP_URL: sim.url, OCP_USER: 'admin', OCP_PASSWORD: PASSWORD };
    const out = ws.path('short');
    mkdirSync(out);
    const r = await runMain(
      [
        'run',
        file,
        '--param',
        'pin=Xq7',
        '--report',
        join(out, 'r.json'),
        '--summary-md',
        join(out, 'r.md'),
        '--junit',
        join(out, 'r.xml'),
      ],
      env,
    );
    expect(r.code).toBe(1);
    // The operation failed on the alias that holds the pin, and says so with the pin replaced.
    expect(readFileSync(join(out, 'r.json'), 'utf8')).toContain('obstat-[REDACTED]');
    expectNowhere(['Xq7'], [r], out);
    // A one-character secret redacts much, and every JSON output stays JSON.
    const one = ws.path('one');
    mkdirSync(one);
    const runs = [
      await runMain(
        ['run', file, '--param', 'pin=1', '--report', join(one, 'r.json'), '--log-level', 'debug', '--log-file', join(one, 'r.log')],
        env,
      ),
      await runMain(['plan', file, '--param', 'pin=1', '--json'], env),
    ];
    expect(runs[0]!.code).toBe(1);
    const report = JSON.parse(readFileSync(join(one, 'r.json'), 'utf8')) as { summary: { total: unknown } };
    expect(report.summary.total).toBe('[REDACTED]');
    for (const name of ['r.json.journal.jsonl', 'r.log']) {
      const lines = readFileSync(join(one, name), 'utf8').trim().split('\n');
      for (const line of lines) expect(() => JSON.parse(line) as unknown, `${name}: ${line}`).not.toThrow();
    }
    expect(() => JSON.parse(runs[1]!.stdout) as unknown).not.toThrow();
    expectNowhere(['1'], runs, one);
  });
});

describe('what is not a secret is shown as the server sent it', () => {
  it('keeps the user name in answers and says which user an auth failure was for', async () => {
    const file = ws.write(
      'user.yaml',
      runbookYaml({ name: 'user', steps: [ocpStep({ id: 'list', action: 'ocp.listAgentProcesses', hosts: [20], with: {} })] }),
    );
    const env = { OCP_URL: sim.url, OCP_USER: 'admin', OCP_PASSWORD: PASSWORD };
    const ok = await runMain(['run', file, '--report', ws.path('user.json')], env);
    expect(ok.code).toBe(0);
    const report = readFileSync(ws.path('user.json'), 'utf8');
    expect(report).toContain('/home/admin/ocp_agent/');
    expect(report).not.toContain('[REDACTED]');
    const refused = await runMain(['run', file, '--report', ws.path('user-refused.json')], { ...env, OCP_PASSWORD: `${PASSWORD}-wrong` });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/AUTH_FAILED: .*refused its credentials for user 'admin' \(HTTP 401\)/);
    assertClean('refused run', refused.stdout + readFileSync(ws.path('user-refused.json'), 'utf8'));
  });
});
