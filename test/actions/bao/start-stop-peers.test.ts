// bao.stopPeers and bao.startPeers against the simulated BAO over real HTTP, one suite for both: one POST
// per batch with the peers in the body, peers already where they should be left out, unknown peers
// refused before anything is sent, accepted and failed answers, retries and hostile names.

import { afterEach, describe, expect, it } from 'vitest';
import startPeers from '../../../src/actions/bao/start-peers.js';
import stopPeers from '../../../src/actions/bao/stop-peers.js';
import type { Simulator } from '../../../src/sim/index.js';
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

/** Each action, the status it leaves peers in, the status it acts on, and the simulator's count of its requests. */
const ACTIONS = [
  { action: stopPeers, verb: 'stop', target: 'STOPPED', acted: 'RUNNING', count: 'stopRequests' },
  { action: startPeers, verb: 'start', target: 'RUNNING', acted: 'STOPPED', count: 'startRequests' },
] as const;

const ALL = ['CDP', 'AP1', 'AP2', 'LAP'];

const bodies = (sim: Simulator): unknown[] => mutatingRequests(sim).map((r) => JSON.parse(r.body));
const named = (...names: string[]) => ({ peers: names.map((name) => ({ name })) });

describe.each(ACTIONS)('$action.name', ({ action, verb, target, acted, count }) => {
  /** The simulator's peers, each in the status the action acts on (or `target` for those named). */
  const peers = (names: string[], alreadyThere: string[] = []) =>
    names.map((name) => ({ name, status: alreadyThere.includes(name) ? target : acted }));
  const path = `/peer/${verb}`;

  describe('plan', () => {
    it(`shows one POST ${path} with every peer in the body when there is no batchSize`, () => {
      expect(planOf(action, { peers: ['LAP', 'AP1'] })).toEqual([
        { key: 'peers=LAP,AP1', inputs: { peers: ['LAP', 'AP1'] }, request: { method: 'POST', path, body: named('LAP', 'AP1') } },
      ]);
    });

    it('splits a long list into one operation per batch of batchSize, each with its own body, keyed by its peers', () => {
      const planned = planOf(action, { peers: ['CDP', 'AP1', 'AP2', 'LAP', 'AP3'], batchSize: 2 });
      expect(planned.map((p) => p.key)).toEqual(['peers=CDP,AP1', 'peers=AP2,LAP', 'peers=AP3']);
      expect(planned.map((p) => p.request)).toEqual([
        { method: 'POST', path, body: named('CDP', 'AP1') },
        { method: 'POST', path, body: named('AP2', 'LAP') },
        { method: 'POST', path, body: named('AP3') },
      ]);
      expect(planned[2]?.inputs).toEqual({ peers: ['AP3'], batchSize: 2 });
    });
  });

  describe('run', () => {
    it(`reads the statuses once, then sends POST /baocdp/rest${path} with {"peers":[{"name":...}]}, the token and the JSON content type`, async () => {
      const { sim, harness } = await fixtures.start({ bao: { peers: peers(ALL) } });
      const [result] = await planAndRun(action, { peers: ['LAP', 'AP1'] }, harness.context().ctx);
      expect(result).toEqual({ status: 'changed', outputs: { sent: ['LAP', 'AP1'], alreadyThere: [] } });
      expect(calls(sim)).toEqual(['GET /baocdp/rest/info/peer', `POST /baocdp/rest${path}`]);
      const post = mutatingRequests(sim)[0];
      expect(post?.headers['authentication-token']).toBeTruthy();
      expect(post?.headers['content-type']).toBe(BAO_CONTENT_TYPE);
      expect(JSON.parse(post?.body ?? '')).toEqual(named('LAP', 'AP1'));
      expect(sim.bao.peer('AP2')?.[count]).toBe(0);
    });

    it(`sends only the peers not already ${target}, and lists the others as alreadyThere`, async () => {
      const { sim, harness } = await fixtures.start({ bao: { peers: peers(ALL, ['AP1']) } });
      const [result] = await planAndRun(action, { peers: ['AP1', 'AP2', 'LAP'] }, harness.context().ctx);
      expect(result).toEqual({ status: 'changed', outputs: { sent: ['AP2', 'LAP'], alreadyThere: ['AP1'] } });
      expect(bodies(sim)).toEqual([named('AP2', 'LAP')]);
    });

    it(`is unchanged and sends nothing when every peer is already ${target}`, async () => {
      const { sim, harness } = await fixtures.start({ bao: { peers: peers(ALL, ['AP1', 'AP2']) } });
      const [result] = await planAndRun(action, { peers: ['AP1', 'AP2'] }, harness.context().ctx);
      expect(result).toEqual({ status: 'unchanged', outputs: { sent: [], alreadyThere: ['AP1', 'AP2'] } });
      expect(mutatingRequests(sim)).toHaveLength(0);
    });

    it(`fails NOT_FOUND naming every unknown peer, and sends the ${verb} to none of the group`, async () => {
      const { sim, harness } = await fixtures.start({ bao: { peers: peers(ALL) } });
      const err = await failureOf(() => planAndRun(action, { peers: ['AP1', 'AP9', '../admin', 'a/b'] }, harness.context().ctx));
      expect(err.code).toBe('NOT_FOUND');
      expect(err.message).toContain("'AP9', '../admin', 'a/b'");
      expect(err.details).toEqual({ missing: ['AP9', '../admin', 'a/b'] });
      expect(mutatingRequests(sim)).toHaveLength(0);
      expect(sim.bao.peer('AP1')?.[count]).toBe(0);
    });

    it('sends one request per batch when run from a plan with batchSize', async () => {
      const { sim, harness } = await fixtures.start({ bao: { peers: peers(ALL) } });
      const results = await planAndRun(action, { peers: ALL, batchSize: 3 }, harness.context().ctx);
      expect(results.map((r) => r.status)).toEqual(['changed', 'changed']);
      expect(results.map((r) => r.outputs?.sent)).toEqual([['CDP', 'AP1', 'AP2'], ['LAP']]);
      expect(bodies(sim)).toEqual([named('CDP', 'AP1', 'AP2'), named('LAP')]);
    });

    it('still honours batchSize when handed more peers than one batch, sending several requests', async () => {
      const { sim, harness } = await fixtures.start({ bao: { peers: peers(ALL) } });
      const result = await action.run({ key: 'test/all', inputs: { peers: ['CDP', 'AP1', 'AP2'], batchSize: 2 } }, harness.context().ctx);
      expect(result.outputs?.sent).toEqual(['CDP', 'AP1', 'AP2']);
      expect(bodies(sim)).toEqual([named('CDP', 'AP1'), named('AP2')]);
    });

    it.each(ACCEPTED_VARIANTS)('takes BAO answering $label as accepted', async ({ bao }) => {
      const { sim, harness } = await fixtures.start({ bao: { ...bao, peers: peers(ALL, ['AP1']) } });
      const [result] = await planAndRun(action, { peers: ['AP1', 'AP2'] }, harness.context().ctx);
      expect(result?.status).toBe('changed');
      expect(sim.bao.peer('AP2')?.[count]).toBe(1);
    });

    it.each(FAILURE_VARIANTS)('fails BAO_ERROR when BAO answers $label', async ({ bao }) => {
      const { harness } = await fixtures.start({ bao: { ...bao, peers: peers(ALL) } });
      const err = await failureOf(() => planAndRun(action, { peers: ['AP1'] }, harness.context().ctx));
      expect(err.code).toBe('BAO_ERROR');
      expect(err.details).toMatchObject({ baoResponse: 'Failure' });
    });

    it(`retries the group ${verb} after injected 503s and sends the same body again`, async () => {
      const { sim, harness } = await fixtures.start({
        bao: { peers: peers(ALL) },
        faults: { failFirst: [{ method: 'POST', path: `${path}$`, count: 2, status: 503 }] },
      });
      const { ctx, trace } = harness.context({ retry: { attempts: 3 } });
      const [result] = await planAndRun(action, { peers: ['AP1', 'LAP'] }, ctx);
      expect(result?.status).toBe('changed');
      expect(trace.attempts).toBe(3);
      expect(bodies(sim)).toEqual([named('AP1', 'LAP'), named('AP1', 'LAP'), named('AP1', 'LAP')]);
    });

    it('fails once the retries are spent, keeping the transient flag', async () => {
      const { harness } = await fixtures.start({
        bao: { peers: peers(ALL) },
        faults: { failFirst: [{ method: 'POST', path: `${path}$`, count: 5, status: 503 }] },
      });
      const err = await failureOf(() => planAndRun(action, { peers: ['AP2'] }, harness.context({ retry: { attempts: 2 } }).ctx));
      expect(err.details).toMatchObject({ status: 503 });
      expect(err.transient).toBe(true);
    });

    it(`puts hostile names in the body only: the path stays ${path}`, async () => {
      const { sim, harness } = await fixtures.start({ bao: { peers: peers(['../admin', 'a/b']) } });
      await planAndRun(action, { peers: ['../admin', 'a/b'] }, harness.context().ctx);
      expect(mutatingRequests(sim).map((r) => r.pathname)).toEqual([`/baocdp/rest${path}`]);
      expect(bodies(sim)).toEqual([named('../admin', 'a/b')]);
      expect(sim.bao.peer('../admin')?.[count]).toBe(1);
    });

    it("turns BAO's 404 to the group request into NOT_FOUND naming the peers sent", async () => {
      const { harness } = await fixtures.start({
        bao: { peers: peers(ALL) },
        faults: { failFirst: [{ method: 'POST', path: `${path}$`, count: 1, status: 404 }] },
      });
      const err = await failureOf(() => planAndRun(action, { peers: ['AP1', 'AP2'] }, harness.context().ctx));
      expect(err.code).toBe('NOT_FOUND');
      expect(err.details).toMatchObject({ status: 404, peers: ['AP1', 'AP2'] });
    });
  });

  describe('probe', () => {
    it(`predicts unchanged when every peer is ${target}, which peers would be sent otherwise, and a failure for an unknown one, with GET only`, async () => {
      const { sim, harness } = await fixtures.start({ bao: { peers: peers(ALL, ['AP1', 'AP2']) } });
      const ctx = harness.context({ readOnly: true }).ctx;
      const probe = (names: string[]) => action.probe!(operationOf(planOf(action, { peers: names })[0]!), ctx);
      expect((await probe(['AP1', 'AP2'])).outcome).toBe('unchanged');
      expect(await probe(['AP1', 'LAP'])).toEqual({
        outcome: 'would change',
        reason: `${verb} is sent for LAP (${acted}); already ${target}, not sent: AP1`,
      });
      expect((await probe(['AP1', 'ghost'])).outcome).toBe('would fail');
      expect(calls(sim)).toEqual(Array.from({ length: 3 }, () => 'GET /baocdp/rest/info/peer'));
    });
  });
});
