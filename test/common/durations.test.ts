import { describe, expect, it } from 'vitest';
import { formatDuration, MAX_DURATION_MS, parseDuration } from '../../src/common/durations.js';

describe('durations', () => {
  it('parses milliseconds, seconds, minutes, hours and combinations', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1.5s')).toBe(1_500);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('0s')).toBe(0);
  });

  it('refuses anything else', () => {
    for (const text of ['', '30', '30 s', 's', '-1s', '1d', '1.s', 'abc', '30seconds']) expect(parseDuration(text), text).toBeUndefined();
  });

  it('refuses durations longer than Node timers can wait (they would fire after 1 ms)', () => {
    expect(parseDuration('596h31m23s')).toBe(2_147_483_000);
    expect(parseDuration('2147483647ms')).toBe(MAX_DURATION_MS);
    expect(parseDuration('2147483648ms')).toBeUndefined();
    expect(parseDuration('1000h')).toBeUndefined();
    expect(parseDuration(`${'9'.repeat(400)}s`)).toBeUndefined();
  });

  it('formats milliseconds the way people write them, and back', () => {
    const cases: [number, string][] = [
      [0, '0ms'],
      [500, '500ms'],
      [1_500, '1.5s'],
      [30_000, '30s'],
      [120_000, '2m'],
      [90_000, '1m30s'],
      [3_900_000, '1h5m'],
    ];
    for (const [ms, text] of cases) {
      expect(formatDuration(ms)).toBe(text);
      expect(parseDuration(text)).toBe(ms);
    }
  });
});
