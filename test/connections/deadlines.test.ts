// Per-attempt deadlines from one queue per timeout value: an attempt is aborted once its own deadline has
// passed, never after it has ended, and attempts with other timeouts keep theirs.

import { describe, expect, it } from 'vitest';
import { Deadlines } from '../../src/connections/deadlines.js';
import { Attempt } from '../../src/connections/exchange.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Deadlines', () => {
  it('aborts the attempts still running when their deadline passes, and only those', async () => {
    const deadlines = new Deadlines();
    const [done, running, later] = [new Attempt(), new Attempt(), new Attempt()];
    deadlines.start(done, 40);
    deadlines.start(running, 40);
    deadlines.start(later, 2_000);
    done.end();
    await sleep(120);
    expect(done.aborted).toBe(false);
    expect(running.aborted).toBe(true);
    expect(running.timedOut).toBe(true);
    expect(String(running.reason)).toMatch(/deadline/);
    expect(later.aborted).toBe(false);
    later.end();
  });

  it('gives each attempt its own deadline, counted from when it started', async () => {
    const deadlines = new Deadlines();
    const first = new Attempt();
    deadlines.start(first, 300);
    await sleep(150);
    const second = new Attempt();
    deadlines.start(second, 300);
    // At about 375 ms: the first is past its deadline (300), the second is not (450).
    await sleep(225);
    expect(first.timedOut).toBe(true);
    expect(second.aborted).toBe(false);
    await sleep(250);
    expect(second.timedOut).toBe(true);
  });

  it('keeps working after its queue has emptied, and when attempts end out of order', async () => {
    const deadlines = new Deadlines();
    const a = new Attempt();
    deadlines.start(a, 30);
    a.end();
    const attempts = Array.from({ length: 50 }, () => new Attempt());
    for (const x of attempts) deadlines.start(x, 40);
    attempts.forEach((x, i) => i % 2 === 1 && x.end()); // every other one ends early
    await sleep(110);
    expect(attempts.map((x) => x.aborted)).toEqual(attempts.map((_, i) => i % 2 === 0));
    expect(a.aborted).toBe(false);
  });
});
