// The simulated BAO API: login sessions and their expiry, peers, asynchronous stop/start, path encoding.

import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimConfigInput, type Simulator } from '../../src/sim/index.js';
import { bao, baoLogin, call, eventually } from './sim-http.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

async function start(config: SimConfigInput = {}): Promise<Simulator> {
  sim = await startSimulator({ config });
  return sim;
}

describe('BAO sessions', () => {
  it('logs in with JSON credentials, answering {"login":"true"} and an opaque token with / + and *', async () => {
    const s = await start();
    const res = await call(s, 'POST', '/baocdp/rest/login', {
      headers: { 'content-type': 'application/json;charset=UTF-8' },
      body: JSON.stringify({ username: 'admin', password: 'sim-password' }),
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ login: 'true' });
    const token = res.headers['authentication-token'];
    expect(token).toMatch(/\//);
    expect(token).toMatch(/\+/);
    expect(token).toMatch(/\*/);
    expect(s.bao.logins).toBe(1);
    expect((await bao(s, token as string, 'GET', '/info/peer')).status).toBe(200);
  });

  it('refuses bad credentials with 401 and no token', async () => {
    const s = await start();
    const res = await call(s, 'POST', '/baocdp/rest/login', { body: JSON.stringify({ username: 'admin', password: 'nope' }) });
    expect(res.status).toBe(401);
    expect(res.headers['authentication-token']).toBeUndefined();
    expect(s.bao.logins).toBe(0);
  });

  it('refuses a call with no token or an unknown token with 401', async () => {
    const s = await start();
    expect((await call(s, 'GET', '/baocdp/rest/info/peer')).status).toBe(401);
    expect((await bao(s, 'made/up+token*', 'GET', '/info/peer')).status).toBe(401);
  });

  it('expires a token after tokenIdleTimeoutMs without use, and keeps a token alive while it is used', async () => {
    const s = await start({ bao: { tokenIdleTimeoutMs: 300 } });
    const idle = await baoLogin(s);
    const busy = await baoLogin(s);
    const until = Date.now() + 500;
    while (Date.now() < until) {
      expect((await bao(s, busy, 'GET', '/info/peer')).status).toBe(200);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await bao(s, idle, 'GET', '/info/peer')).status).toBe(401);
    expect(s.bao.activeTokens).toBe(1);
  });

  it('refuses every token after expireAllTokens, until the client logs in again', async () => {
    const s = await start();
    const token = await baoLogin(s);
    s.bao.expireAllTokens();
    expect((await bao(s, token, 'GET', '/peer')).status).toBe(401);
    const fresh = await baoLogin(s);
    expect((await bao(s, fresh, 'GET', '/peer')).status).toBe(200);
    expect(s.bao.logins).toBe(2);
  });

  it('logs out, counting it and invalidating the token', async () => {
    const s = await start();
    const token = await baoLogin(s);
    const res = await bao(s, token, 'POST', '/logout');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ logout: 'true' });
    expect(s.bao.logouts).toBe(1);
    expect((await bao(s, token, 'GET', '/peer')).status).toBe(401);
  });
});

describe('BAO peers', () => {
  it('lists the default peers with "true"/"false" strings, and their status in /info/peer', async () => {
    const s = await start();
    const token = await baoLogin(s);
    const list = await bao(s, token, 'GET', '/peer');
    expect(list.json.map((p: { name: string }) => p.name)).toEqual(['CDP', 'AP1', 'AP2', 'LAP']);
    expect(list.json[0]).toMatchObject({ name: 'CDP', type: 'CDP', metricsyncPoint: 'true', workflowServer: 'true' });
    expect(list.json[3]).toMatchObject({ name: 'LAP', type: 'LAP', workflowServer: 'false' });
    const info = await bao(s, token, 'GET', '/info/peer');
    expect(info.json.peerInfoList).toHaveLength(4);
    for (const p of info.json.peerInfoList) {
      expect(p.status).toBe('RUNNING');
      expect(Object.keys(p).sort()).toEqual(['hostName', 'name', 'osName', 'productVersion', 'status', 'type']);
    }
    const one = await bao(s, token, 'GET', '/peer/AP2');
    expect(one.json).toMatchObject({ name: 'AP2', type: 'AP' });
  });

  it('filters GET /peer with a whole-value regex on name, type or status', async () => {
    const s = await start();
    const token = await baoLogin(s);
    const names = async (q: string): Promise<string[]> =>
      (await bao(s, token, 'GET', `/peer?${q}`)).json.map((p: { name: string }) => p.name);
    expect(await names('pattern=AP.*')).toEqual(['AP1', 'AP2']);
    expect(await names('pattern=AP')).toEqual([]);
    expect(await names('pattern=AP&matchon=type')).toEqual(['AP1', 'AP2']);
    expect(await names('pattern=RUNNING&matchon=status')).toEqual(['CDP', 'AP1', 'AP2', 'LAP']);
    expect((await bao(s, token, 'GET', '/peer?pattern=(')).status).toBe(400);
    expect((await bao(s, token, 'GET', '/peer?matchon=color')).status).toBe(400);
  });

  it('stops a peer asynchronously: 204 at once, RUNNING until transitionDelayMs has passed, then STOPPED', async () => {
    const s = await start({ bao: { transitionDelayMs: 120 } });
    const token = await baoLogin(s);
    const sentAt = Date.now();
    const accepted = await bao(s, token, 'PUT', '/peer/AP1/stop');
    expect(accepted.status).toBe(204);
    expect(accepted.text).toBe('');
    const status = async (): Promise<string> =>
      (await bao(s, token, 'GET', '/info/peer')).json.peerInfoList.find((p: { name: string }) => p.name === 'AP1').status;
    const seen = await status();
    // Only meaningful when the machine was quick enough to ask within the delay.
    if (Date.now() - sentAt < 100) expect(seen).toBe('RUNNING');
    await eventually(async () => (await status()) === 'STOPPED');
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(115);
    expect((await bao(s, token, 'PUT', '/peer/AP1/start')).status).toBe(204);
    await eventually(async () => (await status()) === 'RUNNING');
  });

  it('stops several peers with POST /peer/stop and reports the configured stopped status', async () => {
    const s = await start({ bao: { transitionDelayMs: 0, stoppedStatus: 'NOT_RUNNING' } });
    const token = await baoLogin(s);
    const res = await bao(s, token, 'POST', '/peer/stop', { peers: [{ name: 'LAP' }, { name: 'AP1' }] });
    expect(res.status).toBe(204);
    expect(s.bao.peer('LAP')?.status).toBe('NOT_RUNNING');
    expect(s.bao.peer('AP1')?.status).toBe('NOT_RUNNING');
    expect(s.bao.peer('AP2')?.status).toBe('RUNNING');
    expect((await bao(s, token, 'POST', '/peer/start', { peers: [{ name: 'LAP' }] })).status).toBe(204);
    expect(s.bao.peer('LAP')?.status).toBe('RUNNING');
  });

  it('answers a bulk request naming an unknown peer with 404 naming it, and changes nothing', async () => {
    const s = await start({ bao: { transitionDelayMs: 0 } });
    const token = await baoLogin(s);
    const res = await bao(s, token, 'POST', '/peer/stop', { peers: [{ name: 'AP1' }, { name: 'GHOST' }] });
    expect(res.status).toBe(404);
    expect(res.text).toContain('GHOST');
    expect(s.bao.peer('AP1')?.status).toBe('RUNNING');
    expect(s.bao.peer('AP1')?.stopRequests).toBe(0);
  });

  it('refuses a malformed bulk body with 400', async () => {
    const s = await start();
    const token = await baoLogin(s);
    expect((await bao(s, token, 'POST', '/peer/stop', { peers: [] })).status).toBe(400);
    expect((await bao(s, token, 'POST', '/peer/stop', { peers: [{ id: 1 }] })).status).toBe(400);
    expect((await bao(s, token, 'POST', '/peer/stop', ['AP1'])).status).toBe(400);
  });

  it('answers an unknown peer with 404', async () => {
    const s = await start();
    const token = await baoLogin(s);
    expect((await bao(s, token, 'PUT', '/peer/NOPE/stop')).status).toBe(404);
    expect((await bao(s, token, 'GET', '/peer/NOPE')).status).toBe(404);
  });

  for (const [status, body, expected] of [
    [200, { response: 'Success' }, '{"response":"Success"}'],
    [202, { response: 'Success' }, '{"response":"Success"}'],
    [202, null, ''],
    [200, { response: 'Failure' }, '{"response":"Failure"}'],
  ] as const) {
    it(`answers an accepted stop with ${status} and body ${expected || '(none)'} when configured so`, async () => {
      const s = await start({ bao: { acceptStatus: status, acceptBody: body } });
      const token = await baoLogin(s);
      const res = await bao(s, token, 'PUT', '/peer/AP2/stop');
      expect(res.status).toBe(status);
      expect(res.text).toBe(expected);
    });
  }
});

describe('BAO peer names in the path', () => {
  it('decodes an encoded slash into the peer name, never splitting the path into another route', async () => {
    const s = await start({ bao: { transitionDelayMs: 0, peers: [{ name: 'a/b' }, { name: 'AP1' }] } });
    const token = await baoLogin(s);
    const res = await bao(s, token, 'PUT', '/peer/a%2Fb/stop');
    expect(res.status).toBe(204);
    expect(s.bao.peer('a/b')?.status).toBe('STOPPED');
    expect((await bao(s, token, 'GET', '/peer/a%2Fb')).json.name).toBe('a/b');
  });

  it('answers a raw extra segment (/peer/a/b/stop) with 404 and touches no peer', async () => {
    const s = await start({ bao: { transitionDelayMs: 0, peers: [{ name: 'a/b' }, { name: 'a' }, { name: 'b' }] } });
    const token = await baoLogin(s);
    expect((await bao(s, token, 'PUT', '/peer/a/b/stop')).status).toBe(404);
    for (const p of s.bao.peers()) expect(p.status).toBe('RUNNING');
  });

  it('takes an encoded ../admin as the peer name "../admin", not as a way to another route', async () => {
    const s = await start({ bao: { transitionDelayMs: 0 } });
    const token = await baoLogin(s);
    const unknown = await bao(s, token, 'PUT', '/peer/..%2Flogout/stop');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('../logout');
    expect(s.bao.logouts).toBe(0);
    expect((await bao(s, token, 'GET', '/peer/..%2F..%2Finfo%2Fpeer')).status).toBe(404);

    await s.close();
    const s2 = await start({ bao: { transitionDelayMs: 0, peers: [{ name: '../admin' }] } });
    const token2 = await baoLogin(s2);
    expect((await bao(s2, token2, 'PUT', '/peer/..%2Fadmin/stop')).status).toBe(204);
    expect(s2.bao.peer('../admin')?.status).toBe('STOPPED');
    const stopRequest = s2.requests.at(-1);
    expect(stopRequest?.pathname).toBe('/baocdp/rest/peer/..%2Fadmin/stop');
  });
});
