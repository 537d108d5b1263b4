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

/** A place in a queue: it lets go of its operation once that has ended. */
interface Slot {
  guard: Guard | undefined;
  /** performance.now() at which the operation is stopped. */
  at: number;
}

const ignore = (): void => undefined;

class Guard implements OperationGuard {
  readonly #controller = new AbortController();
  readonly signal = this.#controller.signal;
  readonly stopped: Promise<never>;
  #reject!: (reason: unknown) => void;
  /** Undefined once the operation has ended or was stopped. */
  slot: Slot | undefined;
  queue: DeadlineQueue | undefined;

  constructor(
    /** What the operation is, for the error it is stopped with at its deadline. */
    readonly what: string,
  ) {
    this.stopped = new Promise<never>((_, reject) => {
      this.#reject = reject;
    });
    // A guard nobody is racing any more must not become an unhandled rejection.
    this.stopped.catch(ignore);
  }

  /** The rejection first, so that a race settles on it rather than on what the aborted action throws. */
  stop(reason: unknown): void {
    if (this.slot) this.slot.guard = undefined;
    this.slot = undefined;
    this.#reject(reason);
    this.#controller.abort(reason);
  }
}

class DeadlineQueue {
  /** Slots behind the head are cleared: an ended operation is not kept by its place in the queue. */
  #slots: (Slot | undefined)[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly timeoutMs: number,
    readonly timedOut: (timeoutMs: number, what: string) => unknown,
  ) {}

  add(guard: Guard): void {
    const slot: Slot = { guard, at: performance.now() + this.timeoutMs };
    guard.slot = slot;
    guard.queue = this;
    this.#slots.push(slot);
    if (this.#timer === undefined) this.#arm(slot.at);
  }

  settle(guard: Guard): void {
    guard.slot!.guard = undefined;
    guard.slot = undefined;
    this.#dropEnded();
  }

  /** Stops every live operation with `reason` (the run was aborted). */
  stopAll(reason: unknown): void {
    const slots = this.#slots;
    this.dispose();
    for (const slot of slots) slot?.guard?.stop(reason);
  }

  /** Lets go of every operation and of the timer. */
  dispose(): void {
    this.#slots = [];
    this.#head = 0;
    this.#disarm();
  }

  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    const slots = this.#slots;
    for (let i = this.#head; i < slots.length; i += 1) {
      const slot = slots[i]!;
      const guard = slot.guard;
      if (guard === undefined) continue;
      if (slot.at > now) break;
      guard.stop(this.timedOut(this.timeoutMs, guard.what));
    }
    this.#dropEnded();
  }

  /** Drops the ended operations at the front, and arms the timer for the oldest live one. */
  #dropEnded(): void {
    const slots = this.#slots;
    let head = this.#head;
    while (head < slots.length && slots[head]!.guard === undefined) slots[head++] = undefined;
    if (head === slots.length) {
      this.dispose();
      return;
    }
    this.#head = head;
    if (head > 1024 && head * 2 > slots.length) {
      this.#slots = slots.slice(head);
      this.#head = 0;
    }
    if (this.#timer === undefined) this.#arm(slots[head]!.at);
  }

  #arm(at: number): void {
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, Math.ceil(at - performance.now())));
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
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
    const guard = new Guard(what);
    if (this.#abort.aborted) {
      guard.stop(this.#abort.reason);
      return guard;
    }
    let queue = this.#queues.get(timeoutMs);
    if (!queue) {
      queue = new DeadlineQueue(timeoutMs, this.#timedOut);
      this.#queues.set(timeoutMs, queue);
    }
    queue.add(guard);
    return guard;
  }

  /** The operation has ended: its deadline no longer applies. */
  settle(operation: OperationGuard): void {
    const guard = operation as Guard;
    if (guard.slot !== undefined) guard.queue!.settle(guard);
  }

  /** The run is over: no timer and no listener of the run's signal is left. */
  dispose(): void {
    this.#abort.removeEventListener('abort', this.#onAbort);
    for (const queue of this.#queues.values()) queue.dispose();
    this.#queues.clear();
  }
}
