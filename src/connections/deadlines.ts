// Per-attempt deadlines without a timer per request. Attempts with the same timeout expire in the order
// they started, so one queue per timeout value and one timer for its oldest live attempt are enough: a
// request adds itself to the end of its queue and marks itself done when it ends. A timer (and its
// closure) per request cost about a tenth of the engine's CPU per request with a hundred in flight.

import type { Attempt } from './exchange.js';

/** The error an attempt is aborted with when its deadline passes. */
const DEADLINE_PASSED = 'attempt deadline';

interface Entry {
  /** Undefined once the attempt has ended: an ended attempt is not kept alive by its place in the queue. */
  attempt: Attempt | undefined;
  /** performance.now() at which the attempt is aborted. */
  at: number;
}

/** What a slot behind the head holds. */
const EMPTY: Entry = { attempt: undefined, at: 0 };

class DeadlineQueue implements DeadlineTracker {
  readonly #timeoutMs: number;
  #entries: Entry[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Infinity;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  add(attempt: Attempt): void {
    const at = performance.now() + this.#timeoutMs;
    const entry: Entry = { attempt, at };
    this.#entries.push(entry);
    attempt.deadlines = this;
    attempt.deadlineEntry = entry;
    if (this.#timer === undefined) this.#arm(at);
  }

  /**
   * `attempt` has ended: its entry lets go of it, and the ended attempts at the front are dropped, so that
   * the queue holds only those in flight.
   */
  settle(attempt: Attempt): void {
    const entry = attempt.deadlineEntry as Entry | undefined;
    if (entry) entry.attempt = undefined;
    attempt.deadlineEntry = undefined;
    const entries = this.#entries;
    let head = this.#head;
    // Slots behind the head are cleared: their entries must not be kept until the next compaction.
    while (head < entries.length && (entries[head] as Entry).attempt === undefined) entries[head++] = EMPTY;
    if (head === entries.length) {
      this.#entries = [];
      this.#head = 0;
      this.#disarm();
      return;
    }
    this.#head = head;
    if (head > 1024 && head * 2 > entries.length) {
      this.#entries = entries.slice(head);
      this.#head = 0;
    }
  }

  #expire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = performance.now();
    const entries = this.#entries;
    let head = this.#head;
    for (; head < entries.length; head += 1) {
      const entry = entries[head] as Entry;
      const attempt = entry.attempt;
      if (attempt !== undefined) {
        if (entry.at > now) break;
        attempt.timedOut = true;
        attempt.abort(new Error(DEADLINE_PASSED));
      }
      entries[head] = EMPTY;
    }
    this.#head = head;
    if (head === entries.length) {
      this.#entries = [];
      this.#head = 0;
    } else {
      this.#arm((entries[head] as Entry).at);
    }
  }

  #arm(at: number): void {
    if (this.#timer !== undefined && this.#armedFor <= at) return;
    this.#disarm();
    this.#armedFor = at;
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, Math.ceil(at - performance.now())));
    // The requests in flight keep the process alive; the timer alone must not.
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Infinity;
  }
}

/** The deadlines of one connection's attempts, a queue per timeout value. */
export class Deadlines {
  readonly #queues = new Map<number, DeadlineQueue>();

  /** Aborts `attempt` (with `timedOut` set) if it has not ended `timeoutMs` from now. */
  start(attempt: Attempt, timeoutMs: number): void {
    let queue = this.#queues.get(timeoutMs);
    if (!queue) {
      queue = new DeadlineQueue(timeoutMs);
      this.#queues.set(timeoutMs, queue);
    }
    queue.add(attempt);
  }
}

/** What an attempt needs to tell its queue that it has ended. */
export interface DeadlineTracker {
  settle(attempt: Attempt): void;
}
