// `runbook sim` spawned as a user runs it: it prints where it listens and the credentials it accepts,
// serves OCP, BAO and /__sim over HTTP, and stops cleanly on SIGTERM or SIGINT. Bad flags and config files
// are refused with exit 2 and no stack trace (in-process, through main()). Needs `npm run build` first
// (it runs dist/).

import type { ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { runMain } from '../helpers/main.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

const EXAMPLE = 'runbooks/sim/example.sim.yaml';

let ws: Workspace;
beforeAll(() => {
  ws = createWorkspace('runbook-sim-cli-');
});
afterAll(() => ws.remove());

function noStackTrace(text: string): void {
  expect(text).not.toMatch(/\n\s+at .+:\d+:\d+\)?/);
}

interface RunningSim {
  /** The URL the command printed. */
  url: string;
  /** Everything printed on stdout up to the URL line and the lines after it. */
  banner(): string;
  /** Sends the signal, and resolves with how the command ended. */
  stop(signal: NodeJS.Signals): Promise<CliResult>;
}

/**
 * Spawns `runbook sim --port 0 ...args` and resolves once it printed its URL. If it exits first, rejects
 * with what it printed; the child is never left running.
 */
function startSimCommand(args: string[]): Promise<RunningSim> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess | undefined;
    let stdout = '';
    let announced = false;
    const exited = runCli(['sim', '--port', '0', ...args], {
      timeoutMs: 30_000,
      onSpawn(c) {
        child = c;
        c.stdout?.on('data', (d: string) => {
          stdout += d;
          const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];
          if (url && !announced && stdout.includes('Press Ctrl-C to stop.')) {
            announced = true;
            resolve({
              url,
              banner: () => stdout,
              stop(signal) {
                child?.kill(signal);
                return exited;
              },
            });
          }
        });
      },
    });
    exited.then(
      (r) => {
        if (!announced) reject(new Error(`runbook sim exited (${r.code}) before printing its URL:\n${r.stdout}\n${r.stderr}`));
      },
      (err: unknown) => {
        child?.kill('SIGKILL');
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests index freely into the parsed answer
async function getJson(url: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await request(url, { headers });
  const text = await res.body.text();
  return { status: res.statusCode, json: text === '' ? undefined : JSON.parse(text) };
}

/** Polls `check` until it is true, for at most 10 s. */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

// Each test spawns node (about a second on a quiet machine): allow for a busy one.
describe('runbook sim', { timeout: 30_000 }, () => {
  it('serves the example config on a free port, with introspection, until SIGTERM, then exits 0 saying it stopped', async () => {
    const sim = await startSimCommand(['--config', EXAMPLE]);
    try {
      expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sim.url).not.toMatch(/:0$/);
      const banner = sim.banner();
      expect(banner).toContain(`OCP: ${sim.url}/api/v2`);
      expect(banner).toContain('basic admin / sim-password');
      expect(banner).toContain('access key sim-access-key / sim-secret-key');
      expect(banner).toContain(`BAO: ${sim.url}/baocdp/rest`);
      expect(banner).toContain(`${sim.url}/__sim/stats`);

      expect(await getJson(`${sim.url}/__sim/stats`)).toEqual({ status: 200, json: { maxInFlight: 0, inFlight: 0, requestCount: 0 } });
      const agent = await getJson(`${sim.url}/api/v2/compute/hosts/24/agent`, { authorization: basic('admin', 'sim-password') });
      expect(agent.status).toBe(200);
      expect(agent.json).toMatchObject({ successful: true, data: { hostId: 24 } });
      expect(agent.json.data.processes.some((p: { status: string }) => p.status === 'STOPPED')).toBe(true);
      const stats = await getJson(`${sim.url}/__sim/stats`);
      expect(stats.json).toMatchObject({ requestCount: 1, inFlight: 0 });
    } finally {
      const result = await sim.stop('SIGTERM');
      expect(result.code).toBe(0);
      expect(result.signal).toBeNull();
      expect(result.stdout).toContain('simulator stopped (SIGTERM)');
      expect(result.stderr).toBe('');
    }
    await expect(request(`${sim.url}/__sim/stats`)).rejects.toThrow();
  });

  it('prints the credentials configured in the file, not the defaults, and stops on SIGINT despite a hanging request', async () => {
    const config = ws.write(
      'creds.yaml',
      [
        'ocp:',
        '  users: [{ username: ops, password: ocp-pass-1 }]',
        '  accessKeys: [{ id: AK-test, secret: SK-test }]',
        'bao:',
        '  users: [{ username: orchestrator, password: bao-pass-2 }]',
        '',
      ].join('\n'),
    );
    const sim = await startSimCommand(['--config', config]);
    let result: CliResult | undefined;
    let hanging: Promise<string> = Promise.resolve('never sent');
    try {
      const banner = sim.banner();
      expect(banner).toContain('basic ops / ocp-pass-1');
      expect(banner).toContain('access key AK-test / SK-test');
      expect(banner).toContain('login orchestrator / bao-pass-2');
      expect(banner).not.toContain('sim-password');
      const hosts = await getJson(`${sim.url}/api/v2/compute/hosts`, { authorization: basic('ops', 'ocp-pass-1') });
      expect(hosts.status).toBe(200);
      const refused = await getJson(`${sim.url}/api/v2/compute/hosts`, { authorization: basic('admin', 'sim-password') });
      expect(refused.status).toBe(401);
      // A request left hanging must not keep the command from stopping.
      const put = await request(`${sim.url}/__sim/faults`, { method: 'PUT', body: '{"hangRate":1}' });
      await put.body.text();
      expect(put.statusCode).toBe(204);
      hanging = request(`${sim.url}/api/v2/time`).then(
        () => 'answered',
        () => 'failed',
      );
      await waitFor(async () => (await getJson(`${sim.url}/__sim/stats`)).json.inFlight === 1);
    } finally {
      result = await sim.stop('SIGINT');
    }
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('simulator stopped (SIGINT)');
    expect(await hanging).toBe('failed');
  });

  it('refuses --port abc with exit 2, naming the flag, and no stack trace', async () => {
    const r = await runMain(['sim', '--port', 'abc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--port must be 0 to 65535 (got 'abc')");
    expect(r.stdout).not.toContain('listening');
    noStackTrace(r.stderr);
  });

  it('refuses a config file that does not exist with exit 2, naming it, and no stack trace', async () => {
    const r = await runMain(['sim', '--port', '0', '--config', 'missing.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing.yaml');
    expect(r.stderr).toContain('[USAGE]');
    expect(r.stdout).not.toContain('listening');
    noStackTrace(r.stderr);
  });

  it('refuses a config file with a typo with exit 2 and its file:line:col', async () => {
    const config = ws.write('typo.yaml', 'ocp:\n  procesActionDelayMs: 10\n');
    const r = await runMain(['sim', '--port', '0', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${config}:2:3: unknown key 'procesActionDelayMs' in /ocp; did you mean 'processActionDelayMs'?`);
    noStackTrace(r.stderr);
  });

  it('refuses a port already in use with exit 2 and what to do, not as an internal error', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = busy.address() as AddressInfo;
      const r = await runMain(['sim', '--port', String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`127.0.0.1:${port}`);
      expect(r.stderr).toContain('EADDRINUSE');
      expect(r.stderr).not.toContain('internal error');
      noStackTrace(r.stderr);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});
