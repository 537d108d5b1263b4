// Attempts leave nothing behind once they end: no listener on the operation's signal, and nothing the heap
// keeps (each attempt's deadline included), however many requests an operation or a run sends.

import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, type ConnectionRuntime } from '../../src/connections/transport.js';
import { Redactor } from '../../src/secrets/redactor.js';
import { json, plainConnection, startServer, type TestServer } from './test-server.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let server: TestServer;
let runtime: ConnectionRuntime;
beforeAll(async () => {
  server = await startServer((_req, res) => json(res, 200, { ok: true }));
  runtime = openConnection({
    name: 'target',
    config: { url: server.url },
    definition: plainConnection,
    baseDir: '.',
    log: pino({ level: 'silent' }),
    redactor: new Redactor(),
    maxConnections: 10,
  });
});
afterAll(async () => {
  await runtime.close();
  await server.close();
});

/** The heap in use once everything unreachable is collected (finalizers, which clear timers, included). */
async function heapUsed(): Promise<number> {
  for (let i = 0; i < 3; i += 1) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

describe('attempts that have ended', () => {
  it('leave no listener on the operation signal and nothing on the heap, their deadlines far away', async () => {
    const signals: AbortSignal[] = [];
    /** Operations of two requests each, ten at a time, as a step runs them. */
    const operate = async (count: number): Promise<void> => {
      for (let done = 0; done < count; done += 10) {
        await Promise.all(
          Array.from({ length: 10 }, async () => {
            const operation = new AbortController();
            const http = runtime.client({
              timeoutMs: 600_000,
              retry: { attempts: 1, delayMs: 1, maxDelayMs: 1 },
              signal: operation.signal,
              trace: { attempts: 0, requests: 0 },
            });
            await http.request({ method: 'GET', path: '/list' });
            await http.request({ method: 'POST', path: '/stop', body: {} });
            if (signals.length < 10) signals.push(operation.signal);
          }),
        );
        server.seen.length = 0;
      }
    };
    // The first thousands warm up what is made once (compiled code, the pool's sockets).
    await operate(2_000);
    const before = await heapUsed();
    await operate(3_000);
    const after = await heapUsed();
    for (const signal of signals) expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    // 6,000 attempts: a few hundred bytes kept per attempt would be megabytes here.
    expect(after - before).toBeLessThan(2_000_000);
  }, 60_000);

  it('make no abort controller of their own: the operation signal and one timer per attempt are enough', async () => {
    const operation = new AbortController();
    const http = runtime.client({
      timeoutMs: 600_000,
      retry: { attempts: 1, delayMs: 1, maxDelayMs: 1 },
      signal: operation.signal,
      trace: { attempts: 0, requests: 0 },
    });
    const Platform = globalThis.AbortController;
    let made = 0;
    globalThis.AbortController = class extends Platform {
      constructor() {
        super();
        made += 1;
      }
    };
    try {
      await http.request({ method: 'GET', path: '/list' });
      await http.request({ method: 'POST', path: '/stop', body: {} });
    } finally {
      globalThis.AbortController = Platform;
    }
    expect(made).toBe(0);
    expect(getEventListeners(operation.signal, 'abort')).toHaveLength(0);
  });
});
