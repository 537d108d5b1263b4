// The simulator's latency: answers held until their time, from one timer, over real HTTP.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { canAnswer } from '../../src/sim/routing.js';
import { HeldAnswers } from '../../src/sim/held-answers.js';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Keeps the thread busy for `ms`: the event loop's clock then lags behind performance.now(). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

interface Sent {
  until: number;
  at: number;
}

/** A server whose every answer is held `holdMs(n)` after the n-th request's arrival; records when each went. */
async function serve(held: HeldAnswers, holdMs: (n: number) => number, sent: Sent[]): Promise<string> {
  let n = 0;
  server = createServer((_req, res) => {
    // Busy first, as a server handling a burst is: a timer set now would count from a stale clock.
    busy(3);
    const until = performance.now() + holdMs(n++);
    res.on('finish', () => sent.push({ until, at: performance.now() }));
    held.hold(res, until, canAnswer);
    res.end('ok');
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

async function get(url: string): Promise<string> {
  const res = await request(url);
  return res.body.text();
}

describe('HeldAnswers', () => {
  it('never sends an answer before its time, even when the event loop clock lags', async () => {
    const held = new HeldAnswers();
    const sent: Sent[] = [];
    const url = await serve(held, () => 6, sent);
    expect(await Promise.all(Array.from({ length: 30 }, () => get(url)))).toEqual(Array.from({ length: 30 }, () => 'ok'));
    expect(sent).toHaveLength(30);
    for (const s of sent) expect(s.at).toBeGreaterThanOrEqual(s.until);
    expect(held.size).toBe(0);
  });

  it('sends answers held for different times in the order they are due', async () => {
    const held = new HeldAnswers();
    const sent: Sent[] = [];
    // Later requests are due sooner: 40 ms, 35 ms, ... 5 ms.
    const url = await serve(held, (n) => 40 - 5 * n, sent);
    await Promise.all(Array.from({ length: 8 }, () => get(url)));
    expect(sent).toHaveLength(8);
    for (const s of sent) expect(s.at).toBeGreaterThanOrEqual(s.until);
    const dueOrder = [...sent].sort((a, b) => a.until - b.until);
    expect(sent).toEqual(dueOrder);
  });

  it('releaseDue sends at once what is due, and only that, without waiting for its timer', async () => {
    const held = new HeldAnswers();
    const seen: Array<{ heldAtFirst: boolean; sentByReleaseDue: boolean }> = [];
    const sent: Sent[] = [];
    let n = 0;
    server = createServer((_req, res) => {
      // The first answer falls due during the busy wait; the second not for another 50 ms.
      const until = performance.now() + (n++ === 0 ? 1 : 50);
      res.on('finish', () => sent.push({ until, at: performance.now() }));
      held.hold(res, until, canAnswer);
      res.end('ok');
      const heldAtFirst = !res.writableEnded;
      busy(3);
      held.releaseDue();
      // Checked before returning to the event loop: no timer can have sent it.
      seen.push({ heldAtFirst, sentByReleaseDue: res.writableEnded });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect(await get(url)).toBe('ok');
    expect(await get(url)).toBe('ok');
    expect(seen).toEqual([
      { heldAtFirst: true, sentByReleaseDue: true },
      { heldAtFirst: true, sentByReleaseDue: false },
    ]);
    for (const s of sent) expect(s.at).toBeGreaterThanOrEqual(s.until);
  });

  it('sends what it holds at once on releaseAll, and holds nothing afterwards', async () => {
    const held = new HeldAnswers();
    const sent: Sent[] = [];
    const url = await serve(held, () => 60_000, sent);
    const answers = Promise.all([get(url), get(url)]);
    while (held.size < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    held.releaseAll();
    expect(await answers).toEqual(['ok', 'ok']);
    expect(held.size).toBe(0);
    const t0 = performance.now();
    expect(await get(url)).toBe('ok');
    expect(performance.now() - t0).toBeLessThan(30_000);
  });
});
