// Answers held back to model server latency: each is sent no sooner than its time, all of them from one
// timer, earliest first. A timer per held answer would count from the event loop's clock, which lags behind
// when the loop is busy, so under load answers would go out early; it would also need a promise and an abort
// listener per answer.

import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

interface Held {
  /** `performance.now()` from which the answer may go. */
  until: number;
  send: () => void;
}

export class HeldAnswers {
  /** Held answers in the order they are due: `until` ascending from `#head` on. */
  #queue: Held[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;
  #armedFor = Infinity;
  #released = false;

  /**
   * Makes `res.end(...)` wait until `until` (on the `performance.now()` clock) before it sends; at once
   * when that time has passed, or once `releaseAll` has been called. `canSend` is asked again when the
   * time comes (the client may have gone).
   */
  hold(res: ServerResponse, until: number, canSend: (res: ServerResponse) => boolean): void {
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      if (this.#released || until <= performance.now()) return end(...args);
      this.#insert({
        until,
        send: () => {
          if (canSend(res)) end(...args);
        },
      });
      return res;
    }) as ServerResponse['end'];
  }

  /** Sends every held answer now, and every answer held from now on at once (the simulator is closing). */
  releaseAll(): void {
    this.#released = true;
    this.#disarm();
    const due = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    for (const held of due) held.send();
  }

  /** How many answers are waiting. */
  get size(): number {
    return this.#queue.length - this.#head;
  }

  #insert(held: Held): void {
    const queue = this.#queue;
    // A fixed latency makes every answer due after those already held: the common case is a push. A
    // latency drawn from a range puts it in its place.
    let at = queue.length;
    while (at > this.#head && (queue[at - 1] as Held).until > held.until) at -= 1;
    if (at === queue.length) queue.push(held);
    else queue.splice(at, 0, held);
    this.#arm();
  }

  /**
   * Sends the answers that are due now. The simulator calls it as each request arrives: answers that fall
   * due while it reads a burst of requests then go out between them, as a server with a thread per
   * request would send them, instead of all together once the burst is read (which, under load, made
   * answers twice as late as when idle).
   */
  releaseDue(now: number = performance.now()): void {
    if (this.#head < this.#queue.length && (this.#queue[this.#head] as Held).until <= now) this.#sendDue(now);
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    this.#sendDue(performance.now());
  }

  #sendDue(now: number): void {
    const queue = this.#queue;
    let head = this.#head;
    while (head < queue.length && (queue[head] as Held).until <= now) {
      const held = queue[head] as Held;
      queue[head] = undefined as unknown as Held;
      head += 1;
      this.#head = head;
      held.send();
    }
    if (head === queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (head > 1024 && head * 2 > queue.length) {
      this.#queue = queue.slice(head);
      this.#head = 0;
    }
    this.#arm();
  }

  /** A timer for the earliest held answer, unless one is set for it already. */
  #arm(): void {
    if (this.#head === this.#queue.length) return;
    const first = (this.#queue[this.#head] as Held).until;
    if (this.#timer !== undefined && this.#armedFor <= first) return;
    this.#disarm();
    this.#armedFor = first;
    // The event loop's clock can be a little behind performance.now(), so the timer may fire just short
    // of `first`: #onTimer then sends nothing early and arms again for what is left.
    this.#timer = setTimeout(() => this.#onTimer(), Math.max(1, Math.ceil(first - performance.now())));
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Infinity;
  }
}
