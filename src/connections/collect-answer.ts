// One request through undici's dispatcher API: send it, collect the whole answer up to a size limit, and
// give it up as soon as its deadline passes or the operation's signal aborts. The deadline is a plain
// timer cleared when the answer settles, so that an attempt leaves nothing behind once it has ended.

import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { RunbookError } from '../errors.js';
import type { StopSignal } from './stop-signal.js';

/** A whole answer: status, headers as undici parsed them (lower-case names), and the body bytes. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: Buffer;
}

/** What a request may take: its body bytes, and its time from now to the last body byte. */
export interface AnswerLimits {
  maxBytes: number;
  /** No deadline when undefined. */
  timeoutMs?: number;
}

/** The rejection of a request whose deadline passed before its whole answer was in. */
export class DeadlinePassed extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no whole answer within ${timeoutMs} ms`);
  }
}

const NO_BYTES = Buffer.alloc(0);

/**
 * Dispatches `options` and resolves with the whole answer. Rejects with undici's error when the request
 * fails, with BAD_RESPONSE past `limits.maxBytes` body bytes, with DeadlinePassed at `limits.timeoutMs`,
 * and with the signal's reason as soon as it aborts (even while the request still waits for a free
 * connection).
 */
export function collectAnswer(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: StopSignal,
  limits: AnswerLimits,
): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    dispatcher.dispatch(options, new AnswerCollector(resolve, reject, signal, limits));
  });
}

/**
 * Undici's handler of one request: it collects the answer, and listens to the signal and keeps the
 * deadline's timer until it settles. The timer does not keep the process alive: the request in flight does.
 */
class AnswerCollector implements Dispatcher.DispatchHandler {
  readonly #resolve: (answer: Answer) => void;
  readonly #reject: (reason: unknown) => void;
  readonly #signal: StopSignal;
  readonly #limit: number;
  readonly #onAbort = (): void => this.#abort(this.#signal.reason);
  readonly #deadline: NodeJS.Timeout | undefined;
  #controller: Dispatcher.DispatchController | undefined = undefined;
  #settled = false;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(resolve: (answer: Answer) => void, reject: (reason: unknown) => void, signal: StopSignal, limits: AnswerLimits) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#signal = signal;
    this.#limit = limits.maxBytes;
    signal.addEventListener('abort', this.#onAbort, { once: true });
    const { timeoutMs } = limits;
    if (timeoutMs !== undefined) this.#deadline = setTimeout(() => this.#abort(new DeadlinePassed(timeoutMs)), timeoutMs).unref();
  }

  /** Rejects now, and stops the request (or, when it has not started yet, as soon as it starts). */
  #abort(reason: unknown): void {
    this.#fail(reason);
    this.#controller?.abort(asError(reason));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    // Called again if undici retries the request on a fresh connection: the latest controller is the live one.
    this.#controller = controller;
    if (this.#settled) controller.abort(asError(this.#signal.reason ?? new Error('request ended')));
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
    this.#settle();
    const chunks = this.#chunks;
    const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : chunks.length === 0 ? NO_BYTES : Buffer.concat(chunks, this.#size);
    this.#resolve({ status: this.#status, headers: this.#headers, bytes });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#fail(error);
  }

  #fail(reason: unknown): void {
    if (this.#settled) return;
    this.#settle();
    this.#chunks = [];
    this.#reject(reason);
  }

  #settle(): void {
    this.#settled = true;
    clearTimeout(this.#deadline);
    this.#signal.removeEventListener('abort', this.#onAbort);
  }
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
