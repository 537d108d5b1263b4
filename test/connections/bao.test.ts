// The `bao` connection type against the simulator: one shared login, one re-login on a stale token,
// logout at close, the accepted answer variants, and credentials kept out of messages and logs.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { baoConnection } from '../../src/connections/bao.js';
import { encodePath } from '../../src/connections/encode-path.js';
import { REDACTED } from '../../src/secrets/redactor.js';
import { startSimulator, type Simulator, type SimConfigInput } from '../../src/sim/index.js';
import { failureOf, json, open, startServer, type TestServer } from './test-server.js';

const LOGIN = { type: 'login', username: 'admin', password: 'sim-password' };
const RETRY = { attempts: 3, delayMs: 1, maxDelayMs: 5 };

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0 });
});
afterAll(() => sim.close());

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
  sim.setFaults({});
  sim.resetState();
  sim.resetStats();
});

function bao(url: string, auth: Record<string, unknown> = LOGIN): ReturnType<typeof open> {
  const o = open({ type: 'bao', url, auth }, baoConnection);
  cleanups.push(() => o.runtime.close());
  return o;
}

async function simWith(config: SimConfigInput): Promise<Simulator> {
  const s = await startSimulator({ port: 0, config });
  cleanups.push(() => s.close());
  return s;
}

describe('bao login session', () => {
  it('logs in once for 50 concurrent requests, and sends the token on each', async () => {
    const before = sim.bao.logins;
    const { client } = bao(sim.url);
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => client({ retry: RETRY }).http.request({ method: 'GET', path: '/info/peer' })),
    );
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(sim.bao.logins - before).toBe(1);
    const logins = sim.requests.filter((r) => r.pathname === '/baocdp/rest/login');
    expect(logins).toHaveLength(1);
    expect(logins[0]?.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(JSON.parse(logins[0]?.body ?? '')).toEqual({ username: 'admin', password: 'sim-password' });
    const calls = sim.requests.filter((r) => r.pathname === '/baocdp/rest/info/peer');
    expect(calls).toHaveLength(50);
    const tokens = new Set(calls.map((r) => r.headers['authentication-token']));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).toBeTruthy();
  });

  it('sends nothing until the first request', async () => {
    const before = sim.bao.logins;
    const { runtime } = bao(sim.url);
    await runtime.close();
    expect(sim.bao.logins).toBe(before);
    expect(sim.requests).toHaveLength(0);
  });

  it('logs in again once on a 401 and sends the request again', async () => {
    const { client } = bao(sim.url);
    await client().http.request({ method: 'GET', path: '/peer' });
    sim.bao.expireAllTokens();
    sim.resetStats();
    const { http, trace } = client();
    const res = await http.request({ method: 'GET', path: '/peer/AP1' });
    expect(res.status).toBe(200);
    expect(sim.requests.map((r) => `${r.method} ${r.pathname}`)).toEqual([
      'GET /baocdp/rest/peer/AP1',
      'POST /baocdp/rest/login',
      'GET /baocdp/rest/peer/AP1',
    ]);
    expect(sim.requests[0]?.headers['authentication-token']).not.toBe(sim.requests[2]?.headers['authentication-token']);
    expect(trace.response?.status).toBe(200);
  });

  it('logs in again only once when many requests see the 401 of the same stale token', async () => {
    const { client } = bao(sim.url);
    await client().http.request({ method: 'GET', path: '/peer' });
    const before = sim.bao.logins;
    sim.bao.expireAllTokens();
    const answers = await Promise.all(Array.from({ length: 20 }, () => client().http.request({ method: 'GET', path: '/peer' })));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(sim.bao.logins - before).toBe(1);
  });

  it('fails with AUTH_FAILED when the password is wrong, naming the user but not the password', async () => {
    const { client, logs } = bao(sim.url, { ...LOGIN, password: 'bad-password-77' });
    const err = await failureOf(() => client({ retry: RETRY }).http.request({ method: 'GET', path: '/peer' }));
    expect(err).toMatchObject({ code: 'AUTH_FAILED', transient: false, details: { status: 401 } });
    expect(err.message).toContain("user 'admin'");
    expect(`${err.message}${JSON.stringify(err.details)}${JSON.stringify(logs)}`).not.toContain('bad-password-77');
    expect(sim.requests.filter((r) => r.pathname.endsWith('/peer'))).toHaveLength(0);
  });

  it('retries a login that failed for a transient reason', async () => {
    sim.setFaults({ failFirst: [{ path: '/login$', count: 1, status: 503 }] });
    const { client } = bao(sim.url);
    const { http, trace } = client({ retry: RETRY });
    expect((await http.request({ method: 'GET', path: '/peer' })).status).toBe(200);
    expect(trace.attempts).toBe(2);
  });

  it('logs out at close with the session token', async () => {
    const before = sim.bao.logouts;
    const { client, runtime } = bao(sim.url);
    await client().http.request({ method: 'GET', path: '/peer' });
    const token = sim.requests.find((r) => r.pathname === '/baocdp/rest/peer')?.headers['authentication-token'];
    await runtime.close();
    expect(sim.bao.logouts - before).toBe(1);
    const logout = sim.requests.find((r) => r.pathname === '/baocdp/rest/logout');
    expect(logout?.headers['authentication-token']).toBe(token);
    expect(sim.bao.activeTokens).toBe(0);
  });

  it('registers the token with the redactor so it never reaches logs or reports', async () => {
    const { client, redactor, logs } = bao(sim.url);
    await client().http.request({ method: 'GET', path: '/peer' });
    const token = sim.requests.find((r) => r.pathname === '/baocdp/rest/peer')?.headers['authentication-token'] as string;
    expect(redactor.redact(`token=${token}`)).toBe(`token=${REDACTED}`);
    expect(JSON.stringify(logs)).not.toContain(token);
    expect(redactor.redact('sim-password')).toBe(REDACTED);
  });
});

describe('bao answers', () => {
  it('adds /baocdp/rest to the paths actions give, and accepts paths that already have it', async () => {
    const { client, runtime } = bao(sim.url);
    await client().http.request({ method: 'PUT', path: encodePath`/peer/${'AP1'}/stop` });
    await client().http.request({ method: 'PUT', path: '/baocdp/rest/peer/AP2/stop' });
    expect(runtime.baseUrl).toBe(`${sim.url}/baocdp/rest`);
    expect(sim.requests.filter((r) => r.method === 'PUT').map((r) => r.path)).toEqual([
      '/baocdp/rest/peer/AP1/stop',
      '/baocdp/rest/peer/AP2/stop',
    ]);
    expect(sim.requests.find((r) => r.method === 'PUT')?.headers['content-type']).toBe('application/json;charset=UTF-8');
  });

  it.each([
    [200, { response: 'Success' }],
    [200, null],
    [202, { response: 'Success' }],
    [202, null],
    [204, { response: 'Success' }],
    [204, null],
  ] as const)('accepts a stop answered %i with body %j', async (acceptStatus, acceptBody) => {
    const s = await simWith({ bao: { acceptStatus, acceptBody } });
    const { client } = bao(s.url);
    const res = await client().http.request({ method: 'PUT', path: encodePath`/peer/${'AP1'}/stop` });
    expect(res.status).toBe(acceptStatus);
    expect(s.bao.peer('AP1')?.stopRequests).toBe(1);
  });

  it('fails with BAO_ERROR when the body says something other than Success', async () => {
    const s = await simWith({ bao: { acceptStatus: 200, acceptBody: { response: 'Failure' } } });
    const { client } = bao(s.url);
    const err = await failureOf(() => client({ retry: RETRY }).http.request({ method: 'PUT', path: '/peer/AP1/stop' }));
    expect(err).toMatchObject({ code: 'BAO_ERROR', transient: false, details: { status: 200, baoResponse: 'Failure' } });
    expect(s.bao.peer('AP1')?.stopRequests).toBe(1);
  });

  it('reports an unknown peer with details.status 404 and the server message', async () => {
    const { client } = bao(sim.url);
    const err = await failureOf(() => client().http.request({ method: 'GET', path: encodePath`/peer/${'NOPE'}` }));
    expect(err).toMatchObject({ code: 'BAO_ERROR', transient: false, details: { status: 404 } });
    expect(err.message).toContain('Peer not found: NOPE');
  });
});

describe('bao against a server that keeps refusing the token', () => {
  let server: TestServer;
  let logins = 0;
  beforeAll(async () => {
    server = await startServer((req, res) => {
      if (req.url === '/baocdp/rest/login') {
        logins += 1;
        json(res, 200, { login: 'true' }, { 'Authentication-Token': `tok/${logins}+*abc` });
      } else if (req.url === '/baocdp/rest/logout') {
        json(res, 200, { logout: 'true' });
      } else {
        json(res, 401, { message: 'nope' });
      }
    });
  });
  afterAll(() => server.close());

  it('logs in again once, sends once more, then fails with AUTH_FAILED', async () => {
    const { client } = bao(server.url);
    const err = await failureOf(() => client({ retry: RETRY }).http.request({ method: 'GET', path: '/peer' }));
    expect(err).toMatchObject({ code: 'AUTH_FAILED', transient: false, details: { status: 401 } });
    expect(logins).toBe(2);
    expect(server.seen.filter((s) => s.url === '/baocdp/rest/peer')).toHaveLength(2);
    expect(err.message).not.toContain('tok/');
  });
});

describe('bao when a 401 arrives after another request already logged in again', () => {
  it('sends again with the fresh token without a second login', async () => {
    let logins = 0;
    let valid = new Set<string>();
    let releaseSlow: (() => void) | undefined;
    const server = await startServer((req, res) => {
      const token = String(req.headers['authentication-token'] ?? '');
      if (req.url === '/baocdp/rest/login') {
        logins += 1;
        valid.add(`t${logins}`);
        json(res, 200, { login: 'true' }, { 'authentication-token': `t${logins}` });
      } else if (req.url === '/baocdp/rest/slow' && token === 't1') {
        // Held until the other request has logged in again, then refused with the stale token.
        releaseSlow = () => json(res, 401, { response: 'Error', message: 'expired' });
      } else {
        if (valid.has(token)) json(res, 200, { response: 'Success' });
        else json(res, 401, { response: 'Error', message: 'expired' });
      }
    });
    cleanups.push(() => server.close());
    const { client } = bao(server.url);
    await client().http.request({ method: 'GET', path: '/warmup' });
    valid = new Set();
    const slow = client().http.request({ method: 'GET', path: '/slow' });
    await waitFor(() => releaseSlow !== undefined);
    await client().http.request({ method: 'GET', path: '/fast' });
    expect(logins).toBe(2);
    releaseSlow?.();
    expect((await slow).status).toBe(200);
    expect(logins).toBe(2);
    const resent = server.seen.filter((s) => s.url === '/baocdp/rest/slow').map((s) => s.headers['authentication-token']);
    expect(resent).toEqual(['t1', 't2']);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('bao against a server that refuses the password', () => {
  for (const status of [401, 403]) {
    it(`after a ${status} on login, fails every waiting and every later request without logging in again`, async () => {
      let logins = 0;
      const server = await startServer((req, res) => {
        if (req.url === '/baocdp/rest/login') {
          logins += 1;
          json(res, status, { message: 'bad credentials' });
        } else {
          json(res, 200, { response: 'Success' });
        }
      });
      cleanups.push(() => server.close());
      const { client } = bao(server.url, { ...LOGIN, password: 'wrong-password-42' });
      const wave = () =>
        Promise.all(
          Array.from({ length: 8 }, () => failureOf(() => client({ retry: RETRY }).http.request({ method: 'GET', path: '/peer' }))),
        );
      const first = await wave();
      expect(logins).toBe(1);
      const later = await wave();
      expect(logins).toBe(1);
      for (const err of [...first, ...later]) {
        expect(err).toMatchObject({ code: 'AUTH_FAILED', transient: false, details: { status, user: 'admin' } });
        expect(err.message).toContain("user 'admin'");
        expect(err.message).not.toContain('wrong-password-42');
      }
      expect(later[0]?.message).toContain('no login is tried again');
      expect(server.seen.filter((s) => s.url !== '/baocdp/rest/login')).toHaveLength(0);
    });
  }
});
