// The shared HTTP transport, against real node:http(s) servers on port 0: bodies, retries, deadlines,
// connection failures, TLS, redirects, read-only probes, cancellation and what reaches the logs.

import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { encodePath } from '../../src/connections/encode-path.js';
import { httpConnection } from '../../src/connections/http.js';
import { failureOf, json, open, startServer, type TestServer } from './test-server.js';

const servers: TestServer[] = [];
const closers: Array<() => Promise<void>> = [];
async function serve(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const s = await startServer(...args);
  servers.push(s);
  return s;
}
function opened(...args: Parameters<typeof open>): ReturnType<typeof open> {
  const o = open(...args);
  closers.push(() => o.runtime.close());
  return o;
}
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('requests and answers', () => {
  it('sends the path below the base URL with a sorted, strictly encoded query, and parses a JSON answer', async () => {
    const server = await serve((_req, res) => json(res, 200, { ok: true }, { 'X-Custom': 'v' }));
    const { client } = opened({ url: `${server.url}/base/` });
    const { http } = client();
    const res = await http.request({ method: 'GET', path: '/things', query: { b: 'x y', a: 1, skip: undefined, c: true } });
    expect(res).toMatchObject({ status: 200, body: { ok: true }, headers: { 'x-custom': 'v' } });
    expect(server.seen[0]?.url).toBe('/base/things?a=1&b=x%20y&c=true');
  });

  it('gives answer headers with lower-case names, a repeated header joined with a comma', async () => {
    const server = await serve((_req, res) => {
      res.setHeader('X-Multi', ['a', 'b']);
      res.setHeader('X-Single', 'v');
      json(res, 200, {});
    });
    const { client } = opened({ url: server.url });
    const res = await client().http.request({ method: 'GET', path: '/h' });
    expect(res.headers['x-multi']).toBe('a, b');
    expect(res.headers['x-single']).toBe('v');
    expect(Object.keys(res.headers).every((k) => k === k.toLowerCase())).toBe(true);
  });

  it('sends an encoded path exactly as built, so dot segments and slashes in names stay inside one segment', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    const { client } = opened({ url: server.url });
    await client().http.request({ method: 'PUT', path: encodePath`/peer/${'..'}/stop` });
    await client().http.request({ method: 'PUT', path: encodePath`/peer/${'a/../b'}/stop` });
    expect(server.seen.map((s) => s.url)).toEqual(['/peer/%2E%2E/stop', '/peer/a%2F..%2Fb/stop']);
  });

  it('sends a JSON body with Content-Type application/json, and none without a body', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    const { client } = opened({ url: server.url });
    await client().http.request({ method: 'POST', path: '/p', body: { peers: [{ name: 'AP1' }] } });
    await client().http.request({ method: 'GET', path: '/p' });
    expect(server.seen[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(server.seen[0]?.body ?? '')).toEqual({ peers: [{ name: 'AP1' }] });
    expect(server.seen[1]?.headers['content-type']).toBeUndefined();
    expect(server.seen[1]?.body).toBe('');
  });

  it('keeps a text answer as text, an empty one as undefined, and a broken JSON one as its text', async () => {
    const answers = [
      (res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-type': 'text/plain' }).end('2024-04-15T14:29:55+08:00'),
      (res: import('node:http').ServerResponse) => res.writeHead(204).end(),
      (res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"broken":'),
      (res: import('node:http').ServerResponse) => res.writeHead(200).end('{"unlabelled":true}'),
    ];
    let i = 0;
    const server = await serve((_req, res) => answers[i++]?.(res));
    const { client } = opened({ url: server.url });
    const bodies = [];
    for (let n = 0; n < answers.length; n++) bodies.push((await client().http.request({ method: 'GET', path: '/t' })).body);
    expect(bodies).toEqual(['2024-04-15T14:29:55+08:00', undefined, '{"broken":', { unlabelled: true }]);
  });

  it('records the request and the answer in the operation trace', async () => {
    const server = await serve((_req, res) => json(res, 201, { id: 1 }));
    const { client } = opened({ url: server.url });
    const { http, trace } = client();
    await http.request({ method: 'POST', path: '/items', query: { x: '1' }, body: { name: 'n' } });
    expect(trace).toEqual({
      attempts: 1,
      requests: 1,
      request: { method: 'POST', url: `${server.url}/items?x=1`, body: { name: 'n' } },
      response: { status: 201 },
    });
  });

  it('gives the full URL of a request for plans and reports', async () => {
    const { runtime } = opened({ url: 'https://ocp.example.com:8443/root/' });
    expect(runtime.baseUrl).toBe('https://ocp.example.com:8443/root');
    expect(runtime.urlFor({ path: encodePath`/x/${'a b'}`, query: { z: '1', a: '2' } })).toBe(
      'https://ocp.example.com:8443/root/x/a%20b?a=2&z=1',
    );
  });
});

describe('connection pool', () => {
  it('reuses keep-alive connections for requests made one after another', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    const { client } = opened({ url: server.url });
    for (let i = 0; i < 8; i++) await client().http.request({ method: 'GET', path: '/x' });
    expect(server.seen).toHaveLength(8);
    // The pool may open a second socket while the first is still finishing an answer; never one per request.
    expect(server.connections).toBeLessThan(8);
  });

  it('runs concurrent requests in parallel, up to maxConnections and no more', async () => {
    let inFlight = 0;
    let peak = 0;
    const server = await serve((_req, res) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight -= 1;
        json(res, 200, {});
      }, 30);
    });
    const { client } = opened({ url: server.url }); // maxConnections: 4
    await Promise.all(Array.from({ length: 12 }, () => client().http.request({ method: 'GET', path: '/x' })));
    expect(server.seen).toHaveLength(12);
    expect(peak).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(4);
  });
});

describe('connection url', () => {
  it.each([
    ['ftp://host/x', /http:\/\/ or https:\/\//],
    ['not a url', /not a valid URL/],
    [undefined, /missing/],
    ['https://host/x?y=1', /query/],
  ])('refuses %s as a SCHEMA error', (url, message) => {
    let error: unknown;
    try {
      open({ url });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'SCHEMA' });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain("connection 'target'");
  });

  it('refuses credentials in the url without repeating them', () => {
    let error: unknown;
    try {
      open({ url: 'https://admin:hunter2secret@host:8080' });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'SCHEMA' });
    expect((error as Error).message).not.toContain('hunter2secret');
  });
});

describe('status errors and retries', () => {
  it('retries a 503 and succeeds, counting the attempts', async () => {
    let calls = 0;
    const server = await serve((_req, res) => (++calls < 3 ? json(res, 503, { error: 'busy' }) : json(res, 200, { ok: 1 })));
    const { client } = opened({ url: server.url });
    const { http, trace } = client({ retry: { attempts: 5, delayMs: 1, maxDelayMs: 5 } });
    const res = await http.request({ method: 'POST', path: '/op', body: { a: 1 } });
    expect(res.body).toEqual({ ok: 1 });
    expect(server.seen).toHaveLength(3);
    expect(trace.attempts).toBe(3);
    expect(trace.requests).toBe(1);
    expect(server.seen.every((s) => s.body === '{"a":1}')).toBe(true);
  });

  it('gives up after the configured number of attempts with a transient HTTP_STATUS', async () => {
    const server = await serve((_req, res) => json(res, 500, { message: 'boom' }));
    const { client } = opened({ url: server.url });
    const { http, trace } = client({ retry: { attempts: 3, delayMs: 1, maxDelayMs: 5 } });
    const err = await failureOf(() => http.request({ method: 'GET', path: '/x' }));
    expect(err).toMatchObject({ code: 'HTTP_STATUS', transient: true, details: { status: 500 } });
    expect(server.seen).toHaveLength(3);
    expect(trace.attempts).toBe(3);
    expect(trace.response).toEqual({ status: 500 });
  });

  it('does not retry a 400, and reports its status and a body snippet', async () => {
    const server = await serve((_req, res) => json(res, 400, { message: 'size must be at most 2000' }));
    const { client } = opened({ url: server.url });
    const { http, trace } = client({ retry: { attempts: 5, delayMs: 1, maxDelayMs: 5 } });
    const err = await failureOf(() => http.request({ method: 'GET', path: '/x' }));
    expect(err).toMatchObject({ code: 'HTTP_STATUS', transient: false, details: { status: 400 } });
    expect(String(err.details?.body)).toContain('size must be at most 2000');
    expect(err.message).toContain('HTTP 400');
    expect(server.seen).toHaveLength(1);
    expect(trace.attempts).toBe(1);
  });

  it('keeps a 404 as HTTP_STATUS with details.status 404 for actions to map', async () => {
    const server = await serve((_req, res) => res.writeHead(404).end('no such thing'));
    const { client } = opened({ url: server.url });
    const err = await failureOf(() => client().http.request({ method: 'GET', path: '/x' }));
    expect(err).toMatchObject({ code: 'HTTP_STATUS', transient: false, details: { status: 404, body: 'no such thing' } });
  });

  it('retries a 429 after the Retry-After the server asked for', async () => {
    let calls = 0;
    const server = await serve((_req, res) => (++calls === 1 ? json(res, 429, {}, { 'retry-after': '1' }) : json(res, 200, {})));
    const { client } = opened({ url: server.url });
    const { http } = client({ retry: { attempts: 2, delayMs: 1, maxDelayMs: 10_000 } });
    const started = Date.now();
    await http.request({ method: 'GET', path: '/x' });
    // A lower bound only: a timer never fires early.
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.seen).toHaveLength(2);
  });

  it('caps a long Retry-After at maxDelayMs', async () => {
    let calls = 0;
    const server = await serve((_req, res) => (++calls === 1 ? json(res, 503, {}, { 'retry-after': '3600' }) : json(res, 200, {})));
    const { client } = opened({ url: server.url });
    const started = Date.now();
    await client({ retry: { attempts: 2, delayMs: 1, maxDelayMs: 20 } }).http.request({ method: 'GET', path: '/x' });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(server.seen).toHaveLength(2);
  });
});

describe('deadlines and broken connections', () => {
  it('fails with a transient TIMEOUT when the server never answers', async () => {
    const server = await serve(() => undefined);
    const { client } = opened({ url: server.url });
    const started = Date.now();
    const err = await failureOf(() => client({ timeoutMs: 200 }).http.request({ method: 'GET', path: '/hang' }));
    expect(err).toMatchObject({ code: 'TIMEOUT', transient: true });
    expect(err.message).toContain('200 ms');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('applies the deadline to each attempt and retries a timeout', async () => {
    const server = await serve(() => undefined);
    const { client } = opened({ url: server.url });
    const { http, trace } = client({ timeoutMs: 100, retry: { attempts: 2, delayMs: 1, maxDelayMs: 5 } });
    const err = await failureOf(() => http.request({ method: 'GET', path: '/hang' }));
    expect(err.code).toBe('TIMEOUT');
    expect(server.seen).toHaveLength(2);
    expect(trace.attempts).toBe(2);
  });

  it('fails with a transient CONNECTION_ERROR when the connection is refused, after retrying', async () => {
    const port = await freePort();
    const { client } = opened({ url: `http://127.0.0.1:${port}` });
    const { http, trace } = client({ retry: { attempts: 2, delayMs: 1, maxDelayMs: 5 } });
    const err = await failureOf(() => http.request({ method: 'GET', path: '/x' }));
    expect(err).toMatchObject({ code: 'CONNECTION_ERROR', transient: true });
    expect(err.message).toMatch(/connection refused/);
    expect(trace.attempts).toBe(2);
    expect(trace.response).toBeUndefined();
  });

  it('fails with CONNECTION_ERROR when the server resets the connection', async () => {
    const server = await serve((req) => req.socket.destroy());
    const { client } = opened({ url: server.url });
    const err = await failureOf(() => client().http.request({ method: 'GET', path: '/x' }));
    expect(err).toMatchObject({ code: 'CONNECTION_ERROR', transient: true });
  });
});

describe('requests that are not idempotent', () => {
  it('does not send a POST again after a timeout: the server may have acted on it', async () => {
    const server = await serve(() => undefined);
    const { client } = opened({ url: server.url });
    const { http, trace } = client({ timeoutMs: 100, retry: { attempts: 3, delayMs: 1, maxDelayMs: 5 } });
    const err = await failureOf(() => http.request({ method: 'POST', path: '/stop', body: { id: 1 } }));
    expect(err).toMatchObject({ code: 'TIMEOUT', transient: false, details: { retried: false } });
    expect(err.message).toMatch(/not retried: a POST request is not idempotent and the server may have acted on it/);
    expect(server.seen).toHaveLength(1);
    expect(trace.attempts).toBe(1);
  });

  it('does not send a PATCH again when the connection drops after it was sent, nor after a 500', async () => {
    const dropping = await serve((req) => req.socket.destroy());
    const failing = await serve((_req, res) => json(res, 500, { message: 'half done' }));
    for (const server of [dropping, failing]) {
      const { client } = opened({ url: server.url });
      const err = await failureOf(() =>
        client({ retry: { attempts: 3, delayMs: 1, maxDelayMs: 5 } }).http.request({ method: 'PATCH', path: '/x', body: {} }),
      );
      expect(err.details).toMatchObject({ retried: false });
      expect(server.seen).toHaveLength(1);
    }
  });

  it('still retries a POST the server refused (503, 429) or that could not connect', async () => {
    const answers = [503, 429, 200];
    const server = await serve((_req, res) => json(res, answers.shift() ?? 200, { ok: 1 }));
    const { client } = opened({ url: server.url });
    const res = await client({ retry: { attempts: 3, delayMs: 1, maxDelayMs: 5 } }).http.request({ method: 'POST', path: '/x', body: {} });
    expect(res.body).toEqual({ ok: 1 });
    expect(server.seen).toHaveLength(3);
    const port = await freePort();
    const refused = opened({ url: `http://127.0.0.1:${port}` }).client({ retry: { attempts: 2, delayMs: 1, maxDelayMs: 5 } });
    const err = await failureOf(() => refused.http.request({ method: 'POST', path: '/x' }));
    expect(err).toMatchObject({ code: 'CONNECTION_ERROR', transient: true });
    expect(refused.trace.attempts).toBe(2);
  });

  it('retries a POST after a timeout when the request says it is idempotent', async () => {
    const server = await serve(() => undefined);
    const { client } = opened({ url: server.url });
    const { http } = client({ timeoutMs: 100, retry: { attempts: 2, delayMs: 1, maxDelayMs: 5 } });
    const err = await failureOf(() => http.request({ method: 'POST', path: '/stop', idempotent: true }));
    expect(err).toMatchObject({ code: 'TIMEOUT', transient: true });
    expect(server.seen).toHaveLength(2);
  });
});

describe('cancellation', () => {
  it('fails a request in flight with CANCELLED, not retried, when the run is cancelled', async () => {
    const server = await serve(() => undefined);
    const { client } = opened({ url: server.url });
    const run = new AbortController();
    const { http, trace } = client({ signal: run.signal, retry: { attempts: 5, delayMs: 1, maxDelayMs: 5 } });
    const pending = failureOf(() => http.request({ method: 'GET', path: '/hang' }));
    await waitFor(() => server.seen.length === 1);
    run.abort();
    const err = await pending;
    expect(err).toMatchObject({ code: 'CANCELLED', transient: false });
    expect(trace.attempts).toBe(1);
    expect(server.seen).toHaveLength(1);
  });

  it('stops waiting between retries when the run is cancelled', async () => {
    const server = await serve((_req, res) => json(res, 503, {}));
    const { client } = opened({ url: server.url });
    const run = new AbortController();
    const { http } = client({ signal: run.signal, retry: { attempts: 5, delayMs: 60_000, maxDelayMs: 60_000 } });
    const pending = failureOf(() => http.request({ method: 'GET', path: '/x' }));
    await waitFor(() => server.seen.length === 1);
    const started = Date.now();
    run.abort();
    expect((await pending).code).toBe('CANCELLED');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(server.seen).toHaveLength(1);
  });

  it('sends nothing when the run is already cancelled', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    const { client } = opened({ url: server.url });
    const err = await failureOf(() => client({ signal: AbortSignal.abort() }).http.request({ method: 'GET', path: '/x' }));
    expect(err.code).toBe('CANCELLED');
    expect(server.seen).toHaveLength(0);
  });
});

describe('read-only clients (plan --online)', () => {
  it('refuses every method but GET and HEAD before anything reaches the server', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    const { client } = opened({ url: server.url });
    const { http, trace } = client({ readOnly: true });
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      const err = await failureOf(() => http.request({ method, path: '/peer/AP1/stop' }));
      expect(err.message).toContain('nothing was sent');
    }
    expect(server.seen).toHaveLength(0);
    expect(trace.requests).toBe(0);
    await http.request({ method: 'GET', path: '/peer' });
    await http.request({ method: 'HEAD', path: '/peer' });
    expect(server.seen.map((s) => s.method)).toEqual(['GET', 'HEAD']);
  });
});

describe('redirects', () => {
  it('refuses a redirect, naming only the target host, and never follows it', async () => {
    const elsewhere = await serve((_req, res) => json(res, 200, {}));
    const server = await serve((_req, res) => res.writeHead(302, { location: `${elsewhere.url}/steal?token=abc123` }).end());
    const { client } = opened({ url: server.url, auth: { type: 'bearer', token: 'tok-secret-1' } }, httpConnection);
    const err = await failureOf(() =>
      client({ retry: { attempts: 3, delayMs: 1, maxDelayMs: 5 } }).http.request({ method: 'GET', path: '/x' }),
    );
    expect(err).toMatchObject({ code: 'REDIRECT_REFUSED', transient: false });
    expect(err.message).toContain(`127.0.0.1:${elsewhere.port}`);
    expect(err.message).not.toContain('steal');
    expect(err.message).not.toContain('abc123');
    expect(elsewhere.seen).toHaveLength(0);
    expect(server.seen).toHaveLength(1);
  });
});

describe('TLS', () => {
  it('refuses a server whose certificate is not trusted, saying to set tls.ca', async () => {
    const server = await serve((_req, res) => json(res, 200, {}), { https: true });
    const { client } = opened({ url: server.url });
    const err = await failureOf(() =>
      client({ retry: { attempts: 3, delayMs: 1, maxDelayMs: 5 } }).http.request({ method: 'GET', path: '/x' }),
    );
    expect(err).toMatchObject({ code: 'TLS_ERROR', transient: false });
    expect(err.message).toContain('tls.ca');
    expect(err.message).toContain('tls.insecureSkipVerify');
    expect(server.seen).toHaveLength(0);
  });

  it('trusts a private CA given as tls.ca, relative to the runbook folder', async () => {
    const server = await serve((_req, res) => json(res, 200, { secure: true }), { https: true });
    const { client, logs } = opened({ url: server.url, tls: { ca: 'ca.pem' } });
    expect((await client().http.request({ method: 'GET', path: '/x' })).body).toEqual({ secure: true });
    expect(logs.some((l) => l.level === 40)).toBe(false);
  });

  it('accepts the certificate by name as well as by address (localhost is in the SAN)', async () => {
    const server = await serve((_req, res) => json(res, 200, {}), { https: true });
    const { client } = opened({ url: `https://localhost:${server.port}`, tls: { ca: 'ca.pem' } });
    expect((await client().http.request({ method: 'GET', path: '/x' })).status).toBe(200);
  });

  it('refuses the server when tls.ca names another CA', async () => {
    const server = await serve((_req, res) => json(res, 200, {}), { https: true });
    const { client } = opened({ url: server.url, tls: { ca: 'other-ca.pem' } });
    expect((await failureOf(() => client().http.request({ method: 'GET', path: '/x' }))).code).toBe('TLS_ERROR');
  });

  it('skips verification only with tls.insecureSkipVerify, and logs a warning when the connection opens', async () => {
    const server = await serve((_req, res) => json(res, 200, {}), { https: true });
    const { client, logs } = opened({ url: server.url, tls: { insecureSkipVerify: true } });
    expect((await client().http.request({ method: 'GET', path: '/x' })).status).toBe(200);
    const warnings = logs.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(String(warnings[0]?.msg)).toMatch(/verification is OFF/);
  });

  it('says clearly when the tls.ca file does not exist', () => {
    let error: unknown;
    try {
      open({ url: 'https://127.0.0.1:1', tls: { ca: 'missing-ca.pem' } });
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code: 'FILE_NOT_FOUND' });
    expect((error as Error).message).toMatch(/missing-ca\.pem.*relative to the runbook/);
  });
});

describe('logs and secrets', () => {
  it('logs one debug line per request with method, URL, status and duration, and no headers', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    const { client, logs } = opened({ url: server.url, auth: { type: 'bearer', token: 'tok-secret-2' } }, httpConnection);
    await client().http.request({ method: 'GET', path: '/x', query: { q: '1' } });
    const lines = logs.filter((l) => l.msg === 'http request');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 20, method: 'GET', url: `${server.url}/x?q=1`, status: 200 });
    expect(typeof lines[0]?.ms).toBe('number');
    expect(server.seen[0]?.headers.authorization).toBe('Bearer tok-secret-2');
    expect(JSON.stringify(logs)).not.toContain('tok-secret-2');
  });

  it('never puts a credential the server echoes back into an error message or its details', async () => {
    const server = await serve((req, res) =>
      json(res, 400, { message: `bad token ${req.headers.authorization}`, user: 'admin:p4ssw0rd-x' }),
    );
    const { client } = opened({ url: server.url, auth: { type: 'basic', username: 'admin', password: 'p4ssw0rd-x' } }, httpConnection);
    const err = await failureOf(() => client().http.request({ method: 'GET', path: '/x' }));
    const everything = `${err.message} ${JSON.stringify(err.details)}`;
    expect(err.code).toBe('HTTP_STATUS');
    expect(everything).toContain('[REDACTED]');
    expect(everything).not.toContain('p4ssw0rd-x');
    expect(everything).not.toContain(Buffer.from('admin:p4ssw0rd-x').toString('base64'));
  });

  it('sends Basic authentication and configured headers with every request', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    const { client } = opened(
      { url: server.url, auth: { type: 'basic', username: 'foo', password: 'bar' }, headers: { 'Accept-Language': 'en-US' } },
      httpConnection,
    );
    await client().http.request({ method: 'GET', path: '/x', headers: { 'X-Extra': '1' } });
    expect(server.seen[0]?.headers).toMatchObject({ authorization: 'Basic Zm9vOmJhcg==', 'accept-language': 'en-US', 'x-extra': '1' });
  });
});

describe('close', () => {
  it('never throws, is idempotent, and refuses requests afterwards without sending them', async () => {
    const server = await serve((_req, res) => json(res, 200, {}));
    const { runtime, client } = opened({ url: server.url });
    await client().http.request({ method: 'GET', path: '/x' });
    await runtime.close();
    await runtime.close();
    expect((await failureOf(() => client().http.request({ method: 'GET', path: '/x' }))).code).toBe('CANCELLED');
    expect(server.seen).toHaveLength(1);
  });
});

/** A port nothing listens on: bind one, then release it. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
