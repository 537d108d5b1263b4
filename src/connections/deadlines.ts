// Per-attempt deadlines without a timer per request. Attempts with the same timeout expire in the order
// they started, so one queue per timeout value and one timer for its oldest live attempt are enough: a
// request adds itself to the end of its queue and marks itself done when it ends. A timer (and its
// closure) per request was a tenth of what the engine spends per request under a hundred in flight.

import type { Attempt } from './exchange.js';

/** The error an attempt is aborted with when its deadline passes. */
const DEADLINE_PASSED = 'attempt deadline';

interface Entry {
  attempt: Attempt;
  /** performance.now() at which the attempt is aborted. */
  at: number;
}

class DeadlineQueue {
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
    this.#entries.push({ attempt, at });
    if (this.#timer === undefined) this.#arm(at);
  }

  /** Drops the attempts that have ended from the front, so that the queue holds only those in flight. */
  settle(): void {
    const entries = this.#entries;
    let head = this.#head;
    while (head < entries.length && (entries[head] as Entry).attempt.ended) head += 1;
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
      if (entry.attempt.ended) continue;
      if (entry.at > now) break;
      entry.attempt.timedOut = true;
      entry.attempt.abort(new Error(DEADLINE_PASSED));
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
    attempt.deadlines = queue;
    queue.add(attempt);
  }
}

/** What an attempt needs to tell its queue that it has ended. */
export interface DeadlineTracker {
  settle(): void;
}
