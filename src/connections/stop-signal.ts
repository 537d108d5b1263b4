// What the requests of an operation listen to, to give up once the operation is stopped (at its deadline,
// or when the run is aborted): the members of an AbortSignal they use, so that an AbortSignal is one too.

export interface StopSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  /** `listener` is called once, when it aborts; not when it already has. */
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A platform AbortSignal that follows `signal`: `signal` itself when it is one (for Node's own APIs). */
export function abortSignalOf(signal: StopSignal): AbortSignal {
  if (signal instanceof AbortSignal) return signal;
  const controller = new AbortController();
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  return controller.signal;
}
