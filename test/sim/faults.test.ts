// Fault injection: each kind of fault, reproducible from its seed, applied to OCP and BAO but never to /__sim.

import { afterEach, describe, expect, it } from 'vitest';
import { FaultInjector, type FaultConfig } from '../../src/sim/faults.js';
import { startSimulator, type SimConfigInput, type Simulator } from '../../src/sim/index.js';
import { call, eventually, ocp } from './sim-http.js';

let sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

async function start(config: SimConfigInput): Promise<Simulator> {
  const sim = await startSimulator({ config });
  sims.push(sim);
  return sim;
}

function outcomes(config: FaultConfig, seed: number, n: number): string[] {
  const injector = new FaultInjector(config, seed);
  return Array.from({ length: n }, () => {
    const d = injector.decide('GET', '/api/v2/compute/hosts');
    return `${d.outcome.kind}:${d.latencyMs}`;
  });
}

describe('FaultInjector', () => {
  const mixed: FaultConfig = { latency: { min: 5, max: 50 }, resetRate: 0.1, hangRate: 0.1, errorRate: 0.2, rateLimit429Rate: 0.1 };

  it('gives the same decisions for the same seed, and different ones for another seed', () => {
    expect(outcomes(mixed, 42, 200)).toEqual(outcomes(mixed, 42, 200));
    expect(outcomes(mixed, 42, 200)).not.toEqual(outcomes(mixed, 43, 200));
  });

  it('draws latencies within the range and every outcome kind in roughly its proportion', () => {
    const all = outcomes(mixed, 3, 2000);
    for (const o of all) {
      const ms = Number(o.split(':')[1]);
      expect(ms).toBeGreaterThanOrEqual(5);
      expect(ms).toBeLessThanOrEqual(50);
    }
    const share = (kind: string): number => all.filter((o) => o.startsWith(`${kind}:`)).length / all.length;
    expect(share('reset')).toBeGreaterThan(0.05);
    expect(share('reset')).toBeLessThan(0.15);
    expect(share('error')).toBeGreaterThan(0.22);
    expect(share('error')).toBeLessThan(0.38);
    expect(share('pass')).toBeGreaterThan(0.4);
  });

  it('keeps the random sequence of other requests unchanged when failFirst rules are added', () => {
    const plain = outcomes({ errorRate: 0.5 }, 9, 50);
    const withRule = outcomes({ errorRate: 0.5, failFirst: [{ path: '^/nothing$', count: 5 }] }, 9, 50);
    expect(withRule).toEqual(plain);
  });
});

describe('faults over HTTP', () => {
  it('answers errorRate faults with 503 in the OCP error envelope and in the BAO error body', async () => {
    const sim = await start({ faults: { errorRate: 1 } });
    const o = await ocp(sim, 'GET', '/compute/hosts');
    expect(o.status).toBe(503);
    expect(o.json).toMatchObject({ successful: false, status: 503, error: { code: 'SIM503' } });
    const b = await call(sim, 'POST', '/baocdp/rest/login', { body: '{"username":"admin","password":"sim-password"}' });
    expect(b.status).toBe(503);
    expect(b.json).toMatchObject({ response: 'Error', status: 503 });
    expect(sim.bao.logins).toBe(0);
  });

  it('repeats the same sequence of answers for the same seed', async () => {
    const statuses = async (seed: number): Promise<number[]> => {
      const sim = await start({ seed, faults: { errorRate: 0.5 } });
      const out: number[] = [];
      for (let i = 0; i < 24; i += 1) out.push((await ocp(sim, 'GET', '/compute/hosts/20/agent')).status);
      return out;
    };
    const a = await statuses(7);
    expect(await statuses(7)).toEqual(a);
    expect(a).toContain(200);
    expect(a).toContain(503);
  });

  it('destroys the socket without an answer at resetRate, and counts the request out of flight', async () => {
    const sim = await start({ faults: { resetRate: 1 } });
    await expect(ocp(sim, 'GET', '/compute/hosts')).rejects.toThrow();
    expect(sim.requests).toHaveLength(1);
    await eventually(() => sim.inFlight === 0);
  });

  it('never answers at hangRate, counts the request in flight while it hangs, and releases it on close', async () => {
    const sim = await start({ faults: { hangRate: 1 } });
    const pending = ocp(sim, 'GET', '/compute/hosts');
    const settled = pending.then(
      () => 'answered',
      () => 'failed',
    );
    await eventually(() => sim.inFlight === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(sim.inFlight).toBe(1);
    await sim.close();
    expect(await settled).toBe('failed');
    expect(sim.inFlight).toBe(0);
  });

  it('lets a client give up on a hanging request, which then leaves the in-flight count', async () => {
    const sim = await start({ faults: { hangRate: 1 } });
    const res = call(sim, 'GET', '/api/v2/time', { signal: AbortSignal.timeout(50) });
    await expect(res).rejects.toThrow();
    await eventually(() => sim.inFlight === 0);
  });

  it('waits a fixed latency before answering', async () => {
    const sim = await start({ faults: { latency: 60 } });
    const t0 = Date.now();
    expect((await ocp(sim, 'GET', '/compute/hosts')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
  });

  it('answers 429 with Retry-After at rateLimit429Rate', async () => {
    const sim = await start({ faults: { rateLimit429Rate: 1 } });
    const res = await ocp(sim, 'GET', '/compute/hosts');
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.json.successful).toBe(false);
  });

  it('fails only the first N requests matching failFirst, with its status, then answers normally', async () => {
    const sim = await start({
      faults: { failFirst: [{ method: 'post', path: '/agent/processes/\\d+/stop$', count: 2, status: 500 }] },
    });
    expect((await ocp(sim, 'GET', '/compute/hosts/20/agent')).status).toBe(200);
    const stop = '/compute/hosts/20/agent/processes/185/stop';
    expect((await ocp(sim, 'POST', stop)).status).toBe(500);
    expect(sim.ocp.process(20, 185)?.status).toBe('STARTED');
    expect((await ocp(sim, 'POST', stop)).status).toBe(500);
    const third = await ocp(sim, 'POST', stop);
    expect(third.status).toBe(200);
    expect(third.json.data.status).toBe('STOPPED');
  });

  it('defaults failFirst answers to 503', async () => {
    const sim = await start({ faults: { failFirst: [{ path: '^/baocdp/rest/login$', count: 1 }] } });
    const body = '{"username":"admin","password":"sim-password"}';
    expect((await call(sim, 'POST', '/baocdp/rest/login', { body })).status).toBe(503);
    expect((await call(sim, 'POST', '/baocdp/rest/login', { body })).status).toBe(200);
  });

  it('replaces faults at run time with setFaults and PUT /__sim/faults, refusing an invalid one', async () => {
    const sim = await start({});
    expect((await ocp(sim, 'GET', '/compute/hosts')).status).toBe(200);
    sim.setFaults({ errorRate: 1 });
    expect((await ocp(sim, 'GET', '/compute/hosts')).status).toBe(503);
    const put = await call(sim, 'PUT', '/__sim/faults', { body: JSON.stringify({ rateLimit429Rate: 1 }) });
    expect(put.status).toBe(204);
    expect((await ocp(sim, 'GET', '/compute/hosts')).status).toBe(429);
    expect((await call(sim, 'GET', '/__sim/faults')).json).toEqual({ rateLimit429Rate: 1 });
    const bad = await call(sim, 'PUT', '/__sim/faults', { body: JSON.stringify({ errorRate: 0.7, resetRate: 0.7 }) });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toContain('at most 1');
    expect(() => sim.setFaults({ failFirst: [{ path: '(', count: 1 }] })).toThrow(/regular expression/);
    expect((await call(sim, 'PUT', '/__sim/faults', { body: 'not json' })).status).toBe(400);
  });

  it('never applies faults to the /__sim endpoints', async () => {
    const sim = await start({ faults: { errorRate: 0.5, resetRate: 0.5 } });
    for (let i = 0; i < 10; i += 1) expect((await call(sim, 'GET', '/__sim/stats')).status).toBe(200);
    expect(sim.requests).toHaveLength(0);
  });
});
