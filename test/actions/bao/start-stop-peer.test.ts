// bao.stopPeer and bao.startPeer against the simulated BAO over real HTTP, one suite for both: the
// request that arrives, peers already where they should be, unknown peers, every accepted answer,
// Failure bodies, retries, hostile names and one shared login. Then what only stopPeer has.

import { afterEach, describe, expect, it } from 'vitest';
import startPeer from '../../../src/actions/bao/start-peer.js';
import stopPeer from '../../../src/actions/bao/stop-peer.js';
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

/** Each action, the status it leaves a peer in, the status it acts on, and the simulator's count of its requests. */
const ACTIONS = [
  { action: stopPeer, verb: 'stop', target: 'STOPPED', acted: 'RUNNING', count: 'stopRequests' },
  { action: startPeer, verb: 'start', target: 'RUNNING', acted: 'STOPPED', count: 'startRequests' },
] as const;

/** The hostile peer names, and the one path segment each becomes. */
const HOSTILE = [
  { peer: '../admin', segment: '..%2Fadmin' },
  { peer: 'a/b', segment: 'a%2Fb' },
  { peer: '..', segment: '%2E%2E' },
];

describe.each(ACTIONS)('$action.name', ({ action, verb, target, acted, count }) => {
  /** The simulator's peers, each in the status the action acts on (or `target` for those named). */
  const peers = (names: string[], alreadyThere: string[] = []) =>
    names.map((name) => ({ name, status: alreadyThere.includes(name) ? target : acted }));

  describe('plan', () => {
    it(`shows the exact request: PUT /peer/{name}/${verb} without a body, keyed by the peer`, () => {
      expect(planOf(action, { peer: 'AP1' })).toEqual([
        { key: 'peer=AP1', inputs: { peer: 'AP1' }, request: { method: 'PUT', path: `/peer/AP1/${verb}` } },
      ]);
    });

    it('keeps a hostile name inside one percent-encoded path segment', () => {
      expect(planOf(action, { peer: '../admin' })[0]?.request).toEqual({ method: 'PUT', path: `/peer/..%2Fadmin/${verb}` });
      expect(planOf(action, { peer: '..' })[0]?.request).toEqual({ method: 'PUT', path: `/peer/%2E%2E/${verb}` });
      expect(planOf(action, { peer: 'a/b?x=1' })[0]?.request).toEqual({ method: 'PUT', path: `/peer/a%2Fb%3Fx%3D1/${verb}` });
    });
  });

  describe('run', () => {
    it(`reads the peer statuses, then sends PUT /baocdp/rest/peer/AP1/${verb} with the token, the JSON content type and no body`, async () => {
      const { sim, harness } = await fixtures.start({ bao: { transitionDelayMs: 0, peers: peers(['CDP', 'AP1', 'AP2', 'LAP']) } });
      const [result] = await planAndRun(action, { peer: 'AP1' }, harness.context().ctx);
      expect(result).toEqual({ status: 'changed', outputs: { peer: 'AP1', statusBefore: acted, sent: true } });
      expect(calls(sim)).toEqual(['GET /baocdp/rest/info/peer', `PUT /baocdp/rest/peer/AP1/${verb}`]);
      const put = mutatingRequests(sim)[0];
      expect(put?.headers['authentication-token']).toBeTruthy();
      expect(put?.headers['content-type']).toBe(BAO_CONTENT_TYPE);
      expect(put?.body).toBe('');
      expect(sim.bao.peer('AP1')?.[count]).toBe(1);
      expect(sim.bao.peer('AP1')?.status).toBe(target);
      expect(sim.bao.peer('AP2')?.[count]).toBe(0);
    });

    it(`is unchanged and sends nothing when the peer is already ${target}`, async () => {
      const { sim, harness } = await fixtures.start({ bao: { peers: peers(['AP1', 'AP2'], ['AP1']) } });
      const [result] = await planAndRun(action, { peer: 'AP1' }, harness.context().ctx);
      expect(result).toEqual({ status: 'unchanged', outputs: { peer: 'AP1', statusBefore: target, sent: false } });
      expect(mutatingRequests(sim)).toHaveLength(0);
    });

    it(`fails NOT_FOUND naming an unknown peer (AP9, ../admin, a/b) and the known ones, and sends no ${verb}`, async () => {
      const { sim, harness } = await fixtures.start({ bao: { peers: peers(['CDP', 'AP1', 'AP2', 'LAP']) } });
      for (const peer of ['AP9', '../admin', 'a/b']) {
        const err = await failureOf(() => planAndRun(action, { peer }, harness.context().ctx));
        expect(err.code).toBe('NOT_FOUND');
        expect(err.message).toContain(`'${peer}'`);
        expect(err.message).toContain('CDP, AP1, AP2, LAP');
      }
      expect(mutatingRequests(sim)).toHaveLength(0);
    });

    it.each(ACCEPTED_VARIANTS)('takes BAO answering $label as accepted', async ({ bao }) => {
      const { sim, harness } = await fixtures.start({ bao: { ...bao, peers: peers(['AP1', 'LAP']) } });
      const [result] = await planAndRun(action, { peer: 'LAP' }, harness.context().ctx);
      expect(result?.status).toBe('changed');
      expect(sim.bao.peer('LAP')?.[count]).toBe(1);
    });

    it.each(FAILURE_VARIANTS)('fails BAO_ERROR when BAO answers $label', async ({ bao }) => {
      const { harness } = await fixtures.start({ bao: { ...bao, peers: peers(['AP1']) } });
      const err = await failureOf(() => planAndRun(action, { peer: 'AP1' }, harness.context().ctx));
      expect(err.code).toBe('BAO_ERROR');
      expect(err.message).toContain('Failure');
      expect(err.details).toMatchObject({ status: bao?.acceptStatus, baoResponse: 'Failure' });
    });

    it(`retries the ${verb} after injected 503s and succeeds`, async () => {
      const { sim, harness } = await fixtures.start({
        bao: { peers: peers(['AP1']) },
        faults: { failFirst: [{ method: 'PUT', path: `/peer/AP1/${verb}$`, count: 2, status: 503 }] },
      });
      const { ctx, trace } = harness.context({ retry: { attempts: 3 } });
      const [result] = await planAndRun(action, { peer: 'AP1' }, ctx);
      expect(result?.status).toBe('changed');
      expect(trace.attempts).toBe(3);
      expect(calls(sim).filter((c) => c.startsWith('PUT'))).toHaveLength(3);
    });

    it('sends peers named ../admin, a/b and .. as one encoded segment each, reaching those peers and no other resource', async () => {
      const { sim, harness } = await fixtures.start({ bao: { peers: peers(['../admin', 'a/b', '..', 'AP1']) } });
      const ctx = harness.context().ctx;
      for (const { peer } of HOSTILE) await planAndRun(action, { peer }, ctx);
      expect(mutatingRequests(sim).map((r) => r.pathname)).toEqual(HOSTILE.map(({ segment }) => `/baocdp/rest/peer/${segment}/${verb}`));
      for (const { peer } of HOSTILE) expect(sim.bao.peer(peer)?.[count]).toBe(1);
      expect(sim.bao.peer('AP1')?.[count]).toBe(0);
    });

    it.each(HOSTILE.slice(0, 2))(
      "turns BAO's 404 for a peer named $peer into NOT_FOUND naming it, on the encoded path",
      async ({ peer, segment }) => {
        const { sim, harness } = await fixtures.start({
          bao: { peers: peers([peer]) },
          // BAO lists the peer but answers 404, as when it is removed in between.
          faults: {
            failFirst: [{ method: 'PUT', path: `^/baocdp/rest/peer/${segment.replace(/\./g, '\\.')}/${verb}$`, count: 1, status: 404 }],
          },
        });
        const err = await failureOf(() => planAndRun(action, { peer }, harness.context().ctx));
        expect(err.code).toBe('NOT_FOUND');
        expect(err.message).toContain(`'${peer}'`);
        expect(err.details).toMatchObject({ status: 404, peers: [peer] });
        expect(mutatingRequests(sim).map((r) => r.pathname)).toEqual([`/baocdp/rest/peer/${segment}/${verb}`]);
      },
    );

    it('logs in exactly once for 50 concurrent operations on one connection', async () => {
      const names = ['CDP', 'AP1', 'AP2', 'LAP'];
      const { sim, harness } = await fixtures.start({ bao: { peers: peers(names) } });
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => planAndRun(action, { peer: names[i % names.length]! }, harness.context().ctx)),
      );
      expect(results.flat()).toHaveLength(50);
      expect(sim.bao.logins).toBe(1);
      const tokens = sim.requests.filter((r) => r.pathname !== '/baocdp/rest/login').map((r) => r.headers['authentication-token'] ?? '');
      expect(new Set(tokens).size).toBe(1);
    });
  });

  describe('probe', () => {
    it(`predicts a change for a ${acted} peer, unchanged for a ${target} one and a failure for an unknown one, with GET only`, async () => {
      const { sim, harness } = await fixtures.start({ bao: { peers: peers(['AP1', 'AP2'], ['AP2']) } });
      const ctx = harness.context({ readOnly: true }).ctx;
      const probe = (peer: string) => action.probe!(operationOf(planOf(action, { peer })[0]!), ctx);
      expect(await probe('AP1')).toEqual({ outcome: 'would change', reason: `${verb} is sent for AP1 (${acted})` });
      expect(calls(sim)).toEqual(['GET /baocdp/rest/info/peer']);
      expect(await probe('AP2')).toEqual({ outcome: 'unchanged', reason: `already ${target}: AP2 (${target})` });
      const unknown = await probe('nope');
      expect(unknown.outcome).toBe('would fail');
      expect(unknown.reason).toContain("'nope'");
      expect(mutatingRequests(sim)).toHaveLength(0);
    });
  });
});

describe('bao.stopPeer stoppedStatus', () => {
  it('takes the stopped status from stoppedStatus, for sites whose BAO reports another word', async () => {
    const { sim, harness } = await fixtures.start({ bao: { stoppedStatus: 'SHUTDOWN' } });
    sim.bao.setPeerStatus('AP1', 'SHUTDOWN');
    const [result] = await planAndRun(stopPeer, { peer: 'AP1', stoppedStatus: 'shutdown' }, harness.context().ctx);
    expect(result?.status).toBe('unchanged');
    expect(mutatingRequests(sim)).toHaveLength(0);
  });
});
