// OCP authentication in the simulator: Basic and AccessKey signatures, each accepted and refused.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { call, signedHeaders } from './sim-http.js';

const AGENT = '/api/v2/compute/hosts/20/agent';

describe('OCP Basic authentication', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ config: { ocp: { users: [{ username: 'ops', password: 'p:w d' }] } } });
  });
  afterAll(() => sim.close());

  const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

  it('accepts a configured user, with a colon and a space in the password', async () => {
    const res = await call(sim, 'GET', AGENT, { headers: { authorization: basic('ops', 'p:w d') } });
    expect(res.status).toBe(200);
  });

  it('refuses a wrong password, an unknown user and no credentials with 401 IAM10000 in the error envelope', async () => {
    const attempts: Record<string, string>[] = [
      { authorization: basic('ops', 'hunter2-guess') },
      { authorization: basic('admin', 'sim-password') },
      {},
    ];
    for (const headers of attempts) {
      const res = await call(sim, 'GET', AGENT, { headers });
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ successful: false, status: 401, error: { code: 'IAM10000' } });
      expect(res.text).not.toContain('hunter2-guess');
    }
  });
});

describe('OCP AccessKey authentication', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it('accepts a request signed with the default access key', async () => {
    const { headers } = signedHeaders(sim, { method: 'GET', path: AGENT });
    const res = await call(sim, 'GET', AGENT, { headers });
    expect(res.status).toBe(200);
    expect(res.json.data.hostId).toBe(20);
  });

  it('accepts a signed POST with a body, an x-ocp header and a canonical query', async () => {
    const path = '/api/v2/compute/hosts/20/agent/processes/186/restart';
    const body = '{"why":"test ü"}';
    const { headers, pathAndQuery } = signedHeaders(sim, {
      method: 'POST',
      path,
      query: { b: 'x y+z', a: '1' },
      body,
      ocpHeaders: { 'x-ocp-origin': 'for-test' },
    });
    expect(pathAndQuery).toBe(`${path}?a=1&b=x%20y%2Bz`);
    const res = await call(sim, 'POST', pathAndQuery, { headers, body });
    expect(res.status).toBe(200);
    expect(res.json.data.status).toBe('STARTED');
  });

  it('refuses a signature made with another secret', async () => {
    const { headers } = signedHeaders(sim, { method: 'GET', path: AGENT, sk: 'not-the-secret' });
    const res = await call(sim, 'GET', AGENT, { headers });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('IAM10000');
  });

  it('refuses an unknown access key', async () => {
    const { headers } = signedHeaders(sim, { method: 'GET', path: AGENT, ak: 'nobody' });
    expect((await call(sim, 'GET', AGENT, { headers })).status).toBe(401);
  });

  it('refuses a request whose body, path or x-ocp header differs from what was signed', async () => {
    const path = '/api/v2/compute/hosts/20/agent/processes/186/restart';
    const signed = signedHeaders(sim, { method: 'POST', path, body: '{"a":1}', ocpHeaders: { 'x-ocp-data': 'A,1' } });
    expect((await call(sim, 'POST', path, { headers: signed.headers, body: '{"a":2}' })).status).toBe(401);
    const otherPath = '/api/v2/compute/hosts/21/agent/processes/186/restart';
    expect((await call(sim, 'POST', otherPath, { headers: signed.headers, body: '{"a":1}' })).status).toBe(401);
    const otherHeader = { ...signed.headers, 'x-ocp-data': 'B,2' };
    expect((await call(sim, 'POST', path, { headers: otherHeader, body: '{"a":1}' })).status).toBe(401);
    expect((await call(sim, 'POST', path, { headers: signed.headers, body: '{"a":1}' })).status).toBe(200);
  });

  it('refuses a Date 15 minutes or more away from its clock, and accepts one 14 minutes away', async () => {
    // Dates have whole seconds: two seconds past the limit keeps the test away from the boundary.
    for (const offsetMs of [15 * 60_000 + 2000, -(15 * 60_000 + 2000), 3600_000]) {
      const date = new Date(Date.now() + offsetMs);
      const { headers } = signedHeaders(sim, { method: 'GET', path: AGENT, date });
      const res = await call(sim, 'GET', AGENT, { headers });
      expect(res.status).toBe(401);
      expect(res.json.error.message).toContain('Date');
    }
    const { headers } = signedHeaders(sim, { method: 'GET', path: AGENT, date: new Date(Date.now() - 14 * 60_000) });
    expect((await call(sim, 'GET', AGENT, { headers })).status).toBe(200);
  });

  it('does not ask for credentials on GET /time', async () => {
    expect((await call(sim, 'GET', '/api/v2/time')).status).toBe(200);
  });
});

describe('OCP AccessKey verifier against the vendor test vectors', () => {
  // The vectors are dated 2023 and 2024 and carry their own Host: the clock limit is widened and the Host
  // header is sent as in the vector. Auth runs before routing, so 404 (no such resource) means "signature accepted".
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      config: {
        ocp: {
          maxClockSkewMs: 20 * 365 * 24 * 3600 * 1000,
          accessKeys: [
            { id: 'cqammmxBpfGjFlto', secret: '2fc0c299cc94c6be266f2ceece765d4d' },
            { id: 'gDCcIqbkJJINjXBn', secret: 'd75332c5eed8d440a84a35ac6248d397' },
          ],
        },
      },
    });
  });
  afterAll(() => sim.close());

  const vectors: {
    name: string;
    method: 'POST' | 'GET';
    path: string;
    body?: string;
    headers: Record<string, string> & { authorization: string; host: string };
  }[] = [
    {
      name: 'POST /api/v2/compute/idcs with a body and x-ocp-data',
      method: 'POST' as const,
      path: '/api/v2/compute/idcs',
      body: '{"name":"test01","description":"test","regionId":1}',
      headers: {
        'content-type': 'application/json',
        date: 'Tue, 17 Jan 2023 09:13:57 GMT',
        host: 'ocp.alibaba.net:8080',
        'x-ocp-data': 'A,1',
        authorization: 'OCP-ACCESS-KEY-HMACSHA1 cqammmxBpfGjFlto:XN8P+O+v3vUabB16ZCooq5wMJoY=',
      },
    },
    {
      name: 'GET /api/v2/compute/idcs?size=100 with a charset in Content-Type',
      method: 'GET' as const,
      path: '/api/v2/compute/idcs?size=100',
      body: undefined,
      headers: {
        'content-type': 'application/json;charset=utf-8',
        date: 'Tue, 17 Jan 2023 04:14:02 GMT',
        host: 'ocp.alibaba.net:8080',
        authorization: 'OCP-ACCESS-KEY-HMACSHA1 cqammmxBpfGjFlto:TsQD6HDOuZuJ409m0wdnZPmijlc=',
      },
    },
    {
      name: 'GET /api/v2/monitor/top with six query parameters and x-ocp-origin',
      method: 'GET' as const,
      path:
        '/api/v2/monitor/top?endTime=2024-04-15T14%3A30%3A55%2B08%3A00&groupBy=app%2Csvr_ip%2Cdevice%2Cmount_point' +
        '&labels=svr_ip%3A127.0.0.1&maxPoints=360&metrics=host_disk_total&startTime=2024-04-15T14%3A29%3A55%2B08%3A00',
      body: undefined,
      headers: {
        'content-type': 'application/json',
        date: 'Mon, 15 Apr 2024 09:25:02 GMT',
        host: '127.0.0.1:8080',
        'x-ocp-origin': 'for-test',
        authorization: 'OCP-ACCESS-KEY-HMACSHA1 gDCcIqbkJJINjXBn:To11kg1EsB/dPWyDnnpuUzIUoQk=',
      },
    },
  ];

  for (const v of vectors) {
    it(`accepts the vendor's signature for ${v.name}, and refuses it tampered`, async () => {
      const accepted = await call(sim, v.method, v.path, { headers: v.headers, body: v.body });
      expect(accepted.status).toBe(404);
      expect(accepted.json.error.code).toBe('COM10002');
      expect(sim.requests.at(-1)?.headers.host).toBe(v.headers.host);

      const tampered = { ...v.headers, authorization: v.headers.authorization.replace(/.=$/, 'A=') };
      if (tampered.authorization === v.headers.authorization) tampered.authorization = v.headers.authorization.replace(/.=$/, 'B=');
      const refused = await call(sim, v.method, v.path, { headers: tampered, body: v.body });
      expect(refused.status).toBe(401);
    });
  }
});
