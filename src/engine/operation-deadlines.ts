// The engine's deadline on every operation, whatever its action does. An operation races its action's
// promise against its guard: at the deadline, or when the run is aborted, the guard aborts the
// operation's signal and rejects, so the operation ends even if the action never settles.
//
// Each operation has its own timer, cleared when it ends. It is a plain `setTimeout` because it must keep
// the process alive: an operation that nothing else keeps alive must still reach its deadline rather than
// let the process exit half-way (`AbortSignal.timeout` does not keep the process alive). The run's signal
// has one listener, which stops the operations in flight; `AbortSignal.any` over the run's signal would
// leave every operation registered with it until the run ends.

/** What an operation is given: its signal, and a promise that rejects when the signal aborts. */
export interface OperationGuard {
  readonly signal: AbortSignal;
  /** Never resolves; rejects with the reason the operation was stopped. */
  readonly stopped: Promise<never>;
}

/** An operation in flight: its deadline's timer, and how to stop it. */
interface InFlight {
  timer: NodeJS.Timeout;
  stop(reason: unknown): void;
}

const ignore = (): void => undefined;

/** The deadlines of one run's operations. */
export class OperationDeadlines {
  readonly #inFlight = new Map<OperationGuard, InFlight>();
  readonly #abort: AbortSignal;
  readonly #timedOut: (timeoutMs: number, what: string) => unknown;
  readonly #onAbort = (): void => {
    for (const operation of [...this.#inFlight.values()]) operation.stop(this.#abort.reason);
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
    const stopped = new Promise<never>((_, rejectStopped) => {
      reject = rejectStopped;
    });
    // A guard nobody is racing any more must not become an unhandled rejection.
    stopped.catch(ignore);
    const guard: OperationGuard = { signal: controller.signal, stopped };
    // The rejection first, so that a race settles on it rather than on what the aborted action throws.
    const stop = (reason: unknown): void => {
      this.settle(guard);
      reject(reason);
      controller.abort(reason);
    };
    if (this.#abort.aborted) {
      stop(this.#abort.reason);
      return guard;
    }
    const timer = setTimeout(() => stop(this.#timedOut(timeoutMs, what)), timeoutMs);
    this.#inFlight.set(guard, { timer, stop });
    return guard;
  }

  /** The operation has ended: its deadline no longer applies. */
  settle(operation: OperationGuard): void {
    const inFlight = this.#inFlight.get(operation);
    if (inFlight === undefined) return;
    clearTimeout(inFlight.timer);
    this.#inFlight.delete(operation);
  }

  /** The run is over: no timer and no listener of the run's signal is left. */
  dispose(): void {
    this.#abort.removeEventListener('abort', this.#onAbort);
    for (const { timer } of this.#inFlight.values()) clearTimeout(timer);
    this.#inFlight.clear();
  }
}
