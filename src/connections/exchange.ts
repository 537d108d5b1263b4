// One HTTP exchange through undici's dispatcher API: send the request, collect the whole answer up to a
// size limit, and let the attempt abort it at any moment. The dispatcher API rather than `request()`: no
// Readable stream per answer, no promise per read and no abort listener per request; heap sampling put those
// at a fifth of what the engine allocated per request.

import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { RunbookError } from '../errors.js';
import type { DeadlineTracker } from './deadlines.js';

/**
 * What aborts one attempt: its deadline or the run's cancellation. Whoever waits on the attempt sets
 * `onAbort` (one waiter at a time: authorization, then the exchange), which is called once.
 */
export class Attempt {
  aborted = false;
  reason: unknown = undefined;
  onAbort: (() => void) | undefined = undefined;
  /** Set when the attempt's deadline passed (before it is aborted). */
  timedOut = false;
  /** The deadline queue the attempt is in, told when it ends, and the attempt's place in it. */
  deadlines: DeadlineTracker | undefined = undefined;
  deadlineEntry: unknown = undefined;

  /** The attempt is over: its deadline no longer applies. */
  end(): void {
    this.onAbort = undefined;
    this.deadlines?.settle(this);
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const hook = this.onAbort;
    this.onAbort = undefined;
    hook?.();
  }
}

/** A whole answer: status, headers as undici parsed them (lower-case names), and the body bytes. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: Buffer;
}

const NO_BYTES = Buffer.alloc(0);

/**
 * Dispatches `options` and resolves with the whole answer. Rejects with undici's error when the exchange
 * fails, with BAD_RESPONSE past `limit` body bytes, and with the attempt's reason as soon as it is aborted
 * (even while the request still waits for a free connection).
 */
export function exchange(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, attempt: Attempt, limit: number): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    if (attempt.aborted) {
      reject(attempt.reason);
      return;
    }
    const handler = new ExchangeHandler(resolve, reject, attempt, limit);
    attempt.onAbort = () => handler.abort(attempt.reason);
    dispatcher.dispatch(options, handler);
  });
}

class ExchangeHandler implements Dispatcher.DispatchHandler {
  readonly #resolve: (answer: Answer) => void;
  readonly #reject: (reason: unknown) => void;
  readonly #attempt: Attempt;
  readonly #limit: number;
  #controller: Dispatcher.DispatchController | undefined = undefined;
  #settled = false;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(resolve: (answer: Answer) => void, reject: (reason: unknown) => void, attempt: Attempt, limit: number) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#attempt = attempt;
    this.#limit = limit;
  }

  /** Rejects now, and stops the exchange (or, when it has not started yet, as soon as it starts). */
  abort(reason: unknown): void {
    this.#fail(reason);
    this.#controller?.abort(asError(reason));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Called again if undici retries the request on a fresh connection: the latest controller is the live one.
    this.#controller = controller;
    if (this.#settled) controller.abort(asError(this.#attempt.reason ?? new Error('attempt ended')));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // Called once per 1xx informational answer too: the last call is the real answer.
    this.#status = statusCode;
    this.#headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    this.#size += chunk.length;
    if (this.#size > this.#limit) {
      const tooLarge = new RunbookError('BAD_RESPONSE', `the server answered with a body larger than ${this.#limit} bytes; refused`, {
        details: { limit: this.#limit },
      });
      this.#fail(tooLarge);
      controller.abort(tooLarge);
      return;
    }
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#attempt.onAbort = undefined;
    const chunks = this.#chunks;
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : chunks.length === 0 ? NO_BYTES : Buffer.concat(chunks, this.#size);
    this.#resolve({ status: this.#status, headers: this.#headers, bytes });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#fail(error);
  }

  #fail(reason: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#attempt.onAbort = undefined;
    this.#chunks = [];
    this.#reject(reason);
  }
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
