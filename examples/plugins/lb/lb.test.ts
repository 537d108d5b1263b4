// The lb plugin's own test: a small load balancer admin API on loopback, and the runbook that uses the
// plugin run through the real `runbook` command.

import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/helpers/cli.js';

const TOKEN = 'lb-token-5b8e1f0a9c';
const RUNBOOK = 'examples/plugins/lb/drain-members.yaml';

interface Seen {
  method: string;
  url: string;
  token: string | undefined;
}

let server: Server;
let url: string;
let seen: Seen[] = [];
let members = new Map<string, string>();

function reset(): void {
  seen = [];
  members = new Map([
    ['obproxy/10.0.0.21:2883', 'ENABLED'],
    ['obproxy/10.0.0.22:2883', 'ENABLED'],
    ['obproxy/10.0.0.23:2883', 'DRAINED'],
  ]);
}

/** GET /pools/{pool}/members/{member} and PUT .../drain|enable, behind X-Auth-Token. */
function handle(req: IncomingMessage): { status: number; body?: unknown } {
  seen.push({ method: req.method ?? '', url: req.url ?? '', token: req.headers['x-auth-token'] as string | undefined });
  if (req.headers['x-auth-token'] !== TOKEN) return { status: 401, body: { error: 'bad token' } };
  const m = /^\/pools\/([^/]+)\/members\/([^/]+)(?:\/(drain|enable))?$/.exec(req.url ?? '');
  if (!m) return { status: 404, body: { error: 'no such route' } };
  const key = `${decodeURIComponent(m[1]!)}/${decodeURIComponent(m[2]!)}`;
  if (!members.has(key)) return { status: 404, body: { error: 'no such member' } };
  if (m[3] && req.method === 'PUT') members.set(key, m[3] === 'drain' ? 'DRAINED' : 'ENABLED');
  return { status: 200, body: { state: members.get(key) } };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const { status, body } = handle(req);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(reset);

const env = () => ({ LB_URL: url, LB_TOKEN: TOKEN });

describe('the lb plugin', () => {
  it('validates, plans and drains each member through its own connection type', async () => {
    expect((await runCli(['validate', RUNBOOK])).code).toBe(0);

    const plan = await runCli(['plan', RUNBOOK], { env: env() });
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`PUT ${url}/pools/obproxy/members/10.0.0.21%3A2883/drain`);
    expect(seen).toHaveLength(0);

    const dir = mkdtempSync(join(tmpdir(), 'lb-'));
    try {
      const run = await runCli(['run', RUNBOOK, '--report', join(dir, 'r.json')], { env: env() });
      expect(run.code).toBe(0);
      expect([...members.values()]).toEqual(['DRAINED', 'DRAINED', 'DRAINED']);
      const puts = seen.filter((s) => s.method === 'PUT').map((s) => s.url);
      expect(puts).toEqual(['/pools/obproxy/members/10.0.0.21%3A2883/drain', '/pools/obproxy/members/10.0.0.22%3A2883/drain']);
      expect(seen.every((s) => s.token === TOKEN)).toBe(true);
      const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
      expect(report.steps[0].operations.map((o: { status: string }) => o.status)).toEqual(['changed', 'changed', 'unchanged']);
      for (const text of [run.stdout, run.stderr, readFileSync(join(dir, 'r.json'), 'utf8')]) expect(text).not.toContain(TOKEN);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('predicts with plan --online, and reports a member that does not exist', async () => {
    const online = await runCli(['plan', RUNBOOK, '--online'], { env: env() });
    expect(online.code).toBe(0);
    expect(online.stdout).toContain('3 operations in 1 step: 2 would change, 1 unchanged, 0 would fail.');
    expect(seen.every((s) => s.method === 'GET')).toBe(true);

    const missing = await runCli(['run', RUNBOOK, '--param', 'members=10.9.9.9:1'], { env: env() });
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain("NOT_FOUND: pool 'obproxy' has no member '10.9.9.9:1'");
  });
});
