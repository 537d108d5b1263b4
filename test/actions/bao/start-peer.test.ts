// bao.startPeer against the simulated BAO over real HTTP: the request that arrives, running peers left
// alone, unknown peers, every accepted answer, Failure bodies, retries and hostile names.

import { afterEach, describe, expect, it } from 'vitest';
import startPeer from '../../../src/actions/bao/start-peer.js';
import {
  ACCEPTED_VARIANTS,
  BAO_CONTENT_TYPE,
  BaoFixtures,
  FAILURE_VARIANTS,
  calls,
  failureOf,
  mutatingRequests,
  operationOf,
  planAndRun,
  planOf,
} from './bao-fixture.js';

const fixtures = new BaoFixtures();
afterEach(() => fixtures.closeAll());

describe('bao.startPeer plan', () => {
  it('shows the exact request: PUT /peer/{name}/start without a body, keyed by the peer', () => {
    expect(planOf(startPeer, { peer: 'LAP' })).toEqual([
      { key: 'peer=LAP', inputs: { peer: 'LAP' }, request: { method: 'PUT', path: '/peer/LAP/start' } },
    ]);
  });
});

describe('bao.startPeer run', () => {
  it('sends PUT /baocdp/rest/peer/LAP/start with the token and the JSON content type for a stopped peer', async () => {
    const { sim, harness } = await fixtures.start({ bao: { transitionDelayMs: 0 } });
    sim.bao.setPeerStatus('LAP', 'STOPPED');
    const [result] = await planAndRun(startPeer, { peer: 'LAP' }, harness.context().ctx);
    expect(result).toEqual({ status: 'changed', outputs: { peer: 'LAP', statusBefore: 'STOPPED', sent: true } });
    expect(calls(sim)).toEqual(['GET /baocdp/rest/info/peer', 'PUT /baocdp/rest/peer/LAP/start']);
    const put = mutatingRequests(sim)[0];
    expect(put?.headers['authentication-token']).toBeTruthy();
    expect(put?.headers['content-type']).toBe(BAO_CONTENT_TYPE);
    expect(put?.body).toBe('');
    expect(sim.bao.peer('LAP')?.status).toBe('RUNNING');
  });

  it('is unchanged and sends nothing when the peer is already RUNNING', async () => {
    const { sim, harness } = await fixtures.start();
    const [result] = await planAndRun(startPeer, { peer: 'AP2' }, harness.context().ctx);
    expect(result).toEqual({ status: 'unchanged', outputs: { peer: 'AP2', statusBefore: 'RUNNING', sent: false } });
    expect(mutatingRequests(sim)).toHaveLength(0);
  });

  it('fails NOT_FOUND naming an unknown peer, and sends no start', async () => {
    const { sim, harness } = await fixtures.start();
    const err = await failureOf(() => planAndRun(startPeer, { peer: 'a/b' }, harness.context().ctx));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain("'a/b'");
    expect(mutatingRequests(sim)).toHaveLength(0);
  });

  it.each(ACCEPTED_VARIANTS)('takes BAO answering $label as accepted', async ({ bao }) => {
    const { sim, harness } = await fixtures.start({ bao });
    sim.bao.setPeerStatus('AP1', 'STOPPED');
    const [result] = await planAndRun(startPeer, { peer: 'AP1' }, harness.context().ctx);
    expect(result?.status).toBe('changed');
    expect(sim.bao.peer('AP1')?.startRequests).toBe(1);
  });

  it.each(FAILURE_VARIANTS)('fails BAO_ERROR when BAO answers $label', async ({ bao }) => {
    const { sim, harness } = await fixtures.start({ bao });
    sim.bao.setPeerStatus('AP1', 'STOPPED');
    const err = await failureOf(() => planAndRun(startPeer, { peer: 'AP1' }, harness.context().ctx));
    expect(err.code).toBe('BAO_ERROR');
    expect(err.details).toMatchObject({ baoResponse: 'Failure' });
  });

  it('retries the start after an injected 503 and succeeds', async () => {
    const { sim, harness } = await fixtures.start({ faults: { failFirst: [{ method: 'PUT', path: '/start$', count: 1, status: 503 }] } });
    sim.bao.setPeerStatus('AP1', 'STOPPED');
    const { ctx, trace } = harness.context({ retry: { attempts: 2 } });
    const [result] = await planAndRun(startPeer, { peer: 'AP1' }, ctx);
    expect(result?.status).toBe('changed');
    expect(trace.attempts).toBe(2);
  });

  it('sends a peer named a/b as the single segment a%2Fb, and turns BAO\'s 404 into NOT_FOUND', async () => {
    const { sim, harness } = await fixtures.start({
      bao: { peers: [{ name: 'a/b', status: 'STOPPED' }] },
      faults: { failFirst: [{ method: 'PUT', path: '^/baocdp/rest/peer/a%2Fb/start$', count: 1, status: 404 }] },
    });
    const err = await failureOf(() => planAndRun(startPeer, { peer: 'a/b' }, harness.context().ctx));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain("'a/b'");
    expect(mutatingRequests(sim).map((r) => r.pathname)).toEqual(['/baocdp/rest/peer/a%2Fb/start']);
  });
});

describe('bao.startPeer probe', () => {
  it('predicts a change for a stopped peer and unchanged for a running one, with GET only', async () => {
    const { sim, harness } = await fixtures.start();
    sim.bao.setPeerStatus('AP1', 'STOPPED');
    const ctx = harness.context({ readOnly: true }).ctx;
    const stopped = await startPeer.probe!(operationOf(planOf(startPeer, { peer: 'AP1' })[0]!), ctx);
    expect(stopped).toEqual({ outcome: 'would change', reason: 'start is sent for AP1 (STOPPED)' });
    const running = await startPeer.probe!(operationOf(planOf(startPeer, { peer: 'AP2' })[0]!), ctx);
    expect(running).toEqual({ outcome: 'unchanged', reason: 'already RUNNING: AP2 (RUNNING)' });
    expect(mutatingRequests(sim)).toHaveLength(0);
  });
});
