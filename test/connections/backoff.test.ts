// Backoff arithmetic: exponential growth, the cap, equal jitter's bounds, and Retry-After parsing.

import { describe, expect, it } from 'vitest';
import { parseRetryAfter, retryDelayMs } from '../../src/connections/backoff.js';

const policy = { attempts: 10, delayMs: 100, maxDelayMs: 1_000 };

describe('retryDelayMs', () => {
  it('doubles from delayMs and stops at maxDelayMs (upper end of the jitter)', () => {
    const top = (attempt: number) => retryDelayMs(policy, attempt, undefined, () => 1);
    expect([1, 2, 3, 4, 5, 6].map(top)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  it('uses equal jitter: never less than half of the exponential delay', () => {
    const bottom = (attempt: number) => retryDelayMs(policy, attempt, undefined, () => 0);
    expect([1, 2, 3, 5].map(bottom)).toEqual([50, 100, 200, 500]);
  });

  it("takes the server's Retry-After as is, capped at maxDelayMs", () => {
    expect(retryDelayMs(policy, 1, 700)).toBe(700);
    expect(retryDelayMs(policy, 1, 3_600_000)).toBe(1_000);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores what it cannot read', () => {
    expect(parseRetryAfter('2')).toBe(2_000);
    expect(parseRetryAfter('Tue, 17 Jan 2023 09:14:07 GMT', Date.parse('Tue, 17 Jan 2023 09:13:57 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
