// bao.stopPeers against the simulated BAO over real HTTP: one POST per batch with the peers in the body,
// peers already stopped left out, unknown peers refused before anything is sent, accepted and failed answers.

import { afterEach, describe, expect, it } from 'vitest';
import stopPeers from '../../../src/actions/bao/stop-peers.js';
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

const bodies = (sim: Parameters<typeof mutatingRequests>[0]): unknown[] => mutatingRequests(sim).map((r) => JSON.parse(r.body));

describe('bao.stopPeers plan', () => {
  it('shows one POST /peer/stop with every peer in the body when there is no batchSize', () => {
    expect(planOf(stopPeers, { peers: ['LAP', 'AP1'] })).toEqual([
      {
        key: 'peers=LAP,AP1',
        inputs: { peers: ['LAP', 'AP1'] },
        request: { method: 'POST', path: '/peer/stop', body: { peers: [{ name: 'LAP' }, { name: 'AP1' }] } },
      },
    ]);
  });

  it('splits a long list into one operation per batch of batchSize, each with its own body', () => {
    const planned = planOf(stopPeers, { peers: ['CDP', 'AP1', 'AP2', 'LAP', 'AP3'], batchSize: 2 });
    expect(planned.map((p) => p.key)).toEqual(['peers=CDP,AP1', 'peers=AP2,LAP', 'peers=AP3']);
    expect(planned.map((p) => p.request)).toEqual([
      { method: 'POST', path: '/peer/stop', body: { peers: [{ name: 'CDP' }, { name: 'AP1' }] } },
      { method: 'POST', path: '/peer/stop', body: { peers: [{ name: 'AP2' }, { name: 'LAP' }] } },
      { method: 'POST', path: '/peer/stop', body: { peers: [{ name: 'AP3' }] } },
    ]);
    expect(planned[2]?.inputs).toEqual({ peers: ['AP3'], batchSize: 2 });
  });
});

describe('bao.stopPeers run', () => {
  it('reads the statuses once, then sends POST /baocdp/rest/peer/stop with {"peers":[{"name":...}]}, the token and the JSON content type', async () => {
    const { sim, harness } = await fixtures.start();
    const [result] = await planAndRun(stopPeers, { peers: ['LAP', 'AP1'] }, harness.context().ctx);
    expect(result).toEqual({ status: 'changed', outputs: { sent: ['LAP', 'AP1'], alreadyThere: [] } });
    expect(calls(sim)).toEqual(['GET /baocdp/rest/info/peer', 'POST /baocdp/rest/peer/stop']);
    const post = mutatingRequests(sim)[0];
    expect(post?.headers['authentication-token']).toBeTruthy();
    expect(post?.headers['content-type']).toBe(BAO_CONTENT_TYPE);
    expect(JSON.parse(post?.body ?? '')).toEqual({ peers: [{ name: 'LAP' }, { name: 'AP1' }] });
    expect(sim.bao.peer('AP2')?.stopRequests).toBe(0);
  });

  it('sends only the peers not already STOPPED, and lists the others as alreadyThere', async () => {
    const { sim, harness } = await fixtures.start();
    sim.bao.setPeerStatus('AP1', 'STOPPED');
    const [result] = await planAndRun(stopPeers, { peers: ['AP1', 'AP2', 'LAP'] }, harness.context().ctx);
    expect(result).toEqual({ status: 'changed', outputs: { sent: ['AP2', 'LAP'], alreadyThere: ['AP1'] } });
    expect(bodies(sim)).toEqual([{ peers: [{ name: 'AP2' }, { name: 'LAP' }] }]);
  });

  it('is unchanged and sends nothing when every peer is already STOPPED', async () => {
    const { sim, harness } = await fixtures.start();
    sim.bao.setPeerStatus('AP1', 'STOPPED');
    sim.bao.setPeerStatus('AP2', 'STOPPED');
    const [result] = await planAndRun(stopPeers, { peers: ['AP1', 'AP2'] }, harness.context().ctx);
    expect(result).toEqual({ status: 'unchanged', outputs: { sent: [], alreadyThere: ['AP1', 'AP2'] } });
    expect(mutatingRequests(sim)).toHaveLength(0);
  });

  it('fails NOT_FOUND naming every unknown peer, and stops none of the group', async () => {
    const { sim, harness } = await fixtures.start();
    const err = await failureOf(() => planAndRun(stopPeers, { peers: ['AP1', 'AP9', '../admin'] }, harness.context().ctx));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain("'AP9', '../admin'");
    expect(err.details).toEqual({ missing: ['AP9', '../admin'] });
    expect(mutatingRequests(sim)).toHaveLength(0);
    expect(sim.bao.peer('AP1')?.stopRequests).toBe(0);
  });

  it('sends one request per batch when run from a plan with batchSize', async () => {
    const { sim, harness } = await fixtures.start();
    const results = await planAndRun(stopPeers, { peers: ['CDP', 'AP1', 'AP2', 'LAP'], batchSize: 3 }, harness.context().ctx);
    expect(results.map((r) => r.outputs?.sent)).toEqual([['CDP', 'AP1', 'AP2'], ['LAP']]);
    expect(bodies(sim)).toEqual([
      { peers: [{ name: 'CDP' }, { name: 'AP1' }, { name: 'AP2' }] },
      { peers: [{ name: 'LAP' }] },
    ]);
  });

  it('still honours batchSize when handed more peers than one batch, sending several requests', async () => {
    const { sim, harness } = await fixtures.start();
    const result = await stopPeers.run({ key: 'test/all', inputs: { peers: ['CDP', 'AP1', 'AP2'], batchSize: 2 } }, harness.context().ctx);
    expect(result.outputs?.sent).toEqual(['CDP', 'AP1', 'AP2']);
    expect(bodies(sim)).toEqual([{ peers: [{ name: 'CDP' }, { name: 'AP1' }] }, { peers: [{ name: 'AP2' }] }]);
  });

  it.each(ACCEPTED_VARIANTS)('takes BAO answering $label as accepted', async ({ bao }) => {
    const { sim, harness } = await fixtures.start({ bao });
    const [result] = await planAndRun(stopPeers, { peers: ['AP1', 'AP2'] }, harness.context().ctx);
    expect(result?.status).toBe('changed');
    expect(sim.bao.peer('AP2')?.stopRequests).toBe(1);
  });

  it.each(FAILURE_VARIANTS)('fails BAO_ERROR when BAO answers $label', async ({ bao }) => {
    const { harness } = await fixtures.start({ bao });
    const err = await failureOf(() => planAndRun(stopPeers, { peers: ['AP1'] }, harness.context().ctx));
    expect(err.code).toBe('BAO_ERROR');
    expect(err.details).toMatchObject({ baoResponse: 'Failure' });
  });

  it('retries the group stop after an injected 503 and sends the same body again', async () => {
    const { sim, harness } = await fixtures.start({ faults: { failFirst: [{ method: 'POST', path: '/peer/stop$', count: 1, status: 503 }] } });
    const { ctx, trace } = harness.context({ retry: { attempts: 2 } });
    const [result] = await planAndRun(stopPeers, { peers: ['AP1', 'LAP'] }, ctx);
    expect(result?.status).toBe('changed');
    expect(trace.attempts).toBe(2);
    expect(bodies(sim)).toEqual([
      { peers: [{ name: 'AP1' }, { name: 'LAP' }] },
      { peers: [{ name: 'AP1' }, { name: 'LAP' }] },
    ]);
  });

  it('puts hostile names in the body only: the path stays /peer/stop', async () => {
    const { sim, harness } = await fixtures.start({ bao: { peers: [{ name: '../admin' }, { name: 'a/b' }] } });
    await planAndRun(stopPeers, { peers: ['../admin', 'a/b'] }, harness.context().ctx);
    expect(mutatingRequests(sim).map((r) => r.pathname)).toEqual(['/baocdp/rest/peer/stop']);
    expect(bodies(sim)).toEqual([{ peers: [{ name: '../admin' }, { name: 'a/b' }] }]);
    expect(sim.bao.peer('../admin')?.stopRequests).toBe(1);
  });

  it("turns BAO's 404 to the group request into NOT_FOUND naming the peers sent", async () => {
    const { harness } = await fixtures.start({ faults: { failFirst: [{ method: 'POST', path: '/peer/stop$', count: 1, status: 404 }] } });
    const err = await failureOf(() => planAndRun(stopPeers, { peers: ['AP1', 'AP2'] }, harness.context().ctx));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.details).toMatchObject({ status: 404, peers: ['AP1', 'AP2'] });
  });
});

describe('bao.stopPeers probe', () => {
  it('predicts which peers would be sent and which are already stopped, with GET only', async () => {
    const { sim, harness } = await fixtures.start();
    sim.bao.setPeerStatus('AP1', 'STOPPED');
    const ctx = harness.context({ readOnly: true }).ctx;
    const prediction = await stopPeers.probe!(operationOf(planOf(stopPeers, { peers: ['AP1', 'AP2'] })[0]!), ctx);
    expect(prediction).toEqual({ outcome: 'would change', reason: 'stop is sent for AP2 (RUNNING); already STOPPED, not sent: AP1' });
    const unknown = await stopPeers.probe!(operationOf(planOf(stopPeers, { peers: ['AP1', 'ghost'] })[0]!), ctx);
    expect(unknown.outcome).toBe('would fail');
    expect(calls(sim)).toEqual(['GET /baocdp/rest/info/peer', 'GET /baocdp/rest/info/peer']);
  });
});
