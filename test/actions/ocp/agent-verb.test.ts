// ocp.stopAgent and ocp.restartAgent against the simulator over real HTTP: the POST that starts the OCP task,
// the polling of the task until it ends, both auth schemes, and every way it can end badly.

import { describe, expect, it } from 'vitest';
import type { RunContext } from '../../../src/contracts/action.js';
import type { HttpClient } from '../../../src/contracts/connection.js';
import restartAgent from '../../../src/actions/ocp/restart-agent.js';
import stopAgent from '../../../src/actions/ocp/stop-agent.js';
import { ACCESS_KEY_AUTHORIZATION, BASIC_AUTHORIZATION, mutatingRequests, useOcpSimulator } from './ocp-sim.js';

/** A host whose agent tasks the simulator ends FAILED. */
const FAILING_HOST = 59;

const bed = useOcpSimulator({ ocp: { taskDurationMs: 60, failTaskHosts: [FAILING_HOST] } });

const verbs = [
  { action: stopAgent, verb: 'stop', taskName: 'Stop host agent', agentAfter: 'OFFLINE' },
  { action: restartAgent, verb: 'restart', taskName: 'Restart host agent', agentAfter: 'ONLINE' },
] as const;

/** Fast polling, so that a 60 ms task is seen ending within a few polls. */
const FAST = { timeout: '30s', interval: '10ms' };

/** The task GETs a simulator received. */
function taskPolls(requests: ReadonlyArray<{ method: string; pathname: string }>): string[] {
  return requests.filter((r) => r.method === 'GET' && r.pathname.startsWith('/api/v2/tasks/instances/')).map((r) => r.pathname);
}

/** A context whose client aborts the run right after the first POST is answered (a user pressing Ctrl-C). */
function abortingAfterPost(ctx: RunContext, controller: AbortController): RunContext {
  const http: HttpClient = {
    baseUrl: ctx.http.baseUrl,
    async request<T>(req: Parameters<HttpClient['request']>[0]) {
      const res = await ctx.http.request<T>(req);
      if (req.method === 'POST') controller.abort();
      return res;
    },
  };
  return { ...ctx, http };
}

describe.each(verbs)('$action.name', ({ action, verb, taskName, agentAfter }) => {
  it('is a mutating action on an ocp connection whose durations default to 10m and 2s', () => {
    expect(action).toMatchObject({ name: `ocp.${verb}Agent`, connection: 'ocp', mutates: true });
    expect(action.inputs).toMatchObject({
      required: ['hostId'],
      properties: { timeout: { default: '10m' }, interval: { default: '2s' } },
    });
  });

  it('plans one POST to the host agent, keyed by host', () => {
    expect(action.plan!({ hostId: 20 }, { step: { id: 't' } })).toEqual([
      { key: 'host=20', inputs: { hostId: 20 }, request: { method: 'POST', path: `/compute/hosts/20/agent/${verb}` } },
    ]);
  });

  it(`POSTs ${verb} with Basic auth, JSON content type and no body, then polls the task until SUCCESSFUL: changed`, async () => {
    const { ctx } = bed.context();
    const result = await action.run({ key: 'k', inputs: { hostId: 20, ...FAST } }, ctx);

    expect(result.status).toBe('changed');
    const task = result.outputs?.task;
    expect(task).toMatchObject({ id: expect.any(Number), name: `${taskName} (ob-host-20)`, status: 'SUCCESSFUL', hostId: 20 });
    expect(bed.sim.ocp.task(task!.id)?.status).toBe('SUCCESSFUL');
    expect(bed.sim.ocp.host(20)?.agentStatus).toBe(agentAfter);

    const [post, ...polls] = bed.sim.requests;
    expect(post).toMatchObject({
      method: 'POST',
      path: `/api/v2/compute/hosts/20/agent/${verb}`,
      body: '',
      headers: { authorization: BASIC_AUTHORIZATION, 'content-type': 'application/json' },
    });
    expect(polls.length).toBeGreaterThan(0);
    for (const poll of polls) {
      expect(poll).toMatchObject({
        method: 'GET',
        pathname: `/api/v2/tasks/instances/${task!.id}`,
        headers: { authorization: BASIC_AUTHORIZATION, 'content-type': 'application/json' },
      });
    }
    expect(mutatingRequests(bed.sim)).toHaveLength(1);
  });

  it('signs the POST and every poll with the AccessKey, with a Date header, when the connection uses one', async () => {
    const { ctx } = bed.context({ auth: 'accessKey' });
    const result = await action.run({ key: 'k', inputs: { hostId: 21, ...FAST } }, ctx);
    expect(result.status).toBe('changed');
    expect(bed.sim.requests.length).toBeGreaterThan(1);
    for (const r of bed.sim.requests) {
      expect(r.headers.authorization).toMatch(ACCESS_KEY_AUTHORIZATION);
      expect(r.headers['content-type']).toBe('application/json');
      expect(Number.isNaN(Date.parse(String(r.headers.date)))).toBe(false);
    }
  });

  it('returns at once, without polling, when OCP answers with a task that has already succeeded', async () => {
    const sim = await bed.start({ ocp: { taskDurationMs: 0 } });
    const { ctx } = bed.context({ on: sim });
    const result = await action.run({ key: 'k', inputs: { hostId: 20 } }, ctx);
    expect(result).toEqual({ status: 'changed', outputs: { task: expect.objectContaining({ status: 'SUCCESSFUL', hostId: 20 }) } });
    expect(sim.requests.map((r) => r.method)).toEqual(['POST']);
  });

  it("fails an unknown host with NOT_FOUND, keeping OCP's code and traceId, and starts no task", async () => {
    const { ctx } = bed.context();
    await expect(action.run({ key: 'k', inputs: { hostId: 999, ...FAST } }, ctx)).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('OCP has no host 999'),
      details: { hostId: 999, status: 404, ocpCode: 'CMP07005', traceId: expect.stringMatching(/^[0-9a-f]{16}$/) },
    });
    expect(bed.sim.ocp.tasks()).toEqual([]);
  });

  it('fails with TASK_FAILED, naming the task, its id and status, when the task ends FAILED', async () => {
    const { ctx } = bed.context();
    const error = await action.run({ key: 'k', inputs: { hostId: FAILING_HOST, ...FAST } }, ctx).catch((e: unknown) => e);
    const [task] = bed.sim.ocp.tasks();
    expect(task?.status).toBe('FAILED');
    expect(error).toMatchObject({
      code: 'TASK_FAILED',
      details: { taskId: task!.id, taskName: `${taskName} (ob-host-${FAILING_HOST})`, taskStatus: 'FAILED' },
    });
    expect((error as Error).message).toContain(`OCP task '${taskName} (ob-host-${FAILING_HOST})' (${task!.id})`);
    expect((error as Error).message).toContain(`agent ${verb} of host ${FAILING_HOST} ended FAILED`);
    expect(bed.sim.ocp.host(FAILING_HOST)?.agentStatus).toBe('ONLINE');
  });

  it('fails with WAIT_TIMEOUT when the task is still running after with.timeout, and says OCP goes on with it', async () => {
    const sim = await bed.start({ ocp: { taskDurationMs: 60_000 } });
    const { ctx } = bed.context({ on: sim });
    const started = Date.now();
    const error = await action.run({ key: 'k', inputs: { hostId: 20, timeout: '150ms', interval: '20ms' } }, ctx).catch((e: unknown) => e);
    const [task] = sim.ocp.tasks();
    expect(error).toMatchObject({
      code: 'WAIT_TIMEOUT',
      message: expect.stringContaining(`is still RUNNING after 150ms`),
      details: { taskId: task!.id, taskStatus: 'RUNNING' },
    });
    expect((error as Error).message).toContain('raise with.timeout');
    expect(task?.status).toBe('RUNNING');
    expect(taskPolls(sim.requests).length).toBeGreaterThan(0);
    // Generous: the wait ends near its timeout, not at the task's end a minute later.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('stops waiting with CANCELLED when the run is cancelled, and polls no more', async () => {
    const sim = await bed.start({ ocp: { taskDurationMs: 60_000 } });
    const controller = new AbortController();
    const { ctx } = bed.context({ on: sim, signal: controller.signal });
    const error = await action
      .run({ key: 'k', inputs: { hostId: 20, timeout: '10m', interval: '10m' } }, abortingAfterPost(ctx, controller))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CANCELLED', message: expect.stringContaining('OCP goes on with it') });
    expect(sim.requests.map((r) => r.method)).toEqual(['POST']);
  });

  it('fails with OCP_ERROR carrying code, message and traceId when OCP answers the POST 200 with successful: false', async () => {
    bed.sim.setFaults({ failFirst: [{ method: 'POST', path: `/agent/${verb}$`, count: 1, status: 200 }] });
    const { ctx } = bed.context({ retry: { attempts: 3 } });
    await expect(action.run({ key: 'k', inputs: { hostId: 20, ...FAST } }, ctx)).rejects.toMatchObject({
      code: 'OCP_ERROR',
      transient: false,
      details: {
        status: 200,
        ocpCode: 'SIM200',
        ocpMessage: expect.stringContaining('injected'),
        traceId: expect.stringMatching(/^[0-9a-f]{16}$/),
      },
    });
    expect(mutatingRequests(bed.sim)).toHaveLength(1);
    expect(bed.sim.ocp.tasks()).toEqual([]);
  });

  it('fails with OCP_ERROR when a poll of the task is answered 200 with successful: false', async () => {
    bed.sim.setFaults({ failFirst: [{ method: 'GET', path: '^/api/v2/tasks/instances/', count: 1, status: 200 }] });
    const { ctx } = bed.context();
    await expect(action.run({ key: 'k', inputs: { hostId: 20, ...FAST } }, ctx)).rejects.toMatchObject({
      code: 'OCP_ERROR',
      details: { status: 200, ocpCode: 'SIM200', traceId: expect.any(String) },
    });
  });

  it('retries the POST after an injected 503, records the second attempt, and starts one task only', async () => {
    bed.sim.setFaults({ failFirst: [{ method: 'POST', path: `/agent/${verb}$`, count: 1, status: 503 }] });
    const { ctx, trace } = bed.context({ retry: { attempts: 3, delayMs: 1, maxDelayMs: 5 } });
    const result = await action.run({ key: 'k', inputs: { hostId: 20, ...FAST } }, ctx);
    expect(result.status).toBe('changed');
    expect(trace.attempts).toBe(2);
    expect(mutatingRequests(bed.sim)).toHaveLength(2);
    expect(bed.sim.ocp.tasks()).toHaveLength(1);
  });

  it('retries a poll after an injected 503 and still follows the task to its end', async () => {
    bed.sim.setFaults({ failFirst: [{ method: 'GET', path: '^/api/v2/tasks/instances/', count: 1, status: 503 }] });
    const { ctx, trace } = bed.context({ retry: { attempts: 3, delayMs: 1, maxDelayMs: 5 } });
    const result = await action.run({ key: 'k', inputs: { hostId: 20, ...FAST } }, ctx);
    expect(result.outputs?.task.status).toBe('SUCCESSFUL');
    expect(trace.attempts).toBe(2);
  });

  it('fails with AUTH_FAILED when OCP refuses the credentials, and starts no task', async () => {
    const sim = await bed.start({ ocp: { users: [{ username: 'admin', password: 'another' }] } });
    const { ctx } = bed.context({ on: sim });
    await expect(action.run({ key: 'k', inputs: { hostId: 20, ...FAST } }, ctx)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect(sim.ocp.tasks()).toEqual([]);
  });

  it('refuses a zero duration with INVALID_INPUT before sending anything', async () => {
    const { ctx } = bed.context();
    await expect(action.run({ key: 'k', inputs: { hostId: 20, timeout: '0s' } }, ctx)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining("with.timeout '0s' is not a positive duration"),
    });
    expect(bed.sim.requests).toEqual([]);
  });

  it('fails with BAD_RESPONSE when OCP answers the POST without a task id', async () => {
    const fake = await bed.fake({ [`POST /compute/hosts/20/agent/${verb}`]: { status: 'RUNNING' } });
    const { ctx } = bed.context({ on: fake });
    await expect(action.run({ key: 'k', inputs: { hostId: 20, ...FAST } }, ctx)).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
      message: expect.stringContaining('without a task id'),
    });
  });

  it('follows a task whose answers use other field names (taskId as text, state)', async () => {
    let polls = 0;
    const fake = await bed.fake({
      [`POST /compute/hosts/20/agent/${verb}`]: { taskId: '77', state: 'READY' },
      'GET /tasks/instances/77': () => {
        polls += 1;
        return { taskId: 77, name: 'agent task', state: polls < 3 ? 'RUNNING' : 'SUCCESS' };
      },
    });
    const { ctx } = bed.context({ on: fake });
    const result = await action.run({ key: 'k', inputs: { hostId: 20, ...FAST } }, ctx);
    expect(result).toEqual({
      status: 'changed',
      outputs: { task: { id: 77, taskId: 77, name: 'agent task', state: 'SUCCESS', status: 'SUCCESS' } },
    });
    expect(fake.seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      `POST /api/v2/compute/hosts/20/agent/${verb}`,
      'GET /api/v2/tasks/instances/77',
      'GET /api/v2/tasks/instances/77',
      'GET /api/v2/tasks/instances/77',
    ]);
  });

  describe('probe (plan --online)', () => {
    it("predicts a change for a known host, naming its agent's status, with GET requests only", async () => {
      const { ctx } = bed.context({ readOnly: true });
      await expect(action.probe!({ key: 'k', inputs: { hostId: 20 } }, ctx)).resolves.toEqual({
        outcome: 'would change',
        reason: `the agent of host 20 is ONLINE; OCP would run an agent ${verb} task`,
      });
      expect(bed.sim.requests.map((r) => `${r.method} ${r.pathname}`)).toEqual(['GET /api/v2/compute/hosts/20/agent']);
      expect(bed.sim.ocp.tasks()).toEqual([]);
    });

    it('predicts a failure for an unknown host, saying why', async () => {
      const { ctx } = bed.context({ readOnly: true });
      await expect(action.probe!({ key: 'k', inputs: { hostId: 999 } }, ctx)).resolves.toEqual({
        outcome: 'would fail',
        reason: expect.stringContaining('OCP has no host 999'),
      });
      expect(mutatingRequests(bed.sim)).toEqual([]);
    });

    it('predicts a failure for a duration that is not positive', async () => {
      const { ctx } = bed.context({ readOnly: true });
      await expect(action.probe!({ key: 'k', inputs: { hostId: 20, interval: '0ms' } }, ctx)).resolves.toEqual({
        outcome: 'would fail',
        reason: expect.stringContaining("with.interval '0ms'"),
      });
    });
  });
});
