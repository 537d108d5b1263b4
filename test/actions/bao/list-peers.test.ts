// bao.listPeers against the simulated BAO over real HTTP: one read of GET /info/peer, filtered by a pattern
// on the name, type or status and by status; patterns that cannot be used are INVALID_INPUT. Read-only.

import { afterEach, describe, expect, it } from 'vitest';
import listPeers from '../../../src/actions/bao/list-peers.js';
import { json, startServer } from '../../connections/test-server.js';
import { actionHarness, simConnectionConfig } from '../../helpers/action-context.js';
import { BaoFixtures, calls, failureOf, mutatingRequests, planAndRun, planOf } from './bao-fixture.js';

const fixtures = new BaoFixtures();
afterEach(() => fixtures.closeAll());

const names = (result: { outputs?: { peers: Array<{ name: string }> } } | undefined): string[] =>
  (result?.outputs?.peers ?? []).map((p) => p.name);

describe('bao.listPeers plan', () => {
  it('is read-only and shows its one request, GET /info/peer, keyed by its filters', () => {
    expect(listPeers).toMatchObject({ name: 'bao.listPeers', connection: 'bao', mutates: false });
    expect(planOf(listPeers, { pattern: '^AP', matchOn: 'type', status: 'RUNNING' })).toEqual([
      {
        key: 'type~^AP/status=RUNNING',
        inputs: { pattern: '^AP', matchOn: 'type', status: 'RUNNING' },
        request: { method: 'GET', path: '/info/peer' },
      },
    ]);
    expect(planOf(listPeers, {})[0]?.key).toBe('all');
  });

  it('refuses a pattern that cannot be used with INVALID_INPUT (a pattern built by an expression is checked here)', () => {
    for (const pattern of ['AP(', '(A+)+$', 'A'.repeat(201)]) {
      expect(() => planOf(listPeers, { pattern }), pattern).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
    }
  });
});

describe('bao.listPeers run', () => {
  it('filters by type, with the name, type and status of each peer, and sends nothing but the one GET', async () => {
    const { sim, harness } = await fixtures.start();
    sim.bao.setPeerStatus('AP2', 'STOPPED');
    const [result] = await planAndRun(listPeers, { pattern: '^AP$', matchOn: 'type' }, harness.context().ctx);
    expect(result).toEqual({
      status: 'unchanged',
      outputs: {
        peers: [
          { name: 'AP1', type: 'AP', status: 'RUNNING' },
          { name: 'AP2', type: 'AP', status: 'STOPPED' },
        ],
        names: ['AP1', 'AP2'],
      },
    });
    expect(calls(sim)).toEqual(['GET /baocdp/rest/info/peer']);
    expect(mutatingRequests(sim)).toEqual([]);
  });

  it('matches unanchored, as grep does: AP on the type also finds LAP', async () => {
    const { harness } = await fixtures.start();
    const [result] = await planAndRun(listPeers, { pattern: 'AP', matchOn: 'type' }, harness.context().ctx);
    expect(names(result)).toEqual(['AP1', 'AP2', 'LAP']);
  });

  it('matches on the name by default, keeps only peers in the status given (any case), and lists every peer without filters', async () => {
    const { sim, harness } = await fixtures.start();
    sim.bao.setPeerStatus('AP1', 'STOPPED');
    const { ctx } = harness.context();
    expect(names((await planAndRun(listPeers, { pattern: '^AP[0-9]+$' }, ctx))[0])).toEqual(['AP1', 'AP2']);
    expect(names((await planAndRun(listPeers, { pattern: '^AP[0-9]+$', status: 'running' }, ctx))[0])).toEqual(['AP2']);
    expect(names((await planAndRun(listPeers, { pattern: '^STOP', matchOn: 'status' }, ctx))[0])).toEqual(['AP1']);
    expect(names((await planAndRun(listPeers, {}, ctx))[0])).toEqual(['CDP', 'AP1', 'AP2', 'LAP']);
  });

  it('fails a pattern given to run directly (a plan file) with INVALID_INPUT, before any request', async () => {
    const { sim, harness } = await fixtures.start();
    const err = await failureOf(() => listPeers.run({ key: 'k', inputs: { pattern: '[' } }, harness.context().ctx));
    expect(err).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining("bao.listPeers: input 'pattern' is not a valid regular expression"),
    });
    expect(calls(sim)).toEqual([]);
  });

  it('reads a single-object answer and says UNKNOWN for a type BAO leaves out', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/baocdp/rest/login') return json(res, 200, { login: 'true' }, { 'authentication-token': 't' });
      return json(res, 200, { peerInfoList: { name: 'AP9', status: 'RUNNING' } });
    });
    const harness = actionHarness(simConnectionConfig('bao', server.url));
    try {
      const [result] = await planAndRun(listPeers, { pattern: 'UNKNOWN', matchOn: 'type' }, harness.context().ctx);
      expect(result?.outputs).toEqual({ peers: [{ name: 'AP9', type: 'UNKNOWN', status: 'RUNNING' }], names: ['AP9'] });
    } finally {
      await harness.close();
      await server.close();
    }
  });
});
