// The concurrency loop of a step, on its own: caps, rollout batches, the failure budget, the stop signal,
// and an outcome that cannot be recorded. Counts work, never time.

import { describe, expect, it } from 'vitest';
import { FailureBudget } from '../../src/engine/failure-budget.js';
import { runLoop, type Hold } from '../../src/engine/run-loop.js';

/** Items that each wait until the test lets them go, recording how many run at once. */
function gatedItems() {
  const started: number[] = [];
  const held: { index: number; hold: Hold | undefined }[] = [];
  const waiting = new Map<number, (failed: boolean) => void>();
  let inFlight = 0;
  let peak = 0;
  const item = (index: number, hold: Hold | undefined): Promise<boolean> => {
    if (hold !== undefined) {
      held.push({ index, hold });
      return Promise.resolve(false);
    }
    started.push(index);
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    return new Promise((resolve) =>
      waiting.set(index, (failed) => {
        inFlight -= 1;
        waiting.delete(index);
        resolve(failed);
      }),
    );
  };
  /** Lets every item in flight end (failed or not), then waits for the loop to start the next ones. */
  const finishAll = async (failed: (index: number) => boolean = () => false): Promise<void> => {
    for (const [index, end] of [...waiting]) end(failed(index));
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { item, started, held, waiting, finishAll, peak: () => peak };
}

const never = new AbortController().signal;

describe('runLoop', () => {
  it('starts the items in order, never more than the width at once, and every one of them', async () => {
    const items = gatedItems();
    const done = runLoop({ count: 10, width: 3, stop: never, budget: new FailureBudget(0), item: items.item });
    await new Promise((resolve) => setImmediate(resolve));
    expect(items.waiting.size).toBe(3);
    while (items.waiting.size > 0) await items.finishAll();
    await done;
    expect(items.started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(items.peak()).toBe(3);
    expect(items.held).toEqual([]);
  });

  it('runs rollout batches one after the other: a batch starts once the one before has ended', async () => {
    const items = gatedItems();
    const done = runLoop({ count: 6, width: 10, batches: [1, 3, 6], stop: never, budget: new FailureBudget(5), item: items.item });
    await new Promise((resolve) => setImmediate(resolve));
    expect([...items.waiting.keys()]).toEqual([0]);
    await items.finishAll();
    expect([...items.waiting.keys()]).toEqual([1, 2]);
    await items.finishAll();
    expect([...items.waiting.keys()]).toEqual([3, 4, 5]);
    await items.finishAll();
    await done;
  });

  it('starts nothing once the budget is spent, lets the items in flight finish, and accounts for the rest', async () => {
    const items = gatedItems();
    const budget = new FailureBudget(0);
    const done = runLoop({ count: 8, width: 3, stop: never, budget, item: items.item });
    await new Promise((resolve) => setImmediate(resolve));
    // One of the three in flight fails: the budget (0) is spent, and the other two still finish.
    items.waiting.get(0)!(true);
    await new Promise((resolve) => setImmediate(resolve));
    expect([...items.waiting.keys()].sort()).toEqual([1, 2]);
    await items.finishAll();
    await done;
    expect(budget.failures).toBe(1);
    expect(items.started).toEqual([0, 1, 2]);
    expect(items.held).toEqual([3, 4, 5, 6, 7].map((index) => ({ index, hold: 'budget' })));
  });

  it('starts nothing once stopped, and skips the pause before the next batch', async () => {
    const items = gatedItems();
    const stop = new AbortController();
    const pauses: number[] = [];
    const done = runLoop({
      count: 5,
      width: 2,
      batches: [2, 5],
      pauseBetweenMs: 3_600_000,
      onPause: (batch) => pauses.push(batch),
      stop: stop.signal,
      budget: new FailureBudget(0),
      item: items.item,
    });
    await new Promise((resolve) => setImmediate(resolve));
    stop.abort();
    await items.finishAll();
    await done;
    expect(items.started).toEqual([0, 1]);
    expect(pauses).toEqual([]);
    expect(items.held).toEqual([2, 3, 4].map((index) => ({ index, hold: 'stopped' })));
  });

  it('a stop while pausing between batches ends the pause: the next batch is accounted for, not started', async () => {
    const items = gatedItems();
    const stop = new AbortController();
    const done = runLoop({
      count: 3,
      width: 1,
      batches: [1, 3],
      pauseBetweenMs: 3_600_000,
      onPause: () => stop.abort(),
      stop: stop.signal,
      budget: new FailureBudget(0),
      item: items.item,
    });
    await new Promise((resolve) => setImmediate(resolve));
    await items.finishAll();
    await done;
    expect(items.started).toEqual([0]);
    expect(items.held.map((h) => h.hold)).toEqual(['stopped', 'stopped']);
  });

  it('stops starting items when the sink cannot take an outcome, as a full disk makes a journal fail', async () => {
    const items = gatedItems();
    const stop = new AbortController();
    // The sink: a journal whose third write fails, which stops the run (as `runbook run` wires it).
    let writes = 0;
    const sink = (): void => {
      writes += 1;
      if (writes === 3) stop.abort(new Error('ENOSPC'));
    };
    const done = runLoop({
      count: 20,
      width: 2,
      stop: stop.signal,
      budget: new FailureBudget(0),
      item: async (index, hold) => {
        const failed = await items.item(index, hold);
        if (hold === undefined) sink();
        return failed;
      },
    });
    while (items.waiting.size > 0 || items.started.length === 0) await items.finishAll();
    await done;
    expect(items.started.length).toBeLessThanOrEqual(4);
    expect(items.started.length + items.held.length).toBe(20);
    expect(items.held.every((h) => h.hold === 'stopped')).toBe(true);
  });

  it('an item that throws stops the loop: nothing starts after it, the ones in flight finish, and the error is thrown', async () => {
    const items = gatedItems();
    const broken = new Error('the journal cannot be written');
    const done = runLoop({
      count: 10,
      width: 3,
      stop: never,
      budget: new FailureBudget(0),
      item: async (index, hold) => {
        if (index === 1) throw broken;
        return items.item(index, hold);
      },
    });
    const settled = done.then(
      () => 'resolved',
      (e: unknown) => e,
    );
    await new Promise((resolve) => setImmediate(resolve));
    // Items 0 and 2 were in flight when item 1 threw: they finish, and nothing else starts.
    expect([...items.waiting.keys()].sort()).toEqual([0, 2]);
    await items.finishAll();
    expect(await settled).toBe(broken);
    expect(items.started).toEqual([0, 2]);
    expect(items.held).toEqual([]);
  });
});
