// The `ocp` connection type against the simulator (which checks Basic credentials and AccessKey signatures
// as the real server does), plus envelope cases the simulator does not produce, on a plain node:http server.

import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { encodePath } from '../../src/connections/encode-path.js';
import { ocpConnection, signRequest } from '../../src/connections/ocp.js';
import { ocpSignature, ocpStringToSign } from '../../src/connections/ocp-signature.js';
import type { OutgoingRequest } from '../../src/contracts/connection.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { failureOf, json, open, startServer, type TestServer } from './test-server.js';

const BASIC = { type: 'basic', username: 'admin', password: 'sim-password' };
const ACCESS_KEY = { type: 'accessKey', accessKeyId: 'sim-access-key', accessKeySecret: 'sim-secret-key' };

let sim: Simulator;
beforeAll(async () => {
  // Bare paths refused: proves the client always sends the /api/v2 prefix.
  sim = await startSimulator({ port: 0, config: { ocp: { acceptBarePaths: false } } });
});
afterAll(() => sim.close());

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
  sim.resetStats();
  sim.setFaults({});
});

function ocp(config: Record<string, unknown>): ReturnType<typeof open> {
  const o = open({ type: 'ocp', ...config }, ocpConnection);
  cleanups.push(() => o.runtime.close());
  return o;
}

describe('ocp with Basic authentication', () => {
  it('adds /api/v2 to the paths actions give, sends JSON and Basic credentials, and reads the traceId', async () => {
    const { client, runtime } = ocp({ url: sim.url, auth: BASIC, headers: { 'Accept-Language': 'en-US' } });
    const { http, trace } = client();
    const res = await http.request<{ data: { processes: unknown[] } }>({ method: 'GET', path: encodePath`/compute/hosts/${20}/agent` });
    expect(res.status).toBe(200);
    expect(res.body.data.processes.length).toBeGreaterThan(0);
    expect(res.traceId).toMatch(/^[0-9a-f]{16}$/);
    expect(trace.response).toEqual({ status: 200, traceId: res.traceId });
    expect(runtime.baseUrl).toBe(`${sim.url}/api/v2`);
    const [seen] = sim.requests;
    expect(seen?.path).toBe('/api/v2/compute/hosts/20/agent');
    expect(seen?.headers).toMatchObject({
      'content-type': 'application/json',
      authorization: `Basic ${Buffer.from('admin:sim-password').toString('base64')}`,
      'accept-language': 'en-US',
    });
  });

  it('sends Content-Type application/json on a POST without a body', async () => {
    const { client } = ocp({ url: sim.url, auth: BASIC });
    await client().http.request({ method: 'POST', path: encodePath`/compute/hosts/${20}/agent/processes/${185}/stop` });
    const [seen] = sim.requests;
    expect(seen).toMatchObject({ method: 'POST', body: '', headers: { 'content-type': 'application/json' } });
  });

  it('does not double the prefix when the url already ends with /api/v2, nor when the action path has it', async () => {
    const { client, runtime } = ocp({ url: `${sim.url}/api/v2/`, auth: BASIC });
    await client().http.request({ method: 'GET', path: '/compute/hosts/20/agent' });
    const second = ocp({ url: sim.url, auth: BASIC });
    await second.client().http.request({ method: 'GET', path: '/api/v2/compute/hosts/21/agent' });
    expect(runtime.baseUrl).toBe(`${sim.url}/api/v2`);
    expect(sim.requests.map((r) => r.path)).toEqual(['/api/v2/compute/hosts/20/agent', '/api/v2/compute/hosts/21/agent']);
  });

  it('fails with AUTH_FAILED on wrong credentials, carrying the OCP code but never the password', async () => {
    const { client } = ocp({ url: sim.url, auth: { ...BASIC, password: 'wrong-password-42' } });
    const err = await failureOf(() =>
      client({ retry: { attempts: 3, delayMs: 1, maxDelayMs: 5 } }).http.request({ method: 'GET', path: '/compute/hosts' }),
    );
    expect(err).toMatchObject({ code: 'AUTH_FAILED', transient: false, details: { status: 401, ocpCode: 'IAM10000' } });
    expect(`${err.message}${JSON.stringify(err.details)}`).not.toContain('wrong-password-42');
    expect(sim.requests).toHaveLength(1);
  });
});

describe('ocp with AccessKey signing', () => {
  it('signs requests the simulator verifies: Date, Host as host:port, x-ocp headers, sorted query', async () => {
    const { client } = ocp({ url: sim.url, auth: ACCESS_KEY });
    const { http } = client();
    const res = await http.request({
      method: 'GET',
      path: '/compute/hosts',
      query: { size: 5, page: 1, keyword: 'ob-host+2:x y' },
      headers: { 'x-ocp-origin': 'for-test' },
    });
    expect(res.status).toBe(200);
    const [seen] = sim.requests;
    expect(seen?.path).toBe('/api/v2/compute/hosts?keyword=ob-host%2B2%3Ax%20y&page=1&size=5');
    expect(seen?.headers.host).toBe(new URL(sim.url).host);
    expect(Date.parse(seen?.headers.date ?? '')).not.toBeNaN();
    expect(seen?.headers.authorization).toMatch(/^OCP-ACCESS-KEY-HMACSHA1 sim-access-key:[A-Za-z0-9+/]+=*$/);
  });

  it('signs a POST without a body, with the content type it sends', async () => {
    const { client } = ocp({ url: sim.url, auth: ACCESS_KEY });
    const res = await client().http.request({ method: 'POST', path: '/compute/hosts/20/agent/processes/186/stop' });
    expect(res.status).toBe(200);
  });

  it('fails with AUTH_FAILED when the secret is wrong, without showing it', async () => {
    const { client } = ocp({ url: sim.url, auth: { ...ACCESS_KEY, accessKeySecret: 'not-the-secret-99' } });
    const err = await failureOf(() => client().http.request({ method: 'GET', path: '/compute/hosts' }));
    expect(err).toMatchObject({ code: 'AUTH_FAILED', details: { status: 401, ocpCode: 'IAM10000' } });
    expect(err.message).toContain('signature');
    expect(`${err.message}${JSON.stringify(err.details)}`).not.toContain('not-the-secret-99');
  });

  it('signs exactly the headers, body and path it is given (vendor vector 1 through signRequest)', () => {
    const req: OutgoingRequest = {
      method: 'POST',
      url: new URL('http://ocp.alibaba.net:8080/api/v2/compute/idcs'),
      pathAndQuery: '/api/v2/compute/idcs',
      headers: { 'content-type': 'application/json', 'x-ocp-data': 'A,1' },
      body: Buffer.from('{"name":"test01","description":"test","regionId":1}'),
    };
    signRequest(req, 'cqammmxBpfGjFlto', '2fc0c299cc94c6be266f2ceece765d4d', new Date('Tue, 17 Jan 2023 09:13:57 GMT'));
    expect(req.headers).toMatchObject({
      date: 'Tue, 17 Jan 2023 09:13:57 GMT',
      host: 'ocp.alibaba.net:8080',
      authorization: 'OCP-ACCESS-KEY-HMACSHA1 cqammmxBpfGjFlto:XN8P+O+v3vUabB16ZCooq5wMJoY=',
    });
  });

  it('writes the default port into Host when the url has none', () => {
    const req: OutgoingRequest = {
      method: 'GET',
      url: new URL('https://ocp.example.com/api/v2/x'),
      pathAndQuery: '/api/v2/x',
      headers: {},
    };
    signRequest(req, 'ak', 'sk', new Date(0));
    expect(req.headers.host).toBe('ocp.example.com:443');
    const expected = ocpSignature(
      'sk',
      ocpStringToSign({
        method: 'GET',
        contentMd5: '',
        contentType: '',
        date: new Date(0).toUTCString(),
        host: 'ocp.example.com:443',
        ocpHeaders: {},
        pathAndQuery: '/api/v2/x',
      }),
    );
    expect(req.headers.authorization).toBe(`OCP-ACCESS-KEY-HMACSHA1 ak:${expected}`);
  });
});

describe('ocp error envelopes', () => {
  it('turns an error envelope into OCP_ERROR with the code, message, status and traceId', async () => {
    const { client } = ocp({ url: sim.url, auth: BASIC });
    const err = await failureOf(() =>
      client({ retry: { attempts: 3, delayMs: 1, maxDelayMs: 5 } }).http.request({ method: 'GET', path: '/compute/hosts/999/agent' }),
    );
    expect(err).toMatchObject({
      code: 'OCP_ERROR',
      transient: false,
      details: { status: 404, ocpCode: 'CMP07005', ocpMessage: 'Host 999 does not exist' },
    });
    const traceId = String(err.details?.traceId);
    expect(traceId).toMatch(/^[0-9a-f]{16}$/);
    expect(err.message).toBe(`OCP error CMP07005: Host 999 does not exist (HTTP 404, traceId ${traceId})`);
    expect(sim.requests).toHaveLength(1);
  });

  it('keeps numeric error codes (OCP 3.x/4.0) as numbers', async () => {
    const old = await startSimulator({ port: 0, config: { ocp: { errorCodeStyle: 'number' } } });
    cleanups.push(() => old.close());
    const { client } = ocp({ url: old.url, auth: BASIC });
    const err = await failureOf(() => client().http.request({ method: 'GET', path: '/compute/hosts/999/agent' }));
    expect(err.details?.ocpCode).toBe(7005);
  });

  it('retries an OCP 503 envelope as transient, then succeeds', async () => {
    sim.setFaults({ failFirst: [{ path: '/agent$', count: 2, status: 503 }] });
    const { client } = ocp({ url: sim.url, auth: BASIC });
    const { http, trace } = client({ retry: { attempts: 3, delayMs: 1, maxDelayMs: 5 } });
    const res = await http.request({ method: 'GET', path: '/compute/hosts/20/agent' });
    expect(res.status).toBe(200);
    expect(trace.attempts).toBe(3);
    expect(sim.requests).toHaveLength(3);
  });

  it('reads a plain-text answer as text (GET /time)', async () => {
    const { client } = ocp({ url: sim.url, auth: BASIC });
    const res = await client().http.request({ method: 'GET', path: '/time' });
    expect(typeof res.body).toBe('string');
    expect(res.traceId).toBeUndefined();
  });
});

describe('ocp envelopes the simulator does not send', () => {
  const servers: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  async function serve(handler: Parameters<typeof startServer>[0]): Promise<TestServer> {
    const s = await startServer(handler);
    servers.push(s);
    return s;
  }

  it('treats HTTP 200 with successful: false as OCP_ERROR with code, message and traceId', async () => {
    const server = await serve((_req, res) =>
      json(res, 200, {
        successful: false,
        status: 200,
        traceId: '3f2a9c0d1e2b4a5f',
        error: { code: 'CMP07019', message: 'agent state does not allow the operation' },
      }),
    );
    const { client } = ocp({ url: server.url, auth: BASIC });
    const err = await failureOf(() => client().http.request({ method: 'POST', path: '/compute/hosts/20/agent/stop' }));
    expect(err).toMatchObject({
      code: 'OCP_ERROR',
      transient: false,
      details: { status: 200, ocpCode: 'CMP07019', ocpMessage: 'agent state does not allow the operation', traceId: '3f2a9c0d1e2b4a5f' },
    });
    expect(err.message).toBe('OCP error CMP07019: agent state does not allow the operation (HTTP 200, traceId 3f2a9c0d1e2b4a5f)');
  });

  it('falls back to the raw text when the envelope has no message, and to the status when the body is not an envelope', async () => {
    let n = 0;
    const server = await serve((_req, res) => {
      if (n++ === 0) json(res, 200, { successful: false, detail: 'odd' });
      else res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
    });
    const { client } = ocp({ url: server.url, auth: BASIC });
    const first = await failureOf(() => client().http.request({ method: 'GET', path: '/x' }));
    expect(first).toMatchObject({ code: 'OCP_ERROR', details: { status: 200 } });
    expect(first.message).toContain('"detail":"odd"');
    const second = await failureOf(() => client().http.request({ method: 'GET', path: '/x' }));
    expect(second).toMatchObject({ code: 'HTTP_STATUS', transient: true, details: { status: 502 } });
  });

  it('accepts a 2xx envelope with successful: true and the data in it', async () => {
    const server = await serve((_req, res) => json(res, 200, { successful: true, data: { id: 1 }, traceId: 'abc' }));
    const { client } = ocp({ url: server.url, auth: BASIC });
    const res = await client().http.request<{ data: { id: number } }>({ method: 'GET', path: '/x' });
    expect(res.body.data.id).toBe(1);
    expect(res.traceId).toBe('abc');
    expect(server.seen[0]?.url).toBe('/api/v2/x');
  });
});
