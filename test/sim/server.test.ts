// The simulator server: request recording, in-flight counting, introspection over HTTP, close(), TLS.

import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type SimConfigInput, type Simulator } from '../../src/sim/index.js';
import { BASIC_ADMIN, call, eventually, ocp } from './sim-http.js';

let sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

async function start(config: SimConfigInput = {}): Promise<Simulator> {
  const sim = await startSimulator({ config });
  sims.push(sim);
  return sim;
}

describe('simulator server', () => {
  it('listens on loopback with a URL that has no trailing slash', async () => {
    const sim = await start();
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('records every request with its raw path, undecoded pathname, decoded query, lower-case headers and raw body', async () => {
    const sim = await start();
    const t0 = Date.now();
    await call(sim, 'POST', '/api/v2/compute/hosts/20/agent/processes/185/stop?x=a%20b&y=%2F', {
      headers: { Authorization: BASIC_ADMIN, 'X-Ocp-Trace': 'T1', 'content-type': 'application/json' },
      body: '{"k": "v"}',
    });
    await call(sim, 'GET', '/baocdp/rest/peer/a%2Fb');
    const [first, second] = sim.requests;
    expect(first).toMatchObject({
      method: 'POST',
      path: '/api/v2/compute/hosts/20/agent/processes/185/stop?x=a%20b&y=%2F',
      pathname: '/api/v2/compute/hosts/20/agent/processes/185/stop',
      query: { x: 'a b', y: '/' },
      body: '{"k": "v"}',
    });
    expect(first?.headers['x-ocp-trace']).toBe('T1');
    expect(first?.headers.authorization).toBe(BASIC_ADMIN);
    expect(first?.receivedAt).toBeGreaterThanOrEqual(t0);
    expect(second).toMatchObject({ method: 'GET', pathname: '/baocdp/rest/peer/a%2Fb', body: '' });
  });

  it('counts requests in flight while they hang, keeps the highest count, and returns to zero on close', async () => {
    // Hanging requests make the overlap certain, whatever the machine's load.
    const sim = await start({ faults: { hangRate: 1 } });
    const pending = [20, 21, 22, 23, 24].map((h) =>
      ocp(sim, 'POST', `/compute/hosts/${h}/agent/processes/185/stop`).then(
        () => 'answered',
        () => 'failed',
      ),
    );
    await eventually(() => sim.inFlight === 5);
    expect(sim.maxInFlight).toBe(5);
    await sim.close();
    expect(await Promise.all(pending)).toEqual(['failed', 'failed', 'failed', 'failed', 'failed']);
    expect(sim.inFlight).toBe(0);
    expect(sim.maxInFlight).toBe(5);
  });

  it('measures overlapping slow requests and resets the statistics on resetStats', async () => {
    const sim = await start({ ocp: { processActionDelayMs: 400 } });
    const hosts = [20, 21, 22];
    const answers = await Promise.all(hosts.map((h) => ocp(sim, 'POST', `/compute/hosts/${h}/agent/processes/185/stop`)));
    for (const a of answers) expect(a.status).toBe(200);
    expect(sim.maxInFlight).toBe(3);
    expect(sim.inFlight).toBe(0);
    sim.resetStats();
    expect(sim.maxInFlight).toBe(0);
    expect(sim.requests).toHaveLength(0);
    for (const h of hosts) await ocp(sim, 'GET', `/compute/hosts/${h}/agent`);
    expect(sim.maxInFlight).toBe(1);
  });

  it('serves stats, requests and reset over /__sim without recording them', async () => {
    const sim = await start();
    await ocp(sim, 'GET', '/compute/hosts');
    await ocp(sim, 'GET', '/compute/hosts/20/agent');
    const stats = await call(sim, 'GET', '/__sim/stats');
    expect(stats.json).toEqual({ maxInFlight: 1, inFlight: 0, requestCount: 2 });
    const reqs = await call(sim, 'GET', '/__sim/requests');
    expect(reqs.json.map((r: { pathname: string }) => r.pathname)).toEqual(['/api/v2/compute/hosts', '/api/v2/compute/hosts/20/agent']);
    expect((await call(sim, 'POST', '/__sim/reset')).status).toBe(204);
    expect((await call(sim, 'GET', '/__sim/stats')).json.requestCount).toBe(0);
    expect((await call(sim, 'GET', '/__sim/nothing')).status).toBe(404);
  });

  it('keeps only the most recent maxRecordedRequests requests, and still counts every one', async () => {
    const sim = await startSimulator({ maxRecordedRequests: 3 });
    sims.push(sim);
    for (const h of [20, 21, 22, 23, 24, 25, 26]) await ocp(sim, 'GET', `/compute/hosts/${h}/agent`);
    expect(sim.requests.map((r) => r.pathname)).toEqual([
      '/api/v2/compute/hosts/24/agent',
      '/api/v2/compute/hosts/25/agent',
      '/api/v2/compute/hosts/26/agent',
    ]);
    expect((await call(sim, 'GET', '/__sim/requests')).json).toHaveLength(3);
    expect((await call(sim, 'GET', '/__sim/stats')).json.requestCount).toBe(7);
    const none = await startSimulator({ maxRecordedRequests: 0 });
    sims.push(none);
    await ocp(none, 'GET', '/compute/hosts');
    expect(none.requests).toEqual([]);
    await expect(startSimulator({ maxRecordedRequests: -1 })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('restores the configured state on POST /__sim/reset?state=true', async () => {
    const sim = await start();
    await ocp(sim, 'POST', '/compute/hosts/20/agent/processes/185/stop');
    await call(sim, 'POST', '/__sim/reset');
    expect(sim.ocp.process(20, 185)?.status).toBe('STOPPED');
    await call(sim, 'POST', '/__sim/reset?state=true');
    expect(sim.ocp.process(20, 185)?.status).toBe('STARTED');
  });

  it('answers a path with a malformed escape with 400', async () => {
    const sim = await start();
    expect((await call(sim, 'GET', '/baocdp/rest/peer/%zz')).status).toBe(400);
  });

  it('closes promptly with keep-alive sockets open and a slow request pending', async () => {
    const sim = await start({ ocp: { processActionDelayMs: 60_000 } });
    await ocp(sim, 'GET', '/compute/hosts');
    const slow = ocp(sim, 'POST', '/compute/hosts/20/agent/processes/185/stop').then(
      () => 'answered',
      () => 'failed',
    );
    await eventually(() => sim.inFlight === 1);
    const t0 = Date.now();
    await sim.close();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await slow).toBe('failed');
    expect(sim.ocp.process(20, 185)?.status).toBe('STARTED');
  });

  it('refuses an invalid config with a SCHEMA error', async () => {
    await expect(startSimulator({ config: { bao: { acceptStatus: 201 as 200 } } })).rejects.toMatchObject({ code: 'SCHEMA' });
  });

  it('serves HTTPS with the given key and certificate', async () => {
    const dir = new URL('../fixtures/tls/', import.meta.url);
    const sim = await startSimulator({
      tls: { key: readFileSync(new URL('server-key.pem', dir)), cert: readFileSync(new URL('server-cert.pem', dir)) },
    });
    sims.push(sim);
    expect(sim.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const dispatcher = new Agent({ connect: { ca: readFileSync(new URL('ca.pem', dir)) } });
    try {
      const res = await request(`${sim.url}/api/v2/time`, { dispatcher });
      expect(res.statusCode).toBe(200);
      await res.body.text();
    } finally {
      await dispatcher.close();
    }
  });
});
