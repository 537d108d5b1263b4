// http.request end to end: the CLI runs a runbook against a small HTTP server on loopback. Statuses it
// expects, fields it extracts, what counts as changed, and when a failed request is sent again.

import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunReport } from '../../../src/report/types.js';
import { runCli } from '../../helpers/cli.js';
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
  const r = await runCli(['run', file, '--report', reportFile]);
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
    expect(seen.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual(['GET /api/version ', 'POST /api/notes {"text":"upgrading from 4.3.1"}']);
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
