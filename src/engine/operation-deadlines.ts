// The engine's deadline on every operation, whatever its action does. An operation races its action's
// promise against its guard: at the deadline, or when the run is aborted, the guard aborts the
// operation's signal and rejects, so the operation ends even if the action never settles.
//
// Operations with the same timeout expire in the order they started, so one queue per timeout value and
// one timer for its oldest live operation are enough. The timer keeps the process alive: an operation
// that nothing else keeps alive must still reach its deadline rather than let the process exit half-way.

/** What an operation is given: its signal, and a promise that rejects when the signal aborts. */
export interface OperationGuard {
  readonly signal: AbortSignal;
  /** Never resolves; rejects with the reason the operation was stopped. */
  readonly stopped: Promise<never>;
}

interface Entry extends OperationGuard {
  controller: AbortController;
  reject: (reason: unknown) => void;
  /** performance.now() at which the operation is stopped. */
  at: number;
  live: boolean;
  queue: DeadlineQueue | undefined;
  /** What the operation is, for the error it is stopped with at its deadline. */
  what: string;
}

const ignore = (): void => undefined;

class DeadlineQueue {
  /** Slots behind the head are cleared: an ended operation is not kept by its place in the queue. */
  #entries: (Entry | undefined)[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly timeoutMs: number,
    readonly timedOut: (timeoutMs: number, what: string) => unknown,
  ) {}

  add(entry: Entry): void {
    this.#entries.push(entry);
    if (this.#timer === undefined) this.#arm(entry.at);
  }

  settle(entry: Entry): void {
    entry.live = false;
    this.#dropEnded();
  }

  /** Stops every live operation with `reason` (the run was aborted). */
  stopAll(reason: unknown): void {
    const entries = this.#entries;
    this.dispose();
    for (const entry of entries) if (entry?.live) stop(entry, reason);
  }

  /** Lets go of every operation and of the timer. */
  dispose(): void {
    this.#entries = [];
    this.#head = 0;
    this.#disarm();
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    const entries = this.#entries;
    for (let i = this.#head; i < entries.length; i += 1) {
      const entry = entries[i]!;
      if (!entry.live) continue;
      if (entry.at > now) break;
      stop(entry, this.timedOut(this.timeoutMs, entry.what));
    }
    this.#dropEnded();
  }

  /** Drops the ended operations at the front, and arms the timer for the oldest live one. */
  #dropEnded(): void {
    const entries = this.#entries;
    let head = this.#head;
    while (head < entries.length && !entries[head]!.live) entries[head++] = undefined;
    if (head === entries.length) {
      this.dispose();
      return;
    }
    this.#head = head;
    if (head > 1024 && head * 2 > entries.length) {
      this.#entries = entries.slice(head);
      this.#head = 0;
    }
    if (this.#timer === undefined) this.#arm(entries[head]!.at);
  }

  #arm(at: number): void {
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, Math.ceil(at - performance.now())));
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** The rejection first, so that a race settles on it rather than on what the aborted action throws. */
function stop(entry: Entry, reason: unknown): void {
  entry.live = false;
  entry.reject(reason);
  entry.controller.abort(reason);
}

/** The deadlines of one run's operations. */
export class OperationDeadlines {
  readonly #queues = new Map<number, DeadlineQueue>();
  readonly #abort: AbortSignal;
  readonly #timedOut: (timeoutMs: number, what: string) => unknown;
  readonly #onAbort = (): void => {
    for (const queue of this.#queues.values()) queue.stopAll(this.#abort.reason);
  };

  /**
   * `abort` is the run's signal: when it aborts, every live operation is stopped with its reason.
   * `timedOut` makes the reason an operation is stopped with at its deadline.
   */
  constructor(abort: AbortSignal, timedOut: (timeoutMs: number, what: string) => unknown) {
    this.#abort = abort;
    this.#timedOut = timedOut;
    abort.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** Guards an operation that starts now and must end within `timeoutMs`. Call `settle` when it ends. */
  start(timeoutMs: number, what: string): OperationGuard {
    const controller = new AbortController();
    let reject!: (reason: unknown) => void;
    const stopped = new Promise<never>((_, r) => {
      reject = r;
    });
    // A guard nobody is racing any more must not become an unhandled rejection.
    stopped.catch(ignore);
    const entry: Entry = { signal: controller.signal, stopped, controller, reject, at: performance.now() + timeoutMs, live: true, queue: undefined, what };
    if (this.#abort.aborted) {
      stop(entry, this.#abort.reason);
      return entry;
    }
    let queue = this.#queues.get(timeoutMs);
    if (!queue) {
      queue = new DeadlineQueue(timeoutMs, this.#timedOut);
      this.#queues.set(timeoutMs, queue);
    }
    entry.queue = queue;
    queue.add(entry);
    return entry;
  }

  /** The operation has ended: its deadline no longer applies. */
  settle(guard: OperationGuard): void {
    const entry = guard as Entry;
    if (entry.live) entry.queue!.settle(entry);
  }

  /** The run is over: no timer and no listener of the run's signal is left. */
  dispose(): void {
    this.#abort.removeEventListener('abort', this.#onAbort);
    for (const queue of this.#queues.values()) queue.dispose();
    this.#queues.clear();
  }
}
