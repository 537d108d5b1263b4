// The engine's operation deadlines: an operation past its deadline is stopped (its signal aborted, its
// guard rejected) whatever it does; one that ended is never stopped; aborting the run stops every one.

import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { OperationDeadlines } from '../../src/engine/operation-deadlines.js';

const timedOut = (ms: number, what: string) => new Error(`${what} after ${ms}`);

describe('OperationDeadlines', () => {
  it('stops an operation at its deadline, and never one that has ended', async () => {
    const run = new AbortController();
    const deadlines = new OperationDeadlines(run.signal, timedOut);
    const ended = deadlines.start(20, 'ended');
    const late = deadlines.start(20, 'late');
    const other = deadlines.start(60_000, 'other');
    deadlines.settle(ended);
    await expect(late.stopped).rejects.toThrow('late after 20');
    expect(late.signal.aborted).toBe(true);
    expect((late.signal.reason as Error).message).toBe('late after 20');
    // The one that ended before its deadline is left alone; so is one whose deadline is far away.
    const next = deadlines.start(20, 'next');
    await expect(next.stopped).rejects.toThrow('next after 20');
    expect(ended.signal.aborted).toBe(false);
    expect(other.signal.aborted).toBe(false);
    deadlines.settle(other);
    deadlines.dispose();
  });

  it('stops every operation in flight, and any started later, when the run is aborted', async () => {
    const run = new AbortController();
    const deadlines = new OperationDeadlines(run.signal, timedOut);
    const a = deadlines.start(60_000, 'a');
    const b = deadlines.start(120_000, 'b');
    const reason = new Error('cancelled');
    run.abort(reason);
    await expect(a.stopped).rejects.toBe(reason);
    await expect(b.stopped).rejects.toBe(reason);
    const later = deadlines.start(60_000, 'later');
    expect(later.signal.aborted).toBe(true);
    await expect(later.stopped).rejects.toBe(reason);
    deadlines.dispose();
  });

  it('keeps no timer and no listener for the operations that have ended', () => {
    const run = new AbortController();
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const deadlines = new OperationDeadlines(run.signal, timedOut);
    const guards = Array.from({ length: 1_000 }, (_, i) => deadlines.start(60_000, `op ${i}`));
    expect(timers()).toBe(before + 1_000);
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(1);
    for (const guard of guards) deadlines.settle(guard);
    expect(timers()).toBe(before);
    expect(guards.some((g) => getEventListeners(g.signal, 'abort').length > 0)).toBe(false);
    deadlines.dispose();
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  });
});
