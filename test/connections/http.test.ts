// The generic `http` connection type: optional auth, static headers, and credentials kept out of messages.

import { afterEach, describe, expect, it } from 'vitest';
import { httpConnection } from '../../src/connections/http.js';
import { failureOf, json, open, startServer, type TestServer } from './test-server.js';

const servers: TestServer[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function echoServer(): Promise<TestServer> {
  const s = await startServer((req, res) => json(res, 418, { headers: req.headers }));
  servers.push(s);
  return s;
}

describe('http connection', () => {
  it('sends no Authorization header when auth is omitted', async () => {
    const server = await echoServer();
    const o = open({ type: 'http', url: server.url }, httpConnection);
    closers.push(() => o.runtime.close());
    await failureOf(() => o.client().http.request({ method: 'GET', path: '/' }));
    expect(server.seen[0]?.headers.authorization).toBeUndefined();
  });

  it('treats credential-looking static headers as secrets', async () => {
    const server = await echoServer();
    const o = open({ type: 'http', url: server.url, headers: { 'X-Api-Key': 'k-123456789', 'Accept-Language': 'en-US' } }, httpConnection);
    closers.push(() => o.runtime.close());
    const err = await failureOf(() => o.client().http.request({ method: 'GET', path: '/' }));
    expect(server.seen[0]?.headers['x-api-key']).toBe('k-123456789');
    expect(err.code).toBe('HTTP_STATUS');
    expect(`${err.message}${JSON.stringify(err.details)}`).not.toContain('k-123456789');
    expect(`${err.message}${JSON.stringify(err.details)}`).toContain('en-US');
  });

  it('refuses an auth block of an unknown type', () => {
    expect(() => open({ type: 'http', url: 'http://127.0.0.1:1', auth: { type: 'digest' } }, httpConnection)).toThrow(/basic' or 'bearer/);
  });
});
