// bao.startPeers against the simulated BAO over real HTTP: one POST per batch, running peers left out,
// unknown peers refused before anything is sent, accepted and failed answers, retries.

import { afterEach, describe, expect, it } from 'vitest';
import startPeers from '../../../src/actions/bao/start-peers.js';
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

const stopped = (names: string[]) => ({ peers: ['CDP', 'AP1', 'AP2', 'LAP'].map((name) => ({ name, status: names.includes(name) ? 'STOPPED' : 'RUNNING' })) });

describe('bao.startPeers plan', () => {
  it('splits the list by batchSize into POST /peer/start requests, keyed by their peers', () => {
    const planned = planOf(startPeers, { peers: ['AP1', 'AP2', 'LAP'], batchSize: 2 });
    expect(planned.map((p) => ({ key: p.key, request: p.request }))).toEqual([
      { key: 'peers=AP1,AP2', request: { method: 'POST', path: '/peer/start', body: { peers: [{ name: 'AP1' }, { name: 'AP2' }] } } },
      { key: 'peers=LAP', request: { method: 'POST', path: '/peer/start', body: { peers: [{ name: 'LAP' }] } } },
    ]);
  });
});

describe('bao.startPeers run', () => {
  it('sends POST /baocdp/rest/peer/start with the stopped peers, the token and the JSON content type', async () => {
    const { sim, harness } = await fixtures.start({ bao: stopped(['AP1', 'LAP']) });
    const [result] = await planAndRun(startPeers, { peers: ['AP1', 'AP2', 'LAP'] }, harness.context().ctx);
    expect(result).toEqual({ status: 'changed', outputs: { sent: ['AP1', 'LAP'], alreadyThere: ['AP2'] } });
    expect(calls(sim)).toEqual(['GET /baocdp/rest/info/peer', 'POST /baocdp/rest/peer/start']);
    const post = mutatingRequests(sim)[0];
    expect(post?.headers['authentication-token']).toBeTruthy();
    expect(post?.headers['content-type']).toBe(BAO_CONTENT_TYPE);
    expect(JSON.parse(post?.body ?? '')).toEqual({ peers: [{ name: 'AP1' }, { name: 'LAP' }] });
  });

  it('is unchanged and sends nothing when every peer is already RUNNING', async () => {
    const { sim, harness } = await fixtures.start();
    const [result] = await planAndRun(startPeers, { peers: ['AP1', 'AP2'] }, harness.context().ctx);
    expect(result).toEqual({ status: 'unchanged', outputs: { sent: [], alreadyThere: ['AP1', 'AP2'] } });
    expect(mutatingRequests(sim)).toHaveLength(0);
  });

  it('fails NOT_FOUND for an unknown peer in the group, and starts none of it', async () => {
    const { sim, harness } = await fixtures.start({ bao: stopped(['AP1']) });
    const err = await failureOf(() => planAndRun(startPeers, { peers: ['AP1', 'a/b'] }, harness.context().ctx));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain("'a/b'");
    expect(mutatingRequests(sim)).toHaveLength(0);
  });

  it('sends one request per batch', async () => {
    const { sim, harness } = await fixtures.start({ bao: stopped(['CDP', 'AP1', 'AP2', 'LAP']) });
    const results = await planAndRun(startPeers, { peers: ['CDP', 'AP1', 'AP2', 'LAP'], batchSize: 2 }, harness.context().ctx);
    expect(results.map((r) => r.status)).toEqual(['changed', 'changed']);
    expect(mutatingRequests(sim).map((r) => JSON.parse(r.body))).toEqual([
      { peers: [{ name: 'CDP' }, { name: 'AP1' }] },
      { peers: [{ name: 'AP2' }, { name: 'LAP' }] },
    ]);
  });

  it.each(ACCEPTED_VARIANTS)('takes BAO answering $label as accepted', async ({ bao }) => {
    const { sim, harness } = await fixtures.start({ bao: { ...bao, ...stopped(['LAP']) } });
    const [result] = await planAndRun(startPeers, { peers: ['LAP'] }, harness.context().ctx);
    expect(result?.status).toBe('changed');
    expect(sim.bao.peer('LAP')?.startRequests).toBe(1);
  });

  it.each(FAILURE_VARIANTS)('fails BAO_ERROR when BAO answers $label', async ({ bao }) => {
    const { harness } = await fixtures.start({ bao: { ...bao, ...stopped(['LAP']) } });
    const err = await failureOf(() => planAndRun(startPeers, { peers: ['LAP'] }, harness.context().ctx));
    expect(err.code).toBe('BAO_ERROR');
  });

  it('retries after an injected 503 and succeeds', async () => {
    const { harness } = await fixtures.start({
      bao: stopped(['AP2']),
      faults: { failFirst: [{ method: 'POST', path: '/peer/start$', count: 2, status: 503 }] },
    });
    const { ctx, trace } = harness.context({ retry: { attempts: 3 } });
    const [result] = await planAndRun(startPeers, { peers: ['AP2'] }, ctx);
    expect(result?.status).toBe('changed');
    expect(trace.attempts).toBe(3);
  });

  it('fails once the retries are spent, keeping the transient flag', async () => {
    const { harness } = await fixtures.start({
      bao: stopped(['AP2']),
      faults: { failFirst: [{ method: 'POST', path: '/peer/start$', count: 5, status: 503 }] },
    });
    const err = await failureOf(() => planAndRun(startPeers, { peers: ['AP2'] }, harness.context({ retry: { attempts: 2 } }).ctx));
    expect(err.details).toMatchObject({ status: 503 });
    expect(err.transient).toBe(true);
  });
});

describe('bao.startPeers probe', () => {
  it('predicts unchanged when every peer runs, and a change naming the stopped ones otherwise', async () => {
    const { sim, harness } = await fixtures.start({ bao: stopped(['LAP']) });
    const ctx = harness.context({ readOnly: true }).ctx;
    const running = await startPeers.probe!(operationOf(planOf(startPeers, { peers: ['AP1', 'AP2'] })[0]!), ctx);
    expect(running.outcome).toBe('unchanged');
    const some = await startPeers.probe!(operationOf(planOf(startPeers, { peers: ['AP1', 'LAP'] })[0]!), ctx);
    expect(some).toEqual({ outcome: 'would change', reason: 'start is sent for LAP (STOPPED); already RUNNING, not sent: AP1' });
    expect(mutatingRequests(sim)).toHaveLength(0);
  });
});
