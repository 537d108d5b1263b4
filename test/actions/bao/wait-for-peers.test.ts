// bao.waitForPeers against the simulated BAO over real HTTP: reaching the status after the simulator's
// transition delay, timing out naming the laggards, unknown peers, cancellation, retries and its plan.

import { afterEach, describe, expect, it } from 'vitest';
import startPeers from '../../../src/actions/bao/start-peers.js';
import stopPeers from '../../../src/actions/bao/stop-peers.js';
import waitForPeers from '../../../src/actions/bao/wait-for-peers.js';
import { BaoFixtures, calls, failureOf, mutatingRequests, operationOf, planAndRun, planOf } from './bao-fixture.js';

const fixtures = new BaoFixtures();
afterEach(() => fixtures.closeAll());

const polls = (sim: Parameters<typeof calls>[0]): number => calls(sim).filter((c) => c === 'GET /baocdp/rest/info/peer').length;

describe('bao.waitForPeers plan', () => {
  it('shows the poll request, GET /info/peer, keyed by the peers', () => {
    expect(planOf(waitForPeers, { peers: ['AP1', 'AP2'] })).toEqual([
      { key: 'peers=AP1,AP2', inputs: { peers: ['AP1', 'AP2'] }, request: { method: 'GET', path: '/info/peer' } },
    ]);
  });

  it('is kept out of previews, which must not block for its timeout (its probe reads statuses once)', () => {
    expect(waitForPeers.mutates).toBe(true);
    expect(typeof waitForPeers.probe).toBe('function');
  });

  it('refuses a duration it cannot read, and an interval of zero, with INVALID_INPUT', () => {
    expect(() => planOf(waitForPeers, { peers: ['AP1'], timeout: '10 minutes' })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT' }),
    );
    expect(() => planOf(waitForPeers, { peers: ['AP1'], interval: '0s' })).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('bao.waitForPeers run', () => {
  it('polls until the stopped peers report STOPPED after the transition delay, and is unchanged', async () => {
    const { sim, harness } = await fixtures.start({ bao: { transitionDelayMs: 400 } });
    const { ctx } = harness.context();
    await planAndRun(stopPeers, { peers: ['AP1', 'AP2'] }, ctx);
    sim.resetStats();
    const [result] = await planAndRun(waitForPeers, { peers: ['AP1', 'AP2'], interval: '50ms', timeout: '30s' }, ctx);
    expect(result).toEqual({
      status: 'unchanged',
      outputs: {
        peers: [
          { name: 'AP1', status: 'STOPPED' },
          { name: 'AP2', status: 'STOPPED' },
        ],
        interval: '50ms',
        timeout: '30s',
      },
    });
    expect(polls(sim)).toBeGreaterThan(1);
    expect(mutatingRequests(sim)).toHaveLength(0);
  });

  it('waits for RUNNING after a start', async () => {
    const { sim, harness } = await fixtures.start({ bao: { transitionDelayMs: 200 } });
    sim.bao.setPeerStatus('LAP', 'STOPPED');
    const { ctx } = harness.context();
    await planAndRun(startPeers, { peers: ['LAP'] }, ctx);
    const [result] = await planAndRun(waitForPeers, { peers: ['LAP'], status: 'RUNNING', interval: '50ms', timeout: '30s' }, ctx);
    expect(result?.outputs).toEqual({ peers: [{ name: 'LAP', status: 'RUNNING' }], interval: '50ms', timeout: '30s' });
  });

  it('answers after a single poll when every peer is already there, comparing statuses without regard to case', async () => {
    const { sim, harness } = await fixtures.start();
    sim.bao.setPeerStatus('AP1', 'STOPPED');
    const [result] = await planAndRun(waitForPeers, { peers: ['AP1'], status: 'stopped' }, harness.context().ctx);
    expect(result).toEqual({
      status: 'unchanged',
      outputs: { peers: [{ name: 'AP1', status: 'STOPPED' }], interval: '5s', timeout: '10m' },
    });
    expect(polls(sim)).toBe(1);
  });

  it('fails WAIT_TIMEOUT naming only the peers that did not get there, with their last status', async () => {
    const { sim, harness } = await fixtures.start({ bao: { transitionDelayMs: 60_000 } });
    sim.bao.setPeerStatus('LAP', 'STOPPED');
    const { ctx } = harness.context();
    await planAndRun(stopPeers, { peers: ['AP1'] }, ctx);
    const started = Date.now();
    const err = await failureOf(() => planAndRun(waitForPeers, { peers: ['AP1', 'LAP'], interval: '50ms', timeout: '300ms' }, ctx));
    expect(err.code).toBe('WAIT_TIMEOUT');
    expect(err.message).toContain('still not STOPPED: AP1 (RUNNING)');
    expect(err.message).not.toContain('LAP');
    expect(err.details).toMatchObject({ status: 'STOPPED', timeoutMs: 300, laggards: [{ name: 'AP1', status: 'RUNNING' }] });
    expect(polls(sim)).toBeGreaterThan(1);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('fails NOT_FOUND at the first poll for a peer BAO does not list', async () => {
    const { sim, harness } = await fixtures.start();
    const err = await failureOf(() => planAndRun(waitForPeers, { peers: ['AP1', '../admin'], interval: '50ms' }, harness.context().ctx));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain("'../admin'");
    expect(polls(sim)).toBe(1);
  });

  it('stops waiting as soon as the run is cancelled', async () => {
    const { sim, harness } = await fixtures.start({ bao: { transitionDelayMs: 60_000 } });
    const abort = new AbortController();
    const { ctx } = harness.context({ signal: abort.signal });
    await planAndRun(stopPeers, { peers: ['AP1'] }, ctx);
    const waiting = planAndRun(waitForPeers, { peers: ['AP1'], interval: '10m', timeout: '1h' }, ctx);
    const outcome = waiting.then(
      () => 'resolved',
      () => 'rejected',
    );
    while (polls(sim) === 0) await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    abort.abort();
    expect(await outcome).toBe('rejected');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('retries a poll that got an injected 503', async () => {
    const { sim, harness } = await fixtures.start({
      faults: { failFirst: [{ method: 'GET', path: '/info/peer$', count: 1, status: 503 }] },
    });
    sim.bao.setPeerStatus('AP2', 'STOPPED');
    const { ctx, trace } = harness.context({ retry: { attempts: 2 } });
    const [result] = await planAndRun(waitForPeers, { peers: ['AP2'] }, ctx);
    expect(result?.outputs).toEqual({ peers: [{ name: 'AP2', status: 'STOPPED' }], interval: '5s', timeout: '10m' });
    expect(trace.attempts).toBe(2);
  });
});

describe('bao.waitForPeers probe', () => {
  it('predicts unchanged, naming the peers it would wait for, and a failure for an unknown peer', async () => {
    const { harness } = await fixtures.start();
    const ctx = harness.context({ readOnly: true }).ctx;
    const waiting = await waitForPeers.probe!(operationOf(planOf(waitForPeers, { peers: ['AP1'], timeout: '2m' })[0]!), ctx);
    expect(waiting).toEqual({ outcome: 'unchanged', reason: 'changes nothing; waits up to 2m for AP1 (RUNNING) to be STOPPED' });
    const unknown = await waitForPeers.probe!(operationOf(planOf(waitForPeers, { peers: ['nope'] })[0]!), ctx);
    expect(unknown.outcome).toBe('would fail');
  });
});
