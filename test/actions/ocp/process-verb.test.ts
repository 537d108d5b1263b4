// What ocp.stopAgentProcess and ocp.restartAgentProcess share, proven for both against the simulator over
// real HTTP: the requests sent, both auth schemes, lookups by alias, and every documented failure.

import { describe, expect, it } from 'vitest';
import stopAgentProcess from '../../../src/actions/ocp/stop-agent-process.js';
import restartAgentProcess from '../../../src/actions/ocp/restart-agent-process.js';
import { ACCESS_KEY_AUTHORIZATION, BASIC_AUTHORIZATION, mutatingRequests, useOcpSimulator } from './ocp-sim.js';

const bed = useOcpSimulator();

const verbs = [
  { action: stopAgentProcess, verb: 'stop', wanted: 'STOPPED' },
  { action: restartAgentProcess, verb: 'restart', wanted: 'STARTED' },
] as const;

describe.each(verbs)('$action.name', ({ action, verb, wanted }) => {
  it('plans one POST to the process verb, keyed by host and process', () => {
    const ops = action.plan!({ hostId: 20, agentProcessId: 185 }, { step: { id: 't' } });
    expect(ops).toEqual([
      {
        key: 'host=20/process=185',
        inputs: { hostId: 20, agentProcessId: 185 },
        request: { method: 'POST', path: `/compute/hosts/20/agent/processes/185/${verb}` },
      },
    ]);
  });

  it('plans a lookup by alias as unresolved, with the alias kept inside one path segment', () => {
    const [op] = action.plan!({ hostId: 20, alias: 'ob/../x' }, { step: { id: 't' } });
    expect(op?.key).toBe('host=20/alias=ob/../x');
    expect(op?.request).toEqual({ method: 'POST', path: `/compute/hosts/20/agent/processes/{alias=ob%2F..%2Fx}/${verb}` });
    expect(op?.unresolved).toMatch(/alias 'ob\/..\/x' is looked up on host 20 at run time/);
  });

  it(`reads the process list, then POSTs ${verb} with Basic auth, JSON content type and no body`, async () => {
    if (verb === 'restart') bed.sim.ocp.setProcessStatus(20, 185, 'STOPPED');
    const { ctx, trace } = bed.context();
    const result = await action.run({ key: 'k', inputs: { hostId: 20, agentProcessId: 185 } }, ctx);

    expect(result.status).toBe('changed');
    expect(result.outputs?.process).toMatchObject({ id: 185, hostId: 20, alias: 'obstat2', status: wanted });
    expect(bed.sim.ocp.process(20, 185)?.status).toBe(wanted);
    const [list, post, ...rest] = bed.sim.requests;
    expect(rest).toEqual([]);
    expect(list).toMatchObject({ method: 'GET', pathname: '/api/v2/compute/hosts/20/agent/processes', query: { page: '1', size: '100' } });
    expect(post).toMatchObject({
      method: 'POST',
      path: `/api/v2/compute/hosts/20/agent/processes/185/${verb}`,
      body: '',
      headers: { 'content-type': 'application/json', authorization: BASIC_AUTHORIZATION },
    });
    expect(trace).toMatchObject({ attempts: 1, requests: 2, response: { status: 200 } });
  });

  it('resolves an alias through the process list and signs every request with the AccessKey', async () => {
    if (verb === 'restart') bed.sim.ocp.setProcessStatus(31, 186, 'STOPPED');
    const { ctx } = bed.context({ auth: 'accessKey' });
    const result = await action.run({ key: 'k', inputs: { hostId: 31, alias: 'node_exporter' } }, ctx);

    expect(result.status).toBe('changed');
    expect(result.outputs?.process).toMatchObject({ id: 186, hostId: 31, alias: 'node_exporter', status: wanted });
    expect(bed.sim.requests.map((r) => `${r.method} ${r.pathname}`)).toEqual([
      'GET /api/v2/compute/hosts/31/agent/processes',
      `POST /api/v2/compute/hosts/31/agent/processes/186/${verb}`,
    ]);
    for (const r of bed.sim.requests) {
      expect(r.headers.authorization).toMatch(ACCESS_KEY_AUTHORIZATION);
      expect(r.headers['content-type']).toBe('application/json');
      // The simulator refuses a Date 15 minutes off, so this only shows the header is a real, current date.
      expect(Math.abs(Date.parse(r.headers.date ?? '') - Date.now())).toBeLessThan(60_000);
    }
  });

  it('refuses a process OCP marks as not operable, without sending anything but the read', async () => {
    const { ctx } = bed.context();
    await expect(action.run({ key: 'k', inputs: { hostId: 20, alias: 'ocp_agentd' } }, ctx)).rejects.toMatchObject({
      code: 'NOT_OPERABLE',
      message: expect.stringMatching(/'ocp_agentd' \(189\) on host 20 as not operable/),
      details: { hostId: 20, agentProcessId: 189 },
    });
    expect(mutatingRequests(bed.sim)).toEqual([]);
  });

  it("fails an unknown host with NOT_FOUND, keeping OCP's status, code and traceId", async () => {
    const { ctx } = bed.context();
    const error = await action.run({ key: 'k', inputs: { hostId: 999, agentProcessId: 185 } }, ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('OCP has no host 999'),
      details: { hostId: 999, status: 404, ocpCode: 'CMP07005', traceId: expect.stringMatching(/^[0-9a-f]{16}$/) },
    });
    expect(mutatingRequests(bed.sim)).toEqual([]);
  });

  it('recognises an unknown host by its numeric code (OCP before 4.2)', async () => {
    const sim = await bed.start({ ocp: { errorCodeStyle: 'number' } });
    const { ctx } = bed.context({ on: sim });
    await expect(action.run({ key: 'k', inputs: { hostId: 999, agentProcessId: 185 } }, ctx)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { ocpCode: 7005 },
    });
  });

  it('fails an unknown alias with NOT_FOUND listing what the host has', async () => {
    const { ctx } = bed.context();
    const error = await action.run({ key: 'k', inputs: { hostId: 20, alias: 'obstat3' } }, ctx).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NOT_FOUND', details: { hostId: 20 } });
    expect((error as Error).message).toContain("host 20 has no process with alias 'obstat3'; it has: obstat2 (185), node_exporter (186)");
    expect((error as { details: { available: string[] } }).details.available).toHaveLength(8);
    expect(mutatingRequests(bed.sim)).toEqual([]);
  });

  it('fails an unknown process id with NOT_FOUND', async () => {
    const { ctx } = bed.context();
    await expect(action.run({ key: 'k', inputs: { hostId: 20, agentProcessId: 4242 } }, ctx)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('host 20 has no process 4242'),
    });
    expect(mutatingRequests(bed.sim)).toEqual([]);
  });

  it('fails with OCP_ERROR carrying code, message and traceId when OCP answers 200 with successful: false', async () => {
    if (verb === 'restart') bed.sim.ocp.setProcessStatus(20, 185, 'STOPPED');
    bed.sim.setFaults({ failFirst: [{ method: 'POST', path: `/${verb}$`, count: 1, status: 200 }] });
    const { ctx } = bed.context({ retry: { attempts: 3 } });
    await expect(action.run({ key: 'k', inputs: { hostId: 20, agentProcessId: 185 } }, ctx)).rejects.toMatchObject({
      code: 'OCP_ERROR',
      transient: false,
      details: {
        status: 200,
        ocpCode: 'SIM200',
        ocpMessage: expect.stringContaining('injected'),
        traceId: expect.stringMatching(/^[0-9a-f]{16}$/),
      },
    });
    // Not retried: a refusal in OCP's envelope is not transient.
    expect(mutatingRequests(bed.sim)).toHaveLength(1);
    expect(bed.sim.ocp.process(20, 185)?.status).toBe(verb === 'stop' ? 'STARTED' : 'STOPPED');
  });

  it('retries the POST after an injected 503 and records the second attempt', async () => {
    if (verb === 'restart') bed.sim.ocp.setProcessStatus(20, 185, 'STOPPED');
    bed.sim.setFaults({ failFirst: [{ method: 'POST', path: `/${verb}$`, count: 1, status: 503 }] });
    const { ctx, trace } = bed.context({ retry: { attempts: 3, delayMs: 1, maxDelayMs: 5 } });
    const result = await action.run({ key: 'k', inputs: { hostId: 20, agentProcessId: 185 } }, ctx);
    expect(result.status).toBe('changed');
    expect(trace.attempts).toBe(2);
    expect(mutatingRequests(bed.sim)).toHaveLength(2);
  });

  it('fails with AUTH_FAILED when OCP refuses the credentials', async () => {
    const sim = await bed.start({ ocp: { users: [{ username: 'admin', password: 'another' }] } });
    const { ctx } = bed.context({ on: sim });
    await expect(action.run({ key: 'k', inputs: { hostId: 20, agentProcessId: 185 } }, ctx)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(mutatingRequests(sim)).toEqual([]);
  });

  it(`fails with UNEXPECTED_STATE when the answer shows a status other than ${wanted}`, async () => {
    const other = wanted === 'STOPPED' ? 'STARTED' : 'STOPPED';
    const proc = { id: 185, hostId: 20, alias: 'obstat2', operable: true, status: other };
    const fake = await bed.fake({
      'GET /compute/hosts/20/agent/processes': { contents: [proc], page: { number: 1, size: 100, totalElements: 1, totalPages: 1 } },
      [`POST /compute/hosts/20/agent/processes/185/${verb}`]: proc,
    });
    const { ctx } = bed.context({ on: fake });
    await expect(action.run({ key: 'k', inputs: { hostId: 20, agentProcessId: 185 } }, ctx)).rejects.toMatchObject({
      code: 'UNEXPECTED_STATE',
      message: expect.stringContaining(`as ${other}, not ${wanted}`),
      details: { hostId: 20, agentProcessId: 185, status: other },
    });
  });

  it('reads the process again when the answer holds no process, and judges that', async () => {
    let status = wanted === 'STOPPED' ? 'STARTED' : 'STOPPED';
    const fake = await bed.fake({
      'GET /compute/hosts/20/agent/processes': () => ({
        contents: [{ id: 185, alias: 'obstat2', operable: true, status }],
        page: { totalPages: 1 },
      }),
      [`POST /compute/hosts/20/agent/processes/185/${verb}`]: () => {
        status = wanted;
        return null;
      },
    });
    const { ctx } = bed.context({ on: fake });
    const result = await action.run({ key: 'k', inputs: { hostId: 20, agentProcessId: 185 } }, ctx);
    expect(result).toEqual({
      status: 'changed',
      outputs: { process: { id: 185, hostId: 20, alias: 'obstat2', operable: true, status: wanted } },
    });
    expect(fake.seen.map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
  });

  describe('probe (plan --online)', () => {
    it('predicts a change for an operable process, with GET requests only', async () => {
      if (verb === 'restart') bed.sim.ocp.setProcessStatus(20, 185, 'STOPPED');
      const { ctx } = bed.context({ readOnly: true });
      const prediction = await action.probe!({ key: 'k', inputs: { hostId: 20, alias: 'obstat2' } }, ctx);
      // The alias is resolved: the request it would send names the process id.
      expect(prediction).toEqual({
        outcome: 'would change',
        reason: expect.stringContaining(`'obstat2' (185)`),
        request: { method: 'POST', path: `/compute/hosts/20/agent/processes/185/${verb}` },
      });
      expect(bed.sim.requests.length).toBeGreaterThan(0);
      expect(mutatingRequests(bed.sim)).toEqual([]);
    });

    it('predicts a failure for a process that is not operable', async () => {
      const { ctx } = bed.context({ readOnly: true });
      await expect(action.probe!({ key: 'k', inputs: { hostId: 20, agentProcessId: 192 } }, ctx)).resolves.toEqual({
        outcome: 'would fail',
        reason: "process 'pos_proxy' (192) is not operable",
      });
    });

    it('predicts a failure for an unknown host and for an unknown alias, saying why', async () => {
      const { ctx } = bed.context({ readOnly: true });
      await expect(action.probe!({ key: 'k', inputs: { hostId: 999, agentProcessId: 185 } }, ctx)).resolves.toEqual({
        outcome: 'would fail',
        reason: expect.stringContaining('OCP has no host 999'),
      });
      await expect(action.probe!({ key: 'k', inputs: { hostId: 20, alias: 'nope' } }, ctx)).resolves.toEqual({
        outcome: 'would fail',
        reason: expect.stringContaining("alias 'nope'"),
      });
      expect(mutatingRequests(bed.sim)).toEqual([]);
    });
  });
});
