// http.request end to end: the CLI (main(), in-process) runs a runbook against a small HTTP server on loopback. Statuses it
// expects, fields it extracts, what counts as changed, and when a failed request is sent again.

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunReport } from '../../../src/report/types.js';
import { runMain } from '../../helpers/main.js';
import { reportSchemaErrors } from '../../helpers/report-schema.js';
import { createWorkspace } from '../../helpers/workspace.js';

const ws = createWorkspace();
let url: string;
let seen: { method: string; url: string; body: string }[] = [];
/** Requests to /flaky hang (no answer) this many more times before they are answered. */
let hangs = 0;

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  req.setEncoding('utf8').on('data', (d: string) => (body += d));
  req.on('end', () => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', body });
    if (req.url === '/flaky' && hangs > 0) {
      hangs -= 1;
      return; // never answered: the client's deadline fires
    }
    if (req.url === '/hostile') {
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ data: { name: '../../admin/wipe', host: { id: 1 } } }));
    }
    if (req.url === '/missing') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('no such thing');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { version: '4.3.1', items: [{ id: 7 }] } }));
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  ws.remove();
});
beforeEach(() => {
  seen = [];
  hangs = 0;
});

async function run(steps: string): Promise<{ code: number | null; stdout: string; report: RunReport }> {
  const file = ws.write('http.yaml', `version: 1\nname: http-check\nconnections:\n  web: { type: http, url: "${url}" }\nsteps:\n${steps}`);
  const reportFile = ws.path('report.json');
  const r = await runMain(['run', file, '--report', reportFile]);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
  expect(reportSchemaErrors(report)).toEqual([]);
  return { code: r.code, stdout: r.stdout, report };
}

describe('http.request', () => {
  it('reads a JSON answer into outputs that a later step uses; a GET is unchanged, a POST changed', async () => {
    const { code, report } = await run(`  - id: version
    action: http.request
    connection: web
    with: { path: /api/version, extract: { version: data.version, first: data.items.0.id } }
  - id: announce
    action: http.request
    connection: web
    with: { method: POST, path: /api/notes, body: { text: "upgrading from \${{ steps.version.outputs.version }}" } }
`);
    expect(code).toBe(0);
    expect(report.steps.map((s) => s.operations[0]?.status)).toEqual(['unchanged', 'changed']);
    expect(report.steps[0]!.operations[0]!.outputs).toEqual({ status: 200, version: '4.3.1', first: 7 });
    expect(seen.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual([
      'GET /api/version ',
      'POST /api/notes {"text":"upgrading from 4.3.1"}',
    ]);
  });

  it('takes a status listed in expect as success, and fails on one that is not', async () => {
    const ok = await run(`  - id: gone
    action: http.request
    connection: web
    with: { path: /missing, expect: [404] }
`);
    expect(ok.code).toBe(0);
    expect(ok.report.steps[0]!.operations[0]).toMatchObject({ status: 'unchanged', outputs: { status: 404 } });
    const bad = await run(`  - id: gone
    action: http.request
    connection: web
    with: { path: /missing }
`);
    expect(bad.code).toBe(1);
    expect(bad.report.steps[0]!.operations[0]!.error).toMatchObject({ code: 'HTTP_STATUS', details: { status: 404 } });
  });

  it('does not send a POST again after a timeout, unless the step says it is idempotent', async () => {
    const step = (extra: string) => `  - id: post
    action: http.request
    connection: web
    timeout: 300ms
    retry: { attempts: 3, delay: 10ms }
    with: { method: POST, path: /flaky, body: {}${extra} }
`;
    hangs = 1;
    const once = await run(step(''));
    expect(once.code).toBe(1);
    expect(once.report.steps[0]!.operations[0]!.error).toMatchObject({ code: 'TIMEOUT', details: { retried: false } });
    expect(once.stdout).toMatch(/not retried: a POST request is not idempotent/);
    expect(seen).toHaveLength(1);

    seen = [];
    hangs = 1;
    const again = await run(step(', idempotent: true'));
    expect(again.code).toBe(0);
    expect(again.report.steps[0]!.operations[0]).toMatchObject({ status: 'changed', attempts: 2 });
    expect(seen).toHaveLength(2);
  });
});

/** Writes a whole runbook (its connection `web` points at the test server) and runs or validates it. */
async function runText(
  text: string,
  env: Record<string, string> = {},
  command = 'run',
): Promise<{ code: number | null; stdout: string; stderr: string; report?: RunReport }> {
  const file = ws.write('values.yaml', text.replaceAll('URL', url));
  const reportFile = ws.path('values-report.json');
  const args = command === 'run' ? ['run', file, '--report', reportFile] : [command, file];
  const r = await runMain(args, env);
  if (command !== 'run') return r;
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as RunReport;
  expect(reportSchemaErrors(report)).toEqual([]);
  return { ...r, report };
}

const HEADER = `version: 1
name: values-in-paths
params:
  target: { type: string, default: "../../admin/wipe" }
  id: { type: integer, default: 42 }
  hosts: { type: array, default: [1, 2] }
  force: { type: boolean, default: true }
connections:
  web: { type: http, url: "URL" }
steps:
`;

describe('http.request paths built from values', () => {
  it('sends every param, env and step-output value as exactly one encoded segment; only the literal text shapes the path', async () => {
    const r = await runText(
      `${HEADER}  - id: read
    action: http.request
    connection: web
    with: { path: /hostile, extract: { name: data.name } }
  - id: by-param
    action: http.request
    connection: web
    with: { method: POST, path: "/api/v1/hosts/\${{ params.target }}/stop" }
  - id: by-env
    action: http.request
    connection: web
    with: { path: "/api/v1/hosts/\${{ env.TARGET }}/x/\${{ params.id }}" }
  - id: by-output
    action: http.request
    connection: web
    with: { method: POST, path: "/api/v1/hosts/\${{ steps.read.outputs.name }}/stop" }
  - id: dots
    action: http.request
    connection: web
    with: { path: "/api/v1/\${{ env.DOTS }}/admin" }
`,
      { TARGET: 'a/b?c=1#frag', DOTS: '..' },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(seen.map((q) => `${q.method} ${q.url}`)).toEqual([
      'GET /hostile',
      'POST /api/v1/hosts/..%2F..%2Fadmin%2Fwipe/stop',
      'GET /api/v1/hosts/a%2Fb%3Fc%3D1%23frag/x/42',
      'POST /api/v1/hosts/..%2F..%2Fadmin%2Fwipe/stop',
      'GET /api/v1/%2E%2E/admin',
    ]);
  });

  it('fails an operation whose value is not a string or a number with INVALID_INPUT, and sends nothing for it', async () => {
    const r = await runText(
      `${HEADER}  - id: read
    action: http.request
    connection: web
    with: { path: /hostile, extract: { host: data.host } }
  - id: by-object
    action: http.request
    connection: web
    continueOnError: true
    with: { method: POST, path: "/api/v1/hosts/\${{ steps.read.outputs.host }}/stop" }
  - id: by-empty
    action: http.request
    connection: web
    with: { method: POST, path: "/api/v1/hosts/\${{ env.EMPTY }}/stop" }
`,
      { EMPTY: '' },
    );
    expect(r.code).toBe(1);
    expect(seen.map((q) => `${q.method} ${q.url}`)).toEqual(['GET /hostile']);
    const [, byObject, byEmpty] = r.report!.steps;
    expect(byObject!.operations[0]!.error).toMatchObject({ code: 'INVALID_INPUT' });
    expect(byObject!.operations[0]!.error!.message).toContain('steps.read.outputs.host }} is a mapping');
    expect(byEmpty!.operations[0]!.error).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('refuses at validation a value of the wrong type, a path that starts with a value, ? or # in the path, and a Host header', async () => {
    const r = await runText(
      `${HEADER}  - id: list
    action: http.request
    connection: web
    with: { path: "/hosts/\${{ params.hosts }}/stop" }
  - id: flag
    action: http.request
    connection: web
    with: { path: "/hosts/\${{ params.force }}/\${{ true }}" }
  - id: whole
    action: http.request
    connection: web
    with: { path: "\${{ params.target }}" }
  - id: query
    action: http.request
    connection: web
    with: { path: "/hosts?id=\${{ params.id }}" }
  - id: items
    action: http.request
    connection: web
    forEach: [1, { id: 2 }]
    with: { path: "/hosts/\${{ item }}" }
  - id: host
    action: http.request
    connection: web
    with: { path: /health, headers: { HoSt: evil.example } }
  - id: fine
    action: http.request
    connection: web
    with: { path: "/hosts/\${{ params.hosts[0] }}/\${{ params.target ?? 'x' }}" }
`,
      {},
      'validate',
    );
    expect(r.code).toBe(2);
    const lines = r.stderr.split('\n');
    const problem = (text: string) => lines.filter((l) => l.includes(text));
    expect(problem("param 'hosts', a list")).toHaveLength(1);
    expect(problem("param 'force', true or false")).toHaveLength(1);
    expect(problem('${{ true }} is true or false')).toHaveLength(1);
    expect(problem('must start with the path written out')).toHaveLength(1);
    expect(problem("must not contain '?' or '#'")).toHaveLength(1);
    expect(problem('an element of forEach')).toHaveLength(1);
    expect(r.stderr).toMatch(/values\.yaml:\d+:\d+/);
    expect(problem("invalid name 'HoSt'").filter((l) => l.includes('names must not be Host'))).toHaveLength(1);
    expect(r.stderr).not.toMatch(/step 'fine'/);
    expect(seen).toEqual([]);
  });
});
