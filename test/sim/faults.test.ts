// Fault injection: each kind of fault over real HTTP, reproducible from its seed, replaceable at run time,
// applied to OCP and BAO but never to /__sim, and the in-flight statistics it must not distort.

import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultInjector, type FaultConfig } from '../../src/sim/faults.js';
import { startSimulator, type SimConfigInput, type Simulator } from '../../src/sim/index.js';
import { BASIC_ADMIN, call, eventually, ocp } from './sim-http.js';

let sims: Simulator[] = [];
afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

async function start(config: SimConfigInput): Promise<Simulator> {
  const sim = await startSimulator({ port: 0, config });
  sims.push(sim);
  return sim;
}

const LOGIN_BODY = '{"username":"admin","password":"sim-password"}';

/** What a client sees of one OCP GET: the status, or the error code of a failed connection. */
async function outcome(sim: Simulator, path = '/api/v2/compute/hosts/20/agent'): Promise<string> {
  try {
    const res = await request(`${sim.url}${path}`, { headers: { authorization: BASIC_ADMIN } });
    await res.body.text();
    return String(res.statusCode);
  } catch (err) {
    return `error:${(err as { code?: string }).code ?? 'unknown'}`;
  }
}

async function sequence(sim: Simulator, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i += 1) out.push(await outcome(sim));
  return out;
}

/** A request expected to stay unanswered: resolves to how it ended, so a test can await it later. */
function settleOf(p: Promise<unknown>): Promise<'answered' | 'failed'> {
  return p.then(
    () => 'answered' as const,
    () => 'failed' as const,
  );
}

const CONNECTION_ERRORS = ['error:ECONNRESET', 'error:UND_ERR_SOCKET'];

function decisions(config: FaultConfig, seed: number, n: number): string[] {
  const injector = new FaultInjector(config, seed);
  return Array.from({ length: n }, () => {
    const d = injector.decide('GET', '/api/v2/compute/hosts');
    return `${d.outcome.kind}:${d.latencyMs}`;
  });
}

describe('FaultInjector', () => {
  const mixed: FaultConfig = { latency: { min: 5, max: 50 }, resetRate: 0.1, hangRate: 0.1, errorRate: 0.2, rateLimit429Rate: 0.1 };

  it('gives the same decisions for the same seed, and different ones for another seed', () => {
    expect(decisions(mixed, 42, 200)).toEqual(decisions(mixed, 42, 200));
    expect(decisions(mixed, 42, 200)).not.toEqual(decisions(mixed, 43, 200));
  });

  it('draws latencies within the range, not all the same, and every outcome kind in roughly its proportion', () => {
    const all = decisions(mixed, 3, 2000);
    const latencies = all.map((o) => Number(o.split(':')[1]));
    for (const ms of latencies) {
      expect(ms).toBeGreaterThanOrEqual(5);
      expect(ms).toBeLessThanOrEqual(50);
    }
    expect(new Set(latencies).size).toBeGreaterThan(10);
    const share = (kind: string): number => all.filter((o) => o.startsWith(`${kind}:`)).length / all.length;
    expect(share('reset')).toBeGreaterThan(0.05);
    expect(share('reset')).toBeLessThan(0.15);
    expect(share('hang')).toBeGreaterThan(0.05);
    expect(share('hang')).toBeLessThan(0.15);
    expect(share('error')).toBeGreaterThan(0.22);
    expect(share('error')).toBeLessThan(0.38);
    expect(share('pass')).toBeGreaterThan(0.4);
  });

  it('keeps the random sequence of other requests unchanged when failFirst rules are added', () => {
    const plain = decisions({ errorRate: 0.5 }, 9, 50);
    const withRule = decisions({ errorRate: 0.5, failFirst: [{ path: '^/nothing$', count: 5 }] }, 9, 50);
    expect(withRule).toEqual(plain);
  });
});

describe('latency', () => {
  it('waits a fixed latency before every answer, never less', async () => {
    const sim = await start({ faults: { latency: 80 } });
    for (let i = 0; i < 3; i += 1) {
      const t0 = performance.now();
      expect(await outcome(sim)).toBe('200');
      const took = performance.now() - t0;
      expect(took).toBeGreaterThanOrEqual(80);
      expect(took).toBeLessThan(10_000);
    }
  });

  it('holds each of many concurrent answers for the whole latency, counted from its own arrival', async () => {
    const sim = await start({ faults: { latency: 30 } });
    // Sent in two waves 10 ms apart, so that the held answers are due at different times.
    const timed = async (host: number, after: number): Promise<number> => {
      await new Promise((resolve) => setTimeout(resolve, after));
      const t0 = performance.now();
      expect(await outcome(sim, `/api/v2/compute/hosts/${host}/agent`)).toBe('200');
      return performance.now() - t0;
    };
    const took = await Promise.all(Array.from({ length: 40 }, (_, i) => timed(20 + (i % 20), i < 20 ? 0 : 10)));
    for (const ms of took) expect(ms).toBeGreaterThanOrEqual(30);
    expect(sim.inFlight).toBe(0);
  });

  it('waits a latency drawn from a range before every answer, on OCP and BAO paths', async () => {
    const sim = await start({ faults: { latency: { min: 60, max: 120 } } });
    for (const path of ['/api/v2/compute/hosts', '/baocdp/rest/info/peer']) {
      const t0 = performance.now();
      const answer = await outcome(sim, path);
      const took = performance.now() - t0;
      expect(['200', '401']).toContain(answer);
      expect(took).toBeGreaterThanOrEqual(60);
      expect(took).toBeLessThan(10_000);
    }
  });

  it('answers the requests it holds at once when it closes', async () => {
    const sim = await start({ faults: { latency: 60_000 } });
    const pending = Promise.all([outcome(sim), outcome(sim, '/api/v2/compute/hosts/21/agent')]);
    await eventually(() => sim.inFlight === 2);
    const t0 = performance.now();
    await sim.close();
    const answers = await pending;
    expect(performance.now() - t0).toBeLessThan(5_000);
    for (const a of answers) expect(['200', ...CONNECTION_ERRORS]).toContain(a);
  });
});

describe('errorRate and rateLimit429Rate', () => {
  it('answers 503 in the OCP error envelope on OCP paths, with no data', async () => {
    const sim = await start({ faults: { errorRate: 1 } });
    const o = await ocp(sim, 'GET', '/compute/hosts');
    expect(o.status).toBe(503);
    expect(o.headers['content-type']).toMatch(/^application\/json/);
    expect(o.json).toMatchObject({ successful: false, status: 503, server: 'runbook-sim', error: { code: 'SIM503' } });
    expect(o.json.error.message).toMatch(/injected/);
    expect(typeof o.json.traceId).toBe('string');
    expect(typeof o.json.timestamp).toBe('string');
    expect(o.json).not.toHaveProperty('data');
    // Bare OCP paths are OCP too.
    expect((await call(sim, 'GET', '/compute/hosts', { headers: { authorization: BASIC_ADMIN } })).json.successful).toBe(false);
  });

  it('gives the injected OCP error a number code when errorCodeStyle is number', async () => {
    const sim = await start({ faults: { errorRate: 1 }, ocp: { errorCodeStyle: 'number' } });
    expect((await ocp(sim, 'GET', '/compute/hosts')).json.error.code).toBe(503);
  });

  it('answers 503 with a JSON error body on BAO paths, before any login takes effect', async () => {
    const sim = await start({ faults: { errorRate: 1 } });
    const b = await call(sim, 'POST', '/baocdp/rest/login', { body: LOGIN_BODY });
    expect(b.status).toBe(503);
    expect(b.headers['content-type']).toMatch(/^application\/json/);
    expect(b.json).toMatchObject({ response: 'Error', status: 503 });
    expect(b.headers['authentication-token']).toBeUndefined();
    expect(sim.bao.logins).toBe(0);
  });

  it('answers 429 with Retry-After in the vendor error body of OCP and of BAO', async () => {
    const sim = await start({ faults: { rateLimit429Rate: 1 } });
    const o = await ocp(sim, 'GET', '/compute/hosts');
    expect(o.status).toBe(429);
    expect(o.headers['retry-after']).toBe('1');
    expect(o.json).toMatchObject({ successful: false, status: 429 });
    const b = await call(sim, 'GET', '/baocdp/rest/info/peer');
    expect(b.status).toBe(429);
    expect(b.headers['retry-after']).toBe('1');
    expect(b.json).toMatchObject({ response: 'Error', status: 429 });
  });

  it('fails a share of requests near errorRate and answers the others normally', async () => {
    const sim = await start({ seed: 5, faults: { errorRate: 0.5 } });
    const answers = await sequence(sim, 40);
    expect(answers.filter((a) => a === '503').length).toBeGreaterThan(8);
    expect(answers.filter((a) => a === '200').length).toBeGreaterThan(8);
    expect(answers.every((a) => a === '200' || a === '503')).toBe(true);
  });
});

describe('resetRate', () => {
  it('ends the connection without an answer: the client sees a connection error, the request is recorded', async () => {
    const sim = await start({ faults: { resetRate: 1 } });
    expect(CONNECTION_ERRORS).toContain(await outcome(sim));
    expect(CONNECTION_ERRORS).toContain(await outcome(sim, '/baocdp/rest/info/peer'));
    expect(sim.requests.map((r) => r.pathname)).toEqual(['/api/v2/compute/hosts/20/agent', '/baocdp/rest/info/peer']);
    await eventually(() => sim.inFlight === 0);
  });

  it('ends an HTTPS connection too, where no TCP reset can be sent through TLS', async () => {
    const tls = new URL('../fixtures/tls/', import.meta.url);
    const sim = await startSimulator({
      config: { faults: { resetRate: 1 } },
      tls: { key: readFileSync(new URL('server-key.pem', tls)), cert: readFileSync(new URL('server-cert.pem', tls)) },
    });
    sims.push(sim);
    const dispatcher = new Agent({ connect: { ca: readFileSync(new URL('ca.pem', tls)) } });
    try {
      const err = await request(`${sim.url}/api/v2/time`, { dispatcher }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect(CONNECTION_ERRORS).toContain(`error:${(err as { code?: string }).code}`);
      await eventually(() => sim.inFlight === 0);
    } finally {
      await dispatcher.close();
    }
  });

  it('leaves the simulator serving the next requests once faults are off', async () => {
    const sim = await start({ faults: { resetRate: 1 } });
    expect(CONNECTION_ERRORS).toContain(await outcome(sim));
    sim.setFaults({});
    expect(await outcome(sim)).toBe('200');
  });
});

describe('hangRate', () => {
  it('never answers, until close() ends the request and resolves promptly', async () => {
    const sim = await start({ faults: { hangRate: 1 } });
    const pending = settleOf(ocp(sim, 'GET', '/compute/hosts'));
    const pendingBao = settleOf(call(sim, 'POST', '/baocdp/rest/login', { body: LOGIN_BODY }));
    await eventually(() => sim.inFlight === 2);
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.inFlight).toBe(2);
    const t0 = Date.now();
    await sim.close();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await pending).toBe('failed');
    expect(await pendingBao).toBe('failed');
    expect(sim.inFlight).toBe(0);
    expect(sim.bao.logins).toBe(0);
  });

  it('lets a client give up on a hanging request, which then leaves the in-flight count', async () => {
    const sim = await start({ faults: { hangRate: 1 } });
    await expect(call(sim, 'GET', '/api/v2/time', { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    await eventually(() => sim.inFlight === 0);
  });
});

describe('failFirst', () => {
  it('fails only the first N requests matching method and path, with its status, then answers normally', async () => {
    const sim = await start({
      faults: { failFirst: [{ method: 'post', path: '/agent/processes/\\d+/stop$', count: 2, status: 500 }] },
    });
    const stop = '/compute/hosts/20/agent/processes/185/stop';
    expect((await ocp(sim, 'POST', stop)).status).toBe(500);
    expect(sim.ocp.process(20, 185)?.status).toBe('STARTED');
    // Other paths, and the same path with another method, are untouched and do not use up the count.
    expect((await ocp(sim, 'GET', '/compute/hosts/20/agent')).status).toBe(200);
    expect((await ocp(sim, 'POST', '/compute/hosts/20/agent/processes/185/restart')).status).toBe(200);
    expect((await ocp(sim, 'GET', stop)).status).toBe(405);
    const second = await ocp(sim, 'POST', stop);
    expect(second.status).toBe(500);
    expect(second.json).toMatchObject({ successful: false, status: 500 });
    const third = await ocp(sim, 'POST', stop);
    expect(third.status).toBe(200);
    expect(third.json.data.status).toBe('STOPPED');
    expect((await ocp(sim, 'POST', '/compute/hosts/21/agent/processes/185/stop')).status).toBe(200);
  });

  it('defaults to 503 and to any method, and counts each rule on its own', async () => {
    const sim = await start({
      faults: {
        failFirst: [
          { path: '^/baocdp/rest/login$', count: 1 },
          { path: '^/api/v2/compute/hosts$', count: 1, status: 429 },
        ],
      },
    });
    expect((await call(sim, 'POST', '/baocdp/rest/login', { body: LOGIN_BODY })).status).toBe(503);
    const limited = await ocp(sim, 'GET', '/compute/hosts');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect((await call(sim, 'POST', '/baocdp/rest/login', { body: LOGIN_BODY })).status).toBe(200);
    expect((await ocp(sim, 'GET', '/compute/hosts')).status).toBe(200);
  });
});

describe('seeded reproducibility', () => {
  const mix: FaultConfig = { errorRate: 0.2, rateLimit429Rate: 0.2, resetRate: 0.2, latency: { min: 0, max: 3 } };

  it('gives the same sequence of outcomes over 50 requests for the same seed, and another for another seed', async () => {
    const a = await sequence(await start({ seed: 11, faults: mix }), 50);
    const b = await sequence(await start({ seed: 11, faults: mix }), 50);
    const other = await sequence(await start({ seed: 12, faults: mix }), 50);
    expect(b).toEqual(a);
    expect(other).not.toEqual(a);
    for (const kind of ['200', '503', '429']) expect(a).toContain(kind);
    expect(a.some((o) => CONNECTION_ERRORS.includes(o))).toBe(true);
  });

  it('takes the seed from faults.seed over the top-level seed', async () => {
    const a = await sequence(await start({ seed: 1, faults: { ...mix, seed: 99 } }), 30);
    const b = await sequence(await start({ seed: 2, faults: { ...mix, seed: 99 } }), 30);
    expect(b).toEqual(a);
  });
});

describe('setFaults at run time', () => {
  it('replaces the faults with setFaults and PUT /__sim/faults, refusing an invalid one', async () => {
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
    expect((await call(sim, 'PUT', '/__sim/faults', { body: JSON.stringify({ errorRat: 1 }) })).json.error).toContain('errorRat');
    expect(() => sim.setFaults({ failFirst: [{ path: '(', count: 1 }] })).toThrow(/regular expression/);
    expect((await call(sim, 'PUT', '/__sim/faults', { body: 'not json' })).status).toBe(400);
    // A refused plan leaves the current one in force.
    expect((await ocp(sim, 'GET', '/compute/hosts')).status).toBe(429);
    sim.setFaults({});
    expect((await ocp(sim, 'GET', '/compute/hosts')).status).toBe(200);
  });

  it('keeps its own copy of the faults given, and refuses a delay longer than a timer can wait', async () => {
    const sim = await start({});
    const faults: FaultConfig = { errorRate: 1 };
    sim.setFaults(faults);
    faults.errorRate = 0;
    expect((await ocp(sim, 'GET', '/compute/hosts')).status).toBe(503);
    expect(() => sim.setFaults({ latency: 3_000_000_000 })).toThrow(/latency/);
    expect(() => sim.setFaults({ latency: { min: 0, max: 3_000_000_000 } })).toThrow(/latency/);
  });

  it('starts the random sequence and the failFirst counts afresh', async () => {
    const faults: FaultConfig = { errorRate: 0.5, failFirst: [{ path: '/time$', count: 1 }] };
    const sim = await start({ seed: 3, faults });
    const first = [await outcome(sim, '/api/v2/time'), ...(await sequence(sim, 20))];
    sim.setFaults(faults);
    const again = [await outcome(sim, '/api/v2/time'), ...(await sequence(sim, 20))];
    expect(first[0]).toBe('503');
    expect(again).toEqual(first);
  });
});

describe('in-flight statistics under faults', () => {
  it('counts 10 concurrent requests held by latency as 10 in flight, then none; resetStats starts again', async () => {
    const sim = await start({ faults: { latency: 300 } });
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => outcome(sim, `/api/v2/compute/hosts/${20 + i}/agent`)));
    expect(answers).toEqual(Array.from({ length: 10 }, () => '200'));
    expect(sim.maxInFlight).toBe(10);
    expect(sim.inFlight).toBe(0);
    expect((await call(sim, 'GET', '/__sim/stats')).json).toEqual({ maxInFlight: 10, inFlight: 0, requestCount: 10 });
    sim.resetStats();
    expect(sim.maxInFlight).toBe(0);
    expect(sim.requests).toHaveLength(0);
    for (let i = 0; i < 3; i += 1) await outcome(sim);
    expect(sim.maxInFlight).toBe(1);
  });

  it('counts hung and reset requests while they are open and releases them when they end', async () => {
    const sim = await start({ faults: { hangRate: 1 } });
    const hung = [20, 21, 22].map((h) => settleOf(ocp(sim, 'GET', `/compute/hosts/${h}/agent`)));
    await eventually(() => sim.inFlight === 3);
    // Resets held open by latency first, so that they are seen in flight before the socket is cut.
    sim.setFaults({ resetRate: 1, latency: 1000 });
    const reset = [outcome(sim), outcome(sim, '/baocdp/rest/info/peer')];
    await eventually(() => sim.inFlight === 5);
    expect(sim.maxInFlight).toBe(5);
    for (const r of await Promise.all(reset)) expect(CONNECTION_ERRORS).toContain(r);
    await eventually(() => sim.inFlight === 3);
    // resetStats keeps the requests still open as the new peak.
    sim.resetStats();
    expect(sim.maxInFlight).toBe(3);
    await sim.close();
    expect(await Promise.all(hung)).toEqual(['failed', 'failed', 'failed']);
    expect(sim.inFlight).toBe(0);
    expect(sim.maxInFlight).toBe(3);
  });

  it('never applies faults to the /__sim endpoints, nor records or counts them', async () => {
    const sim = await start({ faults: { errorRate: 0.5, resetRate: 0.5 } });
    for (let i = 0; i < 10; i += 1) expect((await call(sim, 'GET', '/__sim/stats')).status).toBe(200);
    expect(sim.requests).toHaveLength(0);
    expect(sim.maxInFlight).toBe(0);
  });
});
