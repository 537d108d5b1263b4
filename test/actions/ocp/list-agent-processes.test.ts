// ocp.listAgentProcesses against the simulator: every page read, filters applied, and a result a later step
// can forEach over (each process with id and hostId). Read-only, so it never sends anything but GET.

import { describe, expect, it } from 'vitest';
import listAgentProcesses from '../../../src/actions/ocp/list-agent-processes.js';
import { MAX_PROCESS_PAGES } from '../../../src/actions/ocp/processes.js';
import { RunbookError } from '../../../src/errors.js';
import { ACCESS_KEY_AUTHORIZATION, BASIC_AUTHORIZATION, mutatingRequests, useOcpSimulator } from './ocp-sim.js';

const BIG_HOST = 70;
const BIG_HOST_PROCESSES = 230;

const bed = useOcpSimulator({
  ocp: {
    hosts: [
      { ids: { from: 20, to: 25 } },
      // More processes than one page holds, so the list must follow the pages.
      {
        id: BIG_HOST,
        processes: Array.from({ length: BIG_HOST_PROCESSES }, (_, i) => ({
          id: 1000 + i,
          alias: `proc_${i}`,
          status: i % 3 === 0 ? 'STOPPED' : 'STARTED',
        })),
      },
    ],
  },
});

describe('ocp.listAgentProcesses', () => {
  it('is read-only (it really runs during a dry run) and plans the GET of the first page', () => {
    expect(listAgentProcesses).toMatchObject({ name: 'ocp.listAgentProcesses', connection: 'ocp', mutates: false });
    expect(listAgentProcesses.plan!({ hostId: 20, status: 'STOPPED' }, { step: { id: 't' } })).toEqual([
      {
        key: 'host=20/status=STOPPED',
        inputs: { hostId: 20, status: 'STOPPED' },
        request: { method: 'GET', path: '/compute/hosts/20/agent/processes', query: { page: 1, size: 100 } },
      },
    ]);
    expect(listAgentProcesses.plan!({ hostId: 21, alias: 'obstat2' }, { step: { id: 't' } })[0]?.key).toBe('host=21/alias=obstat2');
  });

  it('lists every process of a host with one GET, each with id and hostId, and is unchanged', async () => {
    const { ctx } = bed.context();
    const result = await listAgentProcesses.run({ key: 'k', inputs: { hostId: 20 } }, ctx);
    expect(result.status).toBe('unchanged');
    const processes = result.outputs?.processes ?? [];
    expect(processes.map((p) => p.alias)).toEqual([
      'obstat2',
      'node_exporter',
      'ob_logtailer',
      'ob_cleaner',
      'ocp_agentd',
      'ocp_mgragent',
      'ocp_monagent',
      'pos_proxy',
    ]);
    for (const p of processes) expect(p).toMatchObject({ id: expect.any(Number), hostId: 20 });
    expect(bed.sim.requests).toHaveLength(1);
    expect(bed.sim.requests[0]).toMatchObject({
      method: 'GET',
      pathname: '/api/v2/compute/hosts/20/agent/processes',
      headers: { authorization: BASIC_AUTHORIZATION, 'content-type': 'application/json' },
    });
  });

  it('follows the pages of a host with more processes than one page holds', async () => {
    const { ctx } = bed.context();
    const result = await listAgentProcesses.run({ key: 'k', inputs: { hostId: BIG_HOST } }, ctx);
    const ids = (result.outputs?.processes ?? []).map((p) => p.id);
    expect(ids).toEqual(Array.from({ length: BIG_HOST_PROCESSES }, (_, i) => 1000 + i));
    expect(bed.sim.requests.map((r) => r.query)).toEqual([
      { page: '1', size: '100' },
      { page: '2', size: '100' },
      { page: '3', size: '100' },
    ]);
  });

  it('keeps only the processes with the given status, across pages', async () => {
    const { ctx } = bed.context();
    const result = await listAgentProcesses.run({ key: 'k', inputs: { hostId: BIG_HOST, status: 'STOPPED' } }, ctx);
    const processes = result.outputs?.processes ?? [];
    expect(processes).toHaveLength(Math.ceil(BIG_HOST_PROCESSES / 3));
    expect(processes.every((p) => p.status === 'STOPPED' && p.hostId === BIG_HOST)).toBe(true);
  });

  it('keeps only the processes with the given alias and status', async () => {
    bed.sim.ocp.setProcessStatus(21, 186, 'STOPPED');
    const { ctx } = bed.context();
    const stopped = await listAgentProcesses.run({ key: 'k', inputs: { hostId: 21, alias: 'node_exporter', status: 'STOPPED' } }, ctx);
    expect(stopped.outputs?.processes).toEqual([
      expect.objectContaining({ id: 186, hostId: 21, alias: 'node_exporter', status: 'STOPPED' }),
    ]);
    const started = await listAgentProcesses.run({ key: 'k', inputs: { hostId: 21, alias: 'node_exporter', status: 'STARTED' } }, ctx);
    expect(started).toEqual({ status: 'unchanged', outputs: { processes: [] } });
  });

  it('signs its request with the AccessKey when the connection uses one', async () => {
    const { ctx } = bed.context({ auth: 'accessKey' });
    const result = await listAgentProcesses.run({ key: 'k', inputs: { hostId: 22, alias: 'obstat2' } }, ctx);
    expect(result.outputs?.processes.map((p) => p.id)).toEqual([185]);
    expect(bed.sim.requests[0]?.headers.authorization).toMatch(ACCESS_KEY_AUTHORIZATION);
    expect(bed.sim.requests[0]?.headers.date).toBeDefined();
  });

  it("fails an unknown host with NOT_FOUND, keeping OCP's code and traceId", async () => {
    const { ctx } = bed.context();
    await expect(listAgentProcesses.run({ key: 'k', inputs: { hostId: 999 } }, ctx)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { hostId: 999, status: 404, ocpCode: 'CMP07005', traceId: expect.stringMatching(/^[0-9a-f]{16}$/) },
    });
  });

  it('fails with OCP_ERROR when OCP answers 200 with successful: false', async () => {
    bed.sim.setFaults({ failFirst: [{ method: 'GET', path: '/processes$', count: 1, status: 200 }] });
    const { ctx } = bed.context();
    await expect(listAgentProcesses.run({ key: 'k', inputs: { hostId: 20 } }, ctx)).rejects.toMatchObject({
      code: 'OCP_ERROR',
      details: { status: 200, ocpCode: 'SIM200', ocpMessage: expect.any(String), traceId: expect.any(String) },
    });
  });

  it('retries a page after an injected 503', async () => {
    bed.sim.setFaults({ failFirst: [{ method: 'GET', path: `/hosts/${BIG_HOST}/agent/processes$`, count: 1, status: 503 }] });
    const { ctx, trace } = bed.context({ retry: { attempts: 2, delayMs: 1, maxDelayMs: 5 } });
    const result = await listAgentProcesses.run({ key: 'k', inputs: { hostId: BIG_HOST } }, ctx);
    expect(result.outputs?.processes).toHaveLength(BIG_HOST_PROCESSES);
    expect(trace.attempts).toBe(2);
    expect(mutatingRequests(bed.sim)).toEqual([]);
  });

  it("adds the hostId when OCP's process objects leave it out, and reads other page field names", async () => {
    const fake = await bed.fake({
      'GET /compute/hosts/7/agent/processes': {
        content: [
          { id: 1, alias: 'a', status: 'STARTED' },
          { id: 2, alias: 'b', status: 'STOPPED' },
        ],
        pageInfo: { pages: 1 },
      },
    });
    const { ctx } = bed.context({ on: fake });
    const result = await listAgentProcesses.run({ key: 'k', inputs: { hostId: 7 } }, ctx);
    expect(result.outputs?.processes).toEqual([
      { id: 1, hostId: 7, alias: 'a', status: 'STARTED' },
      { id: 2, hostId: 7, alias: 'b', status: 'STOPPED' },
    ]);
  });

  it('stops paging when a server ignores the page number and repeats itself', async () => {
    const fake = await bed.fake({
      'GET /compute/hosts/7/agent/processes': { contents: [{ id: 1, hostId: 7, alias: 'a', status: 'STARTED' }], page: { totalPages: 50 } },
    });
    const { ctx } = bed.context({ on: fake });
    const result = await listAgentProcesses.run({ key: 'k', inputs: { hostId: 7 } }, ctx);
    expect(result.outputs?.processes.map((p) => p.id)).toEqual([1]);
    expect(fake.seen).toHaveLength(2);
  });

  it('gives up with BAD_RESPONSE, naming the bound, when a server always announces one more page', async () => {
    let served = 0;
    const fake = await bed.fake({
      'GET /compute/hosts/7/agent/processes': () => {
        served += 1;
        return {
          contents: [{ id: served, hostId: 7, alias: `p${served}`, status: 'STARTED' }],
          page: { number: served, totalPages: served + 1 },
        };
      },
    });
    const { ctx } = bed.context({ on: fake });
    const err = await listAgentProcesses.run({ key: 'k', inputs: { hostId: 7 } }, ctx).then(
      () => undefined,
      (e: unknown) => e as { code?: string; message?: string; details?: Record<string, unknown> },
    );
    expect(err).toMatchObject({ code: 'BAD_RESPONSE', details: { hostId: 7, pages: MAX_PROCESS_PAGES } });
    expect(err?.message).toContain(`after ${MAX_PROCESS_PAGES} pages`);
    expect(fake.seen).toHaveLength(MAX_PROCESS_PAGES);
  }, 60_000);

  it("stops between pages once the operation's signal is aborted, with the signal's reason when it is a runbook error", async () => {
    const stop = new AbortController();
    const deadline = new RunbookError('TIMEOUT', 'the step timeout of 1s ran out');
    let served = 0;
    const fake = await bed.fake({
      'GET /compute/hosts/7/agent/processes': () => {
        served += 1;
        if (served === 3) stop.abort(deadline);
        return { contents: [{ id: served, hostId: 7, alias: `p${served}`, status: 'STARTED' }], page: { totalPages: 1_000 } };
      },
    });
    // The client keeps its own signal: only the loop can notice the operation's.
    const { ctx } = bed.context({ on: fake });
    const err = await listAgentProcesses.run({ key: 'k', inputs: { hostId: 7 } }, { ...ctx, signal: stop.signal }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBe(deadline);
    expect(fake.seen).toHaveLength(3);

    // An operation stopped before its first page: its client, which listens to the same signal, sends nothing.
    const cancel = new AbortController();
    cancel.abort();
    const { ctx: other } = bed.context({ on: fake, signal: cancel.signal });
    const cancelled = await listAgentProcesses.run({ key: 'k', inputs: { hostId: 7 } }, other).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(cancelled).toMatchObject({ code: 'CANCELLED' });
    expect(fake.seen).toHaveLength(3);
  });
});
