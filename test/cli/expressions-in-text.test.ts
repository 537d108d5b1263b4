// Expressions inside the text of a string field: `url: "${{ env.OCP_URL }}/api/v2"` is interpolated, and
// the URL it comes out as is checked, shown with its secret parts masked when it is wrong. Through the CLI,
// against a simulator the test starts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { runCli } from '../helpers/cli.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const PASSWORD = 'Sw0rdfish-4417';

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
name: in-text
params:
  generation: { type: integer, default: 2 }
connections:
  ocp:
    type: ocp
    url: "\${{ env.OCP_URL }}/api/v2"
    auth: { type: basic, username: admin, password: "\${{ env.OCP_PASSWORD }}" }
steps:
  - id: stop
    action: ocp.stopAgentProcess
    connection: ocp
    forEach: [20, 21]
    with: { hostId: "\${{ item }}", alias: "obstat\${{ params.generation }}" }
`;

function noStackTrace(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
}

describe('expressions inside text', () => {
  it('builds the connection URL and inputs from text around expressions, and sends to what they come out as', async () => {
    const file = ws.write('ok.yaml', RUNBOOK);
    expect((await runCli(['validate', file])).code).toBe(0);
    sim.resetStats();
    const r = await runCli(['run', file, '--lock', ws.path('lock')], { env: { OCP_URL: sim.url, OCP_PASSWORD: PASSWORD } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const stops = sim.requests.filter((q) => q.method === 'POST').map((q) => q.pathname);
    // The URL's /api/v2 is the OCP prefix: it is not added twice. The alias came out as obstat2 (id 185).
    expect(stops.sort()).toEqual([
      '/api/v2/compute/hosts/20/agent/processes/185/stop',
      '/api/v2/compute/hosts/21/agent/processes/185/stop',
    ]);
  });

  it('refuses a URL that comes out wrong, showing what it came out as with the secret masked', async () => {
    const file = ws.write('wrong.yaml', RUNBOOK);
    for (const command of [
      ['run', file, '--lock', ws.path('lock')],
      ['plan', file, '--online'],
    ]) {
      const r = await runCli(command, { env: { OCP_URL: `ftp://ocp.example/${PASSWORD}`, OCP_PASSWORD: PASSWORD } });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        `${file}:8:10: error: connection 'ocp': url 'ftp://ocp.example/[REDACTED]/api/v2' must start with http:// or https:// (it starts with ftp:) (at connections.ocp.url) [SCHEMA]`,
      );
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
      noStackTrace(r.stderr);
    }
    // Without a scheme, the host reads as one: the message shows the whole URL as it came out.
    const bare = await runCli(['run', file, '--lock', ws.path('lock')], { env: { OCP_URL: 'ocp.example:8080', OCP_PASSWORD: PASSWORD } });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("url 'ocp.example:8080/api/v2' must start with http:// or https://");
  });

  it('refuses user info, a query or a fragment that interpolation brings into a connection URL', async () => {
    const file = ws.write('userinfo.yaml', RUNBOOK);
    sim.resetStats();
    const withUser = await runCli(['run', file, '--lock', ws.path('lock')], {
      env: { OCP_URL: `http://admin:${PASSWORD}@${sim.url.replace(/^http:\/\//, '')}`, OCP_PASSWORD: PASSWORD },
    });
    expect(withUser.code).toBe(2);
    expect(withUser.stderr).toContain("connection 'ocp': url must not contain a user name or password; put them under auth:");
    expect(withUser.stdout + withUser.stderr).not.toContain(PASSWORD);

    const query = ws.write('query.yaml', RUNBOOK.replace('/api/v2"', '/api/v2?token=${{ env.OCP_PASSWORD }}"'));
    const withQuery = await runCli(['run', query, '--lock', ws.path('lock')], { env: { OCP_URL: sim.url, OCP_PASSWORD: PASSWORD } });
    expect(withQuery.code).toBe(2);
    expect(withQuery.stderr).toContain("connection 'ocp': url must not have a query (?) or a fragment (#)");
    expect(withQuery.stdout + withQuery.stderr).not.toContain(PASSWORD);
    expect(sim.requests).toHaveLength(0);
  });

  it('points at the mistake of a malformed expression inside text', async () => {
    const file = ws.write('syntax.yaml', RUNBOOK.replace('/api/v2"', '/api/${{ env.VERSION + }}"'));
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(2);
    const line = RUNBOOK.split('\n')[7]!.replace('/api/v2"', '/api/${{ env.VERSION + }}"');
    expect(r.stderr).toContain(
      `${file}:8:${line.indexOf('+') + 1}: error: invalid expression in connection 'ocp': unexpected '+': arithmetic is not supported`,
    );
    expect(r.stderr).toContain('[EXPRESSION_SYNTAX]');
  });
});
