// bao.stopPeer against the simulated BAO over real HTTP: the request that arrives, peers already stopped,
// unknown peers, every accepted answer, Failure bodies, retries, hostile names and one shared login.

import { afterEach, describe, expect, it } from 'vitest';
import stopPeer from '../../../src/actions/bao/stop-peer.js';
import {
  ACCEPTED_VARIANTS,
  BAO_CONTENT_TYPE,
  BaoFixtures,
  calls,
  failureOf,
  mutatingRequests,
  operationOf,
  planAndRun,
  planOf,
} from './bao-fixture.js';

const fixtures = new BaoFixtures();
afterEach(() => fixtures.closeAll());

describe('bao.stopPeer plan', () => {
  it('shows the exact request: PUT /peer/{name}/stop without a body, keyed by the peer', () => {
    expect(planOf(stopPeer, { peer: 'AP1' })).toEqual([
      { key: 'peer=AP1', inputs: { peer: 'AP1' }, request: { method: 'PUT', path: '/peer/AP1/stop' } },
    ]);
  });

  it('keeps a hostile name inside one percent-encoded path segment', () => {
    expect(planOf(stopPeer, { peer: '../admin' })[0]?.request).toEqual({ method: 'PUT', path: '/peer/..%2Fadmin/stop' });
    expect(planOf(stopPeer, { peer: '..' })[0]?.request).toEqual({ method: 'PUT', path: '/peer/%2E%2E/stop' });
    expect(planOf(stopPeer, { peer: 'a/b?x=1' })[0]?.request).toEqual({ method: 'PUT', path: '/peer/a%2Fb%3Fx%3D1/stop' });
  });
});

describe('bao.stopPeer run', () => {
  it('reads the peer statuses, then sends PUT /baocdp/rest/peer/AP1/stop with the token, the JSON content type and no body', async () => {
    const { sim, harness } = await fixtures.start();
    const { ctx } = harness.context();
    const [result] = await planAndRun(stopPeer, { peer: 'AP1' }, ctx);
    expect(result).toEqual({ status: 'changed', outputs: { peer: 'AP1', statusBefore: 'RUNNING', sent: true } });
    expect(calls(sim)).toEqual(['GET /baocdp/rest/info/peer', 'PUT /baocdp/rest/peer/AP1/stop']);
    const put = mutatingRequests(sim)[0];
    expect(put?.headers['authentication-token']).toBeTruthy();
    expect(put?.headers['content-type']).toBe(BAO_CONTENT_TYPE);
    expect(put?.body).toBe('');
    expect(sim.bao.peer('AP1')?.stopRequests).toBe(1);
    expect(sim.bao.peer('AP2')?.stopRequests).toBe(0);
  });

  it('is unchanged and sends nothing when the peer is already STOPPED', async () => {
    const { sim, harness } = await fixtures.start();
    sim.bao.setPeerStatus('AP1', 'STOPPED');
    const [result] = await planAndRun(stopPeer, { peer: 'AP1' }, harness.context().ctx);
    expect(result).toEqual({ status: 'unchanged', outputs: { peer: 'AP1', statusBefore: 'STOPPED', sent: false } });
    expect(mutatingRequests(sim)).toHaveLength(0);
  });

  it('takes the stopped status from stoppedStatus, for sites whose BAO reports another word', async () => {
    const { sim, harness } = await fixtures.start({ bao: { stoppedStatus: 'SHUTDOWN' } });
    sim.bao.setPeerStatus('AP1', 'SHUTDOWN');
    const [result] = await planAndRun(stopPeer, { peer: 'AP1', stoppedStatus: 'shutdown' }, harness.context().ctx);
    expect(result?.status).toBe('unchanged');
    expect(mutatingRequests(sim)).toHaveLength(0);
  });

  it('fails NOT_FOUND naming an unknown peer and the known ones, and sends no stop', async () => {
    const { sim, harness } = await fixtures.start();
    const err = await failureOf(() => planAndRun(stopPeer, { peer: 'AP9' }, harness.context().ctx));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain("'AP9'");
    expect(err.message).toContain('CDP, AP1, AP2, LAP');
    expect(mutatingRequests(sim)).toHaveLength(0);
  });

  it.each(ACCEPTED_VARIANTS)('takes BAO answering $label as accepted', async ({ bao }) => {
    const { sim, harness } = await fixtures.start({ bao });
    const [result] = await planAndRun(stopPeer, { peer: 'LAP' }, harness.context().ctx);
    expect(result?.status).toBe('changed');
    expect(sim.bao.peer('LAP')?.stopRequests).toBe(1);
  });

  it('fails BAO_ERROR when the answer body says {"response":"Failure"}', async () => {
    const { harness } = await fixtures.start({ bao: { acceptStatus: 200, acceptBody: { response: 'Failure' } } });
    const err = await failureOf(() => planAndRun(stopPeer, { peer: 'AP1' }, harness.context().ctx));
    expect(err.code).toBe('BAO_ERROR');
    expect(err.message).toContain('Failure');
    expect(err.details).toMatchObject({ status: 200, baoResponse: 'Failure' });
  });

  it('retries the stop after an injected 503 and succeeds', async () => {
    const { sim, harness } = await fixtures.start({ faults: { failFirst: [{ method: 'PUT', path: '/peer/AP1/stop$', count: 2, status: 503 }] } });
    const { ctx, trace } = harness.context({ retry: { attempts: 3 } });
    const [result] = await planAndRun(stopPeer, { peer: 'AP1' }, ctx);
    expect(result?.status).toBe('changed');
    expect(trace.attempts).toBe(3);
    expect(calls(sim).filter((c) => c.startsWith('PUT'))).toHaveLength(3);
  });

  it('sends peers named ../admin, a/b and .. as one encoded segment each, reaching those peers and no other resource', async () => {
    const { sim, harness } = await fixtures.start({ bao: { peers: [{ name: '../admin' }, { name: 'a/b' }, { name: '..' }, { name: 'AP1' }] } });
    const ctx = harness.context().ctx;
    for (const peer of ['../admin', 'a/b', '..']) await planAndRun(stopPeer, { peer }, ctx);
    expect(mutatingRequests(sim).map((r) => r.pathname)).toEqual([
      '/baocdp/rest/peer/..%2Fadmin/stop',
      '/baocdp/rest/peer/a%2Fb/stop',
      '/baocdp/rest/peer/%2E%2E/stop',
    ]);
    for (const peer of ['../admin', 'a/b', '..']) expect(sim.bao.peer(peer)?.stopRequests).toBe(1);
    expect(sim.bao.peer('AP1')?.stopRequests).toBe(0);
  });

  it('fails NOT_FOUND for peers named ../admin or a/b that BAO does not have, without sending a stop', async () => {
    const { sim, harness } = await fixtures.start();
    for (const peer of ['../admin', 'a/b']) {
      const err = await failureOf(() => planAndRun(stopPeer, { peer }, harness.context().ctx));
      expect(err.code).toBe('NOT_FOUND');
      expect(err.message).toContain(`'${peer}'`);
    }
    expect(mutatingRequests(sim)).toHaveLength(0);
  });

  it('turns a 404 for a peer named ../admin into NOT_FOUND naming it, on the encoded path', async () => {
    const { sim, harness } = await fixtures.start({
      bao: { peers: [{ name: '../admin' }] },
      // BAO lists the peer but answers 404 to the stop, as when it is removed in between.
      faults: { failFirst: [{ method: 'PUT', path: '^/baocdp/rest/peer/\\.\\.%2Fadmin/stop$', count: 1, status: 404 }] },
    });
    const err = await failureOf(() => planAndRun(stopPeer, { peer: '../admin' }, harness.context().ctx));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain("'../admin'");
    expect(err.details).toMatchObject({ status: 404, peers: ['../admin'] });
    expect(mutatingRequests(sim).map((r) => r.pathname)).toEqual(['/baocdp/rest/peer/..%2Fadmin/stop']);
  });

  it('logs in exactly once for 50 concurrent operations on one connection', async () => {
    const { sim, harness } = await fixtures.start();
    const names = ['CDP', 'AP1', 'AP2', 'LAP'];
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => planAndRun(stopPeer, { peer: names[i % names.length] as string }, harness.context().ctx)),
    );
    expect(results.flat()).toHaveLength(50);
    expect(sim.bao.logins).toBe(1);
    const tokens = new Set(peerTokens(sim));
    expect(tokens.size).toBe(1);
  });
});

describe('bao.stopPeer probe', () => {
  it('predicts a change for a running peer, with GET only', async () => {
    const { sim, harness } = await fixtures.start();
    const op = operationOf(planOf(stopPeer, { peer: 'AP1' })[0]!);
    const prediction = await stopPeer.probe!(op, harness.context({ readOnly: true }).ctx);
    expect(prediction).toEqual({ outcome: 'would change', reason: 'stop is sent for AP1 (RUNNING)' });
    expect(calls(sim)).toEqual(['GET /baocdp/rest/info/peer']);
  });

  it('predicts unchanged for a stopped peer and a failure for an unknown one', async () => {
    const { sim, harness } = await fixtures.start();
    sim.bao.setPeerStatus('LAP', 'STOPPED');
    const ctx = harness.context({ readOnly: true }).ctx;
    expect((await stopPeer.probe!(operationOf(planOf(stopPeer, { peer: 'LAP' })[0]!), ctx)).outcome).toBe('unchanged');
    const unknown = await stopPeer.probe!(operationOf(planOf(stopPeer, { peer: 'nope' })[0]!), ctx);
    expect(unknown.outcome).toBe('would fail');
    expect(unknown.reason).toContain("'nope'");
    expect(mutatingRequests(sim)).toHaveLength(0);
  });
});

function peerTokens(sim: { requests: Array<{ pathname: string; headers: Record<string, string> }> }): string[] {
  return sim.requests.filter((r) => r.pathname !== '/baocdp/rest/login').map((r) => r.headers['authentication-token'] ?? '');
}
