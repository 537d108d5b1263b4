// Runs against servers that answer with hostile data: a run still ends with a report and a documented
// exit code, and later steps follow the usual rules. (Endless pages and refused logins are proven next to
// their code, in test/actions/ocp/list-agent-processes.test.ts and test/connections/bao.test.ts.)

import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { readCheckedReport as readReport } from '../helpers/report-schema.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';
import { startServer, type TestServer } from '../connections/test-server.js';

let ws: Workspace | undefined;
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  ws?.remove();
  ws = undefined;
});

/** An OCP success envelope around `data`. */
function ocpAnswer(data: unknown): Record<string, unknown> {
  return { successful: true, status: 200, timestamp: new Date().toISOString(), duration: 1, traceId: 't', server: 'hostile', data };
}

describe('a server that lists about 130,000 processes', () => {
  it('ends the run with a report, exit code 0, and later steps reading the whole list', async () => {
    const COUNT = 130_000;
    // Built once: every host answers with the same long list, in one page.
    const contents = Array.from({ length: COUNT }, (_, i) => ({ id: i + 1, alias: `p${i}`, status: 'STARTED', operable: true }));
    const answer = JSON.stringify(ocpAnswer({ contents, page: { number: 1, size: COUNT, totalElements: COUNT, totalPages: 1 } }));
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(answer);
    });
    ws = createWorkspace();
    const file = ws.write(
      'long-list.yaml',
      `version: 1
name: long-list
connections:
  ocp:
    type: ocp
    url: \${{ env.OCP_URL }}
    auth: { type: basic, username: admin, password: secret }
steps:
  - id: list
    action: ocp.listAgentProcesses
    connection: ocp
    forEach: [20, 21]
    with: { hostId: "\${{ item }}" }
  - id: count
    action: core.assert
    with:
      that: "\${{ steps.list.outputs.processes.length == ${2 * COUNT} }}"
      message: the list is incomplete
`,
    );
    const report = ws.path('report.json');
    const r = await runCli(['run', file, '--report', report, '--quiet'], { env: { OCP_URL: server.url }, timeoutMs: 90_000 });
    expect(r.stderr).not.toMatch(/Maximum call stack|RangeError/);
    expect(r.code).toBe(0);
    const written = readReport(report);
    expect(written.status).toBe('succeeded');
    expect(written.steps.map((s) => [s.id, s.status])).toEqual([
      ['list', 'succeeded'],
      ['count', 'succeeded'],
    ]);
  }, 120_000);
});
