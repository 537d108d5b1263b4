// One request through undici's dispatcher, against a real HTTP server on loopback: the whole answer, the
// body size cap, and aborting at any moment (before the request has a connection, and while it is in flight).

import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadlinePassed, collectAnswer } from '../../src/connections/collect-answer.js';

let origin: string;
const seen: string[] = [];
const held: ServerResponse[] = [];
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  seen.push(req.url ?? '');
  if (req.url === '/hold') {
    held.push(res);
    return;
  }
  if (req.url === '/big') {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    for (let i = 0; i < 8; i += 1) res.write(Buffer.alloc(16 * 1024, 97));
    res.end();
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'X-Trace': 'abc' });
  res.write('{"parts":');
  setTimeout(() => res.end('[1,2,3]}'), 5);
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const res of held) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('collectAnswer', () => {
  it('collects the whole answer: status, headers with lower-case names, every chunk of the body', async () => {
    const pool = new Pool(origin, { connections: 1 });
    const signal = new AbortController().signal;
    const answer = await collectAnswer(pool, { path: '/json', method: 'GET' }, signal, { maxBytes: 1024 });
    // Once the answer is in, nothing listens to the signal any more.
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    expect(answer.status).toBe(200);
    expect(answer.headers['x-trace']).toBe('abc');
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.bytes.toString('utf8'))).toEqual({ parts: [1, 2, 3] });
    await pool.close();
  });

  it('refuses a body past the limit with BAD_RESPONSE, and the pool still works afterwards', async () => {
    const pool = new Pool(origin, { connections: 1 });
    const signal = new AbortController().signal;
    await expect(collectAnswer(pool, { path: '/big', method: 'GET' }, signal, { maxBytes: 64 * 1024 })).rejects.toMatchObject({
      code: 'BAD_RESPONSE',
    });
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    const answer = await collectAnswer(pool, { path: '/json', method: 'GET' }, new AbortController().signal, { maxBytes: 1024 });
    expect(answer.status).toBe(200);
    await pool.close();
  });

  it('rejects at once when aborted while waiting for a connection, and never sends the request', async () => {
    const pool = new Pool(origin, { connections: 1 });
    const first = new AbortController();
    const holding = collectAnswer(pool, { path: '/hold', method: 'GET' }, first.signal, { maxBytes: 1024 });
    await waitFor(() => seen.includes('/hold'));
    const queued = new AbortController();
    const waiting = collectAnswer(pool, { path: '/queued', method: 'GET' }, queued.signal, { maxBytes: 1024 });
    const reason = new Error('attempt deadline');
    queued.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    // In flight too: the held request is given up at once.
    const cancel = new Error('cancelled');
    first.abort(cancel);
    await expect(holding).rejects.toBe(cancel);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).not.toContain('/queued');
    await pool.destroy();
  });

  it('rejects with DeadlinePassed at its deadline, and leaves no listener on the signal', async () => {
    const pool = new Pool(origin, { connections: 1 });
    const signal = new AbortController().signal;
    const late = collectAnswer(pool, { path: '/hold', method: 'GET' }, signal, { maxBytes: 1024, timeoutMs: 50 });
    await expect(late).rejects.toBeInstanceOf(DeadlinePassed);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    await pool.destroy();
  });

  it("rejects with undici's own error when the server cannot be reached", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 1 });
    await expect(collectAnswer(pool, { path: '/', method: 'GET' }, new AbortController().signal, { maxBytes: 1024 })).rejects.toMatchObject(
      {
        code: 'ECONNREFUSED',
      },
    );
    await pool.destroy();
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(condition()).toBe(true);
}
