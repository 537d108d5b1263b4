// The simulated OCP API: envelopes, paging, process stop/restart variants, agent tasks, bare paths.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { BASIC_ADMIN, call, eventually, ocp } from './sim-http.js';

describe('OCP simulator with the default config', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it('wraps data in the success envelope with status, timestamp, duration, traceId and server', async () => {
    const res = await ocp(sim, 'GET', '/compute/hosts/20/agent');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json).toMatchObject({ successful: true, status: 200, server: 'runbook-sim' });
    expect(res.json.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$/);
    expect(typeof res.json.duration).toBe('number');
    expect(res.json.traceId).toMatch(/^[0-9a-f]{16}$/);
    expect(res.json.data).toMatchObject({ hostId: 20, hostName: 'ob-host-20', hostIp: '10.0.0.20', status: 'ONLINE' });
    expect(res.json.data.processes.map((p: { alias: string }) => p.alias)).toEqual([
      'obstat2',
      'node_exporter',
      'ob_logtailer',
      'ob_cleaner',
      'ocp_agentd',
      'ocp_mgragent',
      'ocp_monagent',
      'pos_proxy',
    ]);
  });

  it('has process 185 = obstat2, operable and STARTED, on every default host, with every HostAgentProcess field', async () => {
    for (const hostId of [20, 42, 59]) {
      const res = await ocp(sim, 'GET', `/compute/hosts/${hostId}/agent/processes?size=100`);
      const p = res.json.data.contents.find((c: { id: number }) => c.id === 185);
      expect(p).toMatchObject({ id: 185, hostId, alias: 'obstat2', status: 'STARTED', operable: true, user: 'admin' });
      expect(p.pid).toBeGreaterThan(0);
      for (const key of ['startCommand', 'ports', 'elapsedTime', 'lastActiveTime', 'logFilePattern', 'createTime', 'updateTime']) {
        expect(p).toHaveProperty(key);
      }
    }
    expect(sim.ocp.host(19)).toBeUndefined();
    expect(sim.ocp.host(60)).toBeUndefined();
    expect(sim.ocp.hosts()).toHaveLength(40);
  });

  it('marks the agent infrastructure processes as not operable', async () => {
    const res = await ocp(sim, 'GET', '/compute/hosts/21/agent/processes?size=8');
    const operable = Object.fromEntries(res.json.data.contents.map((p: { alias: string; operable: boolean }) => [p.alias, p.operable]));
    expect(operable).toEqual({
      obstat2: true,
      node_exporter: true,
      ob_logtailer: true,
      ob_cleaner: true,
      ocp_agentd: false,
      ocp_mgragent: false,
      ocp_monagent: false,
      pos_proxy: false,
    });
  });

  it('pages processes from page 1 with a default size of 10 and reports totals', async () => {
    const first = await ocp(sim, 'GET', '/compute/hosts/22/agent/processes?size=3');
    expect(first.json.data.page).toEqual({ number: 1, size: 3, totalElements: 8, totalPages: 3 });
    expect(first.json.data.contents.map((p: { id: number }) => p.id)).toEqual([185, 186, 187]);
    const last = await ocp(sim, 'GET', '/compute/hosts/22/agent/processes?size=3&page=3');
    expect(last.json.data.contents.map((p: { id: number }) => p.id)).toEqual([191, 192]);
    const byDefault = await ocp(sim, 'GET', '/compute/hosts/22/agent/processes');
    expect(byDefault.json.data.page).toEqual({ number: 1, size: 10, totalElements: 8, totalPages: 1 });
    const sorted = await ocp(sim, 'GET', '/compute/hosts/22/agent/processes?sort=id,desc&size=2');
    expect(sorted.json.data.contents.map((p: { id: number }) => p.id)).toEqual([192, 191]);
  });

  it('refuses a page size above 2000 and a page below 1 with COM10001', async () => {
    const big = await ocp(sim, 'GET', '/compute/hosts?size=2001');
    expect(big.status).toBe(400);
    expect(big.json.error.code).toBe('COM10001');
    expect((await ocp(sim, 'GET', '/compute/hosts?size=2000')).status).toBe(200);
    expect((await ocp(sim, 'GET', '/compute/hosts?page=0')).status).toBe(400);
  });

  it('lists hosts filtered by keyword and status', async () => {
    const all = await ocp(sim, 'GET', '/compute/hosts?size=100');
    expect(all.json.data.page.totalElements).toBe(40);
    expect(all.json.data.contents[0]).toMatchObject({ id: 20, name: 'ob-host-20', innerIpAddress: '10.0.0.20', status: 'ONLINE' });
    const one = await ocp(sim, 'GET', '/compute/hosts?keyword=host-33');
    expect(one.json.data.contents.map((h: { id: number }) => h.id)).toEqual([33]);
    const none = await ocp(sim, 'GET', '/compute/hosts?status=OFFLINE');
    expect(none.json.data.page.totalElements).toBe(0);
  });

  it('pages the filtered host list: the totals count the hosts that match, and the bare path answers the same', async () => {
    sim.ocp.host(33)!.status = 'OFFLINE';
    try {
      const first = await ocp(sim, 'GET', '/compute/hosts?keyword=OB-HOST-2&status=online&size=4');
      expect(first.json.data.page).toEqual({ number: 1, size: 4, totalElements: 10, totalPages: 3 });
      const last = await ocp(sim, 'GET', '/compute/hosts?keyword=ob-host-2&status=ONLINE&size=4&page=3&sort=id,desc');
      expect(last.json.data.contents.map((h: { id: number }) => h.id)).toEqual([21, 20]);
      const offline = await call(sim, 'GET', '/compute/hosts?status=OFFLINE&keyword=10.0.0.3', { headers: { authorization: BASIC_ADMIN } });
      expect(offline.json.data.contents.map((h: { id: number }) => h.id)).toEqual([33]);
    } finally {
      sim.resetState();
    }
  });

  it('answers an unknown host with 404 CMP07005 and an unknown process with 404 CMP07054, in the error envelope', async () => {
    const host = await ocp(sim, 'POST', '/compute/hosts/999/agent/processes/185/stop');
    expect(host.status).toBe(404);
    expect(host.json).toMatchObject({ successful: false, status: 404, server: 'runbook-sim', error: { code: 'CMP07005' } });
    expect(host.json).not.toHaveProperty('data');
    expect(host.json.traceId).toMatch(/^[0-9a-f]{16}$/);
    expect(host.json.error.message).toContain('999');
    const proc = await ocp(sim, 'POST', '/compute/hosts/20/agent/processes/9999/stop');
    expect(proc.status).toBe(404);
    expect(proc.json.error.code).toBe('CMP07054');
  });

  it('stops a process synchronously, answering it STOPPED with pid 0 and null strings, and restarts it STARTED', async () => {
    const stopped = await ocp(sim, 'POST', '/compute/hosts/23/agent/processes/186/stop');
    expect(stopped.status).toBe(200);
    expect(stopped.json.data).toMatchObject({ id: 186, alias: 'node_exporter', status: 'STOPPED', pid: 0, user: null, startCommand: null });
    expect(sim.ocp.process(23, 186)?.status).toBe('STOPPED');
    const listed = await ocp(sim, 'GET', '/compute/hosts/23/agent/processes');
    expect(listed.json.data.contents.find((p: { id: number }) => p.id === 186).status).toBe('STOPPED');

    const restarted = await ocp(sim, 'POST', '/compute/hosts/23/agent/processes/186/restart');
    expect(restarted.json.data).toMatchObject({ id: 186, status: 'STARTED', user: 'admin' });
    expect(restarted.json.data.pid).toBeGreaterThan(0);
    expect(sim.ocp.process(23, 186)).toMatchObject({ status: 'STARTED', stops: 1, restarts: 1 });
  });

  it('answers stopping an already stopped process with 200 and the process by default', async () => {
    sim.ocp.setProcessStatus(24, 185, 'STOPPED');
    const res = await ocp(sim, 'POST', '/compute/hosts/24/agent/processes/185/stop');
    expect(res.status).toBe(200);
    expect(res.json.data.status).toBe('STOPPED');
    expect(sim.ocp.process(24, 185)?.stops).toBe(0);
  });

  it('refuses to stop or restart a process that is not operable with 409 CMP07019', async () => {
    for (const action of ['stop', 'restart']) {
      const res = await ocp(sim, 'POST', `/compute/hosts/25/agent/processes/189/${action}`);
      expect(res.status).toBe(409);
      expect(res.json.error.code).toBe('CMP07019');
      expect(res.json.error.message).toContain('not operable');
    }
    expect(sim.ocp.process(25, 189)?.status).toBe('STARTED');
  });

  it('runs a host agent stop as a task that is RUNNING, then SUCCESSFUL, and takes the agent offline', async () => {
    const started = await ocp(sim, 'POST', '/compute/hosts/26/agent/stop');
    expect(started.status).toBe(200);
    expect(started.json.data).toMatchObject({ status: 'RUNNING', finishTime: null });
    expect(typeof started.json.data.name).toBe('string');
    const id: number = started.json.data.id;
    const first = await ocp(sim, 'GET', `/tasks/instances/${id}`);
    expect(['RUNNING', 'SUCCESSFUL']).toContain(first.json.data.status);
    await eventually(async () => (await ocp(sim, 'GET', `/tasks/instances/${id}`)).json.data.status === 'SUCCESSFUL');
    expect(sim.ocp.host(26)?.agentStatus).toBe('OFFLINE');
    const restart = await ocp(sim, 'POST', '/compute/hosts/26/agent/restart');
    await eventually(async () => (await ocp(sim, 'GET', `/tasks/instances/${restart.json.data.id}`)).json.data.status === 'SUCCESSFUL');
    expect((await ocp(sim, 'GET', '/compute/hosts/26/agent')).json.data.status).toBe('ONLINE');
  });

  it('answers an unknown task with 404 and an unknown endpoint with 404 COM10002', async () => {
    expect((await ocp(sim, 'GET', '/tasks/instances/1')).status).toBe(404);
    const res = await ocp(sim, 'GET', '/compute/nothing');
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('COM10002');
  });

  it('serves GET /time as plain text without credentials', async () => {
    const res = await call(sim, 'GET', '/api/v2/time');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(Math.abs(Date.parse(res.text) - Date.now())).toBeLessThan(60_000);
  });

  it('accepts the bare path without /api/v2 by default', async () => {
    const res = await call(sim, 'GET', '/compute/hosts/20/agent', { headers: { authorization: BASIC_ADMIN } });
    expect(res.status).toBe(200);
    expect(res.json.data.hostId).toBe(20);
  });

  it('puts RateLimit headers on answers, errors included', async () => {
    for (const res of [await ocp(sim, 'GET', '/compute/hosts'), await ocp(sim, 'GET', '/compute/hosts/1/agent')]) {
      expect(Number(res.headers['ratelimit-limit'])).toBeGreaterThan(0);
      expect(Number(res.headers['ratelimit-remaining'])).toBeGreaterThanOrEqual(0);
      expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThanOrEqual(0);
    }
  });

  it('keeps an encoded slash or dot-dot inside the hostId segment, never reaching another route', async () => {
    const slash = await ocp(sim, 'GET', '/compute/hosts/20%2Fagent');
    expect(slash.status).toBe(400);
    expect(slash.json.error.code).toBe('COM10001');
    const dots = await ocp(sim, 'GET', '/compute/hosts/..%2F..%2Ftime/agent');
    expect(dots.status).toBe(400);
    expect(dots.json.error.code).toBe('COM10001');
  });
});

describe('OCP simulator variants', () => {
  let sim: Simulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  it('answers stopping an already stopped process with 409 CMP07019 when alreadyStoppedAnswer is error', async () => {
    sim = await startSimulator({ config: { ocp: { alreadyStoppedAnswer: 'error' } } });
    sim.ocp.setProcessStatus(20, 185, 'STOPPED');
    const res = await ocp(sim, 'POST', '/compute/hosts/20/agent/processes/185/stop');
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('CMP07019');
  });

  it('gives numeric error codes in the OCP 3.x style', async () => {
    sim = await startSimulator({ config: { ocp: { errorCodeStyle: 'number' } } });
    const res = await ocp(sim, 'GET', '/compute/hosts/999/agent');
    expect(res.json.error.code).toBe(7005);
  });

  it('ends agent tasks of configured hosts FAILED, leaving the agent as it was', async () => {
    sim = await startSimulator({ config: { ocp: { failTaskHosts: [21], taskDurationMs: 10 } } });
    const res = await ocp(sim, 'POST', '/compute/hosts/21/agent/stop');
    const s = sim;
    await eventually(async () => (await ocp(s, 'GET', `/tasks/instances/${res.json.data.id}`)).json.data.status === 'FAILED');
    const done = await ocp(sim, 'GET', `/tasks/instances/${res.json.data.id}`);
    expect(done.json.data.finishTime).not.toBeNull();
    expect(sim.ocp.host(21)?.agentStatus).toBe('ONLINE');
  });

  it('takes processActionDelayMs before answering a stop, and keeps the process STARTED meanwhile', async () => {
    sim = await startSimulator({ config: { ocp: { processActionDelayMs: 400 } } });
    const s = sim;
    const pending = ocp(sim, 'POST', '/compute/hosts/20/agent/processes/185/stop');
    await eventually(() => s.inFlight === 1);
    expect(sim.ocp.process(20, 185)?.status).toBe('STARTED');
    const res = await pending;
    expect(res.json.data.status).toBe('STOPPED');
    expect(res.json.data.pid).toBe(0);
  });

  it('serves configured hosts and processes, and refuses bare paths when acceptBarePaths is false', async () => {
    sim = await startSimulator({
      config: {
        ocp: {
          acceptBarePaths: false,
          pageSizeDefault: 2,
          hosts: [
            {
              id: 7,
              name: 'db-7',
              processes: [
                { id: 1, alias: 'obstat2', status: 'STOPPED' },
                { id: 2, alias: 'ocp_agentd' },
              ],
            },
          ],
        },
      },
    });
    const res = await ocp(sim, 'GET', '/compute/hosts/7/agent/processes');
    expect(res.json.data.page).toEqual({ number: 1, size: 2, totalElements: 2, totalPages: 1 });
    expect(res.json.data.contents).toMatchObject([
      { id: 1, alias: 'obstat2', status: 'STOPPED', pid: 0, operable: true },
      { id: 2, alias: 'ocp_agentd', status: 'STARTED', operable: false },
    ]);
    const bare = await call(sim, 'GET', '/compute/hosts/7/agent', { headers: { authorization: BASIC_ADMIN } });
    expect(bare.status).toBe(404);
  });
});
