// The engine's deadline on every operation, whatever its action does: at the deadline, or when the run is
// aborted, the operation's stop is aborted and its promise rejects, so the operation ends even if its
// action never settles.
//
// Each operation has its own timer, cleared when it ends. It is a plain `setTimeout` because it must keep
// the process alive: an operation that nothing else keeps alive must still reach its deadline rather than
// let the process exit half-way (`AbortSignal.timeout` does not keep the process alive). The run's signal
// has one listener, which stops the operations in flight; `AbortSignal.any` over the run's signal would
// leave every operation registered with it until the run ends.

import type { StopSignal } from '../connections/stop-signal.js';

/**
 * The stop of one operation: what its requests listen to, with the members of an AbortSignal they use.
 * It is not an AbortSignal: on Node 20 creating one costs some microseconds and every one survives a
 * young-generation collection, which a run pays once per operation. `signal` makes the AbortSignal an
 * action asks for (`RunContext.signal`, `sleep`) on first use, aborted with it.
 */
export class OperationStop implements StopSignal {
  #aborted = false;
  #reason: unknown = undefined;
  #listeners: (() => void)[] = [];
  #controller: AbortController | undefined = undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    if (!this.#aborted) this.#listeners.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    const at = this.#listeners.indexOf(listener);
    if (at >= 0) this.#listeners.splice(at, 1);
  }

  /** Aborts it with `reason`: each listener is called once. Later calls do nothing. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
    this.#controller?.abort(reason);
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }
}

/** An operation in flight: how to stop it, and its deadline's timer. */
interface InFlight {
  stop(reason: unknown): void;
  timer: NodeJS.Timeout;
}

/** The deadlines of one run's operations. */
export class OperationDeadlines {
  /**
   * The operations in flight, each in a slot that is emptied and reused when it ends. Not a Map: a Map
   * that gains and loses an entry for every operation kept finished operations reachable to V8's
   * young-generation collector, which then promoted them to the old generation instead of letting them
   * die young.
   */
  readonly #inFlight: (InFlight | undefined)[] = [];
  readonly #freeSlots: number[] = [];
  readonly #abort: AbortSignal;
  readonly #timedOut: (timeoutMs: number, what: string) => unknown;
  readonly #onAbort = (): void => {
    for (const entry of [...this.#inFlight]) entry?.stop(this.#abort.reason);
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

  /**
   * Runs an operation that starts now and must end within `timeoutMs`. `work` gets the operation's stop;
   * the result settles as what `work` returns does, or rejects at the deadline or when the run is aborted
   * (the signal is aborted then too), even if that never settles. Its deadline no longer applies once it
   * has settled.
   */
  run<T>(timeoutMs: number, what: string, work: (stop: OperationStop) => T | PromiseLike<T>): Promise<T> {
    const operation = new OperationStop();
    return new Promise<T>((resolve, reject) => {
      let slot = -1;
      const end = (): void => {
        if (slot < 0) return;
        clearTimeout(this.#inFlight[slot]?.timer);
        this.#inFlight[slot] = undefined;
        this.#freeSlots.push(slot);
        slot = -1;
      };
      // The rejection first, so that the operation settles on it rather than on what the aborted work throws.
      const stop = (reason: unknown): void => {
        end();
        reject(reason);
        operation.abort(reason);
      };
      if (this.#abort.aborted) stop(this.#abort.reason);
      else {
        slot = this.#freeSlots.pop() ?? this.#inFlight.length;
        this.#inFlight[slot] = { stop, timer: setTimeout(() => stop(this.#timedOut(timeoutMs, what)), timeoutMs) };
      }
      let settles: Promise<T>;
      try {
        settles = Promise.resolve(work(operation));
      } catch (e) {
        settles = Promise.reject(e);
      }
      settles.then(
        (value) => {
          end();
          resolve(value);
        },
        (e: unknown) => {
          end();
          reject(e);
        },
      );
    });
  }

  /** The run is over: no timer and no listener of the run's signal is left. */
  dispose(): void {
    this.#abort.removeEventListener('abort', this.#onAbort);
    for (const entry of this.#inFlight) clearTimeout(entry?.timer);
    this.#inFlight.length = 0;
    this.#freeSlots.length = 0;
  }
}
