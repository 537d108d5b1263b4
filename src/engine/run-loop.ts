// The concurrency loop of a step: its items in order, at most `width` at once, in rollout batches, each
// batch started only while the step may go on. Once the run is stopped or the step's failure budget is
// spent, the items not yet started are still given to `item`, with why they may not start, so that every
// one of them is accounted for; the items in flight finish either way.

import { setTimeout as delay } from 'node:timers/promises';
import type { FailureBudget } from './failure-budget.js';

/** Why an item may not start: the run was stopped, or the step's failure budget is spent. */
export type Hold = 'stopped' | 'budget';

export interface LoopOptions {
  /** Items 0 to count - 1. */
  count: number;
  /** At most this many items at once (the step's cap, never above the run's). */
  width: number;
  /** Where each rollout batch ends (cumulative; see rollout.ts). One batch of every item by default. */
  batches?: readonly number[];
  /** The pause between two batches; skipped once the step may not go on, cut short by `stop`. */
  pauseBetweenMs?: number;
  onPause?(batch: number, pauseMs: number): void;
  /** Once aborted, no item starts. */
  stop: AbortSignal;
  /** Counts the failed items; once it is spent, no item starts. */
  budget: FailureBudget;
  /**
   * Runs item `index`, or, when `hold` is set, accounts for it without running it. Resolves to true when
   * the item failed. An item that throws (its outcome could not be recorded) stops the loop: no item starts
   * after it, the ones in flight finish, and the loop rejects with that error.
   */
  item(index: number, hold: Hold | undefined): Promise<boolean>;
}

export async function runLoop(options: LoopOptions): Promise<void> {
  const { stop, budget } = options;
  const batches = options.batches ?? [options.count];
  const pause = options.pauseBetweenMs ?? 0;
  let start = 0;
  for (const [n, end] of batches.entries()) {
    if (n > 0 && pause > 0 && !budget.broken && !stop.aborted) {
      options.onPause?.(n + 1, pause);
      await delay(pause, undefined, { signal: stop }).catch(() => undefined);
    }
    await forEachConcurrently(start, end, options);
    start = end;
  }
}

/**
 * Gives every index in [from, to) to `item`, in order, at most `width` at once. A few workers rather
 * than a promise per item: a step of 100,000 operations queues nothing.
 */
async function forEachConcurrently(from: number, to: number, options: LoopOptions): Promise<void> {
  const { stop, budget } = options;
  let next = from;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (next < to && failure === undefined) {
      const index = next;
      next += 1;
      const hold: Hold | undefined = stop.aborted ? 'stopped' : budget.broken ? 'budget' : undefined;
      try {
        if (await options.item(index, hold)) budget.recordFailure();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  const width = Math.max(0, Math.min(options.width, to - from));
  await Promise.all(Array.from({ length: width }, worker));
  if (failure !== undefined) throw failure.error;
}
