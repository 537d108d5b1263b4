// The engine's operation deadlines: an operation past its deadline is stopped (its signal aborted, its
// promise rejected) whatever it does; one that ended is never stopped; aborting the run stops every one.

import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { OperationDeadlines, OperationStop } from '../../src/engine/operation-deadlines.js';

const timedOut = (ms: number, what: string) => new Error(`${what} after ${ms}`);
const never = new Promise<never>(() => undefined);

/** Runs an operation that never ends by itself; returns its promise and its signal. */
function hung(deadlines: OperationDeadlines, timeoutMs: number, what: string): { ended: Promise<never>; signal: AbortSignal } {
  let signal!: AbortSignal;
  const ended = deadlines.run(timeoutMs, what, (stop) => {
    signal = stop.signal;
    return never;
  });
  return { ended, signal };
}

describe('OperationDeadlines', () => {
  it('stops an operation at its deadline, and never one that has ended', async () => {
    const run = new AbortController();
    const deadlines = new OperationDeadlines(run.signal, timedOut);
    let endedSignal!: AbortSignal;
    const ended = deadlines.run(20, 'ended', (stop) => {
      endedSignal = stop.signal;
      return 'done';
    });
    const late = hung(deadlines, 20, 'late');
    const other = hung(deadlines, 60_000, 'other');
    await expect(ended).resolves.toBe('done');
    await expect(late.ended).rejects.toThrow('late after 20');
    expect(late.signal.aborted).toBe(true);
    expect((late.signal.reason as Error).message).toBe('late after 20');
    // The one that ended before its deadline is left alone; so is one whose deadline is far away.
    const next = hung(deadlines, 20, 'next');
    await expect(next.ended).rejects.toThrow('next after 20');
    expect(endedSignal.aborted).toBe(false);
    expect(other.signal.aborted).toBe(false);
    deadlines.dispose();
  });

  it('settles as the work does: its value, its rejection, or what it throws', async () => {
    const deadlines = new OperationDeadlines(new AbortController().signal, timedOut);
    await expect(deadlines.run(60_000, 'a', async () => 42)).resolves.toBe(42);
    await expect(deadlines.run(60_000, 'b', async () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    await expect(
      deadlines.run(60_000, 'c', () => {
        throw new Error('thrown');
      }),
    ).rejects.toThrow('thrown');
    deadlines.dispose();
  });

  it('stops every operation in flight, and any started later, when the run is aborted', async () => {
    const run = new AbortController();
    const deadlines = new OperationDeadlines(run.signal, timedOut);
    const a = hung(deadlines, 60_000, 'a');
    const b = hung(deadlines, 120_000, 'b');
    const reason = new Error('cancelled');
    run.abort(reason);
    await expect(a.ended).rejects.toBe(reason);
    await expect(b.ended).rejects.toBe(reason);
    const later = hung(deadlines, 60_000, 'later');
    expect(later.signal.aborted).toBe(true);
    await expect(later.ended).rejects.toBe(reason);
    deadlines.dispose();
  });

  it('stops exactly the operations still in flight when the run is aborted, after others ended out of order', async () => {
    const run = new AbortController();
    const deadlines = new OperationDeadlines(run.signal, timedOut);
    const finish = new Map<string, () => void>();
    const stops = new Map<string, OperationStop>();
    const start = (name: string) =>
      deadlines.run(60_000, name, (stop) => {
        stops.set(name, stop);
        return new Promise<string>((resolve) => finish.set(name, () => resolve(name)));
      });
    const a = start('a');
    const b = start('b');
    const c = start('c');
    finish.get('b')!();
    await expect(b).resolves.toBe('b');
    // d and e start after b ended: one takes the place b left, the other a new one.
    const d = start('d');
    const e = start('e');
    finish.get('e')!();
    await expect(e).resolves.toBe('e');
    const reason = new Error('cancelled');
    run.abort(reason);
    await expect(a).rejects.toBe(reason);
    await expect(c).rejects.toBe(reason);
    await expect(d).rejects.toBe(reason);
    expect(['a', 'b', 'c', 'd', 'e'].map((name) => stops.get(name)!.aborted)).toEqual([true, false, true, true, false]);
    deadlines.dispose();
  });

  it('keeps stopping an operation that took the place of one whose work settled after its deadline', async () => {
    const run = new AbortController();
    const deadlines = new OperationDeadlines(run.signal, timedOut);
    let settleLate!: () => void;
    const late = deadlines.run(10, 'late', () => new Promise<void>((resolve) => (settleLate = resolve)));
    await expect(late).rejects.toThrow('late after 10');
    const next = hung(deadlines, 5_000, 'next');
    // The late work settles now, after `next` took its place: `next` must still be stopped with the run.
    settleLate();
    await new Promise((resolve) => setImmediate(resolve));
    const reason = new Error('cancelled');
    run.abort(reason);
    await expect(next.ended).rejects.toBe(reason);
    expect(next.signal.aborted).toBe(true);
    deadlines.dispose();
  });

  it('keeps no timer and no listener for the operations that have ended', async () => {
    const run = new AbortController();
    const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const deadlines = new OperationDeadlines(run.signal, timedOut);
    const finish: (() => void)[] = [];
    const signals: AbortSignal[] = [];
    const operations = Array.from({ length: 1_000 }, (_, i) =>
      deadlines.run(60_000, `op ${i}`, (stop) => {
        signals.push(stop.signal);
        return new Promise<void>((resolve) => finish.push(resolve));
      }),
    );
    expect(timers()).toBe(before + 1_000);
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(1);
    for (const done of finish) done();
    await Promise.all(operations);
    expect(timers()).toBe(before);
    expect(signals.some((s) => getEventListeners(s, 'abort').length > 0)).toBe(false);
    deadlines.dispose();
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  });
});

describe('OperationStop', () => {
  it('calls each listener once when aborted, none removed or added after, and makes its AbortSignal aborted with it', () => {
    const stop = new OperationStop();
    const calls: string[] = [];
    const removed = () => calls.push('removed');
    stop.addEventListener('abort', () => calls.push('a'));
    stop.addEventListener('abort', removed);
    stop.removeEventListener('abort', removed);
    const before = stop.signal;
    expect(before.aborted).toBe(false);
    const reason = new Error('deadline');
    stop.abort(reason);
    stop.abort(new Error('again'));
    stop.addEventListener('abort', () => calls.push('late'));
    expect(calls).toEqual(['a']);
    expect([stop.aborted, stop.reason]).toEqual([true, reason]);
    expect([before.aborted, before.reason]).toEqual([true, reason]);
    // Asked for after the abort: made aborted, with the same reason.
    const fresh = new OperationStop();
    fresh.abort(reason);
    expect([fresh.signal.aborted, fresh.signal.reason]).toEqual([true, reason]);
  });
});
