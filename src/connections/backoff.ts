// When to send a failed request again: exponential backoff with equal jitter, the server's Retry-After
// (429/503) where it gives one.

import type { RetryPolicy } from '../contracts/connection.js';

/**
 * The wait before try number `attempt + 1`, after try `attempt` (1-based) failed.
 * Exponential `min(maxDelay, delay * 2^(attempt-1))` with *equal jitter*: half of it fixed, the other half
 * uniformly random, so that concurrent operations spread out but never retry at once. A server's
 * Retry-After wins when present, capped at `maxDelayMs`.
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(policy.maxDelayMs, Math.max(0, retryAfterMs));
  const exponential = Math.min(policy.maxDelayMs, policy.delayMs * 2 ** Math.max(0, attempt - 1));
  const half = exponential / 2;
  return Math.round(half + random() * half);
}

/**
 * Parses a Retry-After header: a number of seconds or an HTTP date. Returns milliseconds, or undefined when
 * absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
