// The progress a running step shows: the line itself from fixed counts and times, and what a step writes
// on a terminal (redraws in place) and elsewhere (a line per operation, or periodic lines), driven in-process.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { colourEnabled, painter } from '../../src/cli/colour.js';
import {
  CLEAR_LINE,
  PER_OPERATION_LIMIT,
  PROGRESS_EVERY_MS,
  StepProgress,
  formatProgress,
  formatProgressEnd,
  type ProgressCounts,
} from '../../src/cli/progress.js';
import type { OperationRecord } from '../../src/report/types.js';

const counts = (c: Partial<ProgressCounts>): ProgressCounts => ({
  total: 120,
  done: 0,
  changed: 0,
  unchanged: 0,
  failed: 0,
  skipped: 0,
  inFlight: 0,
  ...c,
});
const ok = (key: string): OperationRecord => ({ key, status: 'changed', attempts: 1, durationMs: 12 });
const failed = (key: string): OperationRecord => ({
  key,
  status: 'failed',
  attempts: 3,
  durationMs: 40,
  error: { code: 'HTTP_STATUS', message: 'OCP answered 503' },
});
const CONTROL = /[\x00-\x09\x0b-\x1f\x7f]/;

describe('formatProgress', () => {
  it('shows done/total, the counts, the operations in flight, the rate and the time left', () => {
    const line = formatProgress(counts({ done: 40, changed: 30, unchanged: 8, failed: 2, inFlight: 8 }), 10_000);
    expect(line).toBe('  [40/120] 30 changed, 8 unchanged, 2 failed, 8 in flight  4.0 op/s  ETA 20 s');
  });

  it('says it does not know the rate nor the time left before the first operation ends', () => {
    expect(formatProgress(counts({ inFlight: 4 }), 500)).toBe('  [0/120] 0 changed, 0 unchanged, 0 failed, 4 in flight  -- op/s  ETA --');
  });

  it('shows skipped operations only when there are some, and a long wait in minutes', () => {
    const line = formatProgress(counts({ total: 1000, done: 10, changed: 5, skipped: 5, inFlight: 2 }), 20_000);
    expect(line).toBe('  [10/1000] 5 changed, 0 unchanged, 0 failed, 5 skipped, 2 in flight  0.5 op/s  ETA 33 min 0 s');
  });

  it('ends with a summary line: the counts, the time the step took and its rate', () => {
    expect(formatProgressEnd(counts({ done: 120, changed: 110, unchanged: 8, failed: 2 }), 12_300)).toBe(
      '  [120/120] 110 changed, 8 unchanged, 2 failed in 12.3 s  9.8 op/s\n',
    );
  });

  it('leaves the rate out of the summary line of a step that took no measurable time', () => {
    expect(formatProgressEnd(counts({ total: 1, done: 1, unchanged: 1 }), 0)).toBe('  [1/1] 0 changed, 1 unchanged, 0 failed in 0 ms\n');
  });

  it('colours the labels and counts only when asked', () => {
    const c = counts({ done: 1, failed: 1 });
    expect(formatProgress(c, 1000, painter(false))).not.toMatch(CONTROL);
    const coloured = formatProgress(c, 1000, painter(true));
    expect(coloured).toContain('\x1b[31m1\x1b[39m failed');
    expect(coloured.replace(/\x1b\[\d+m/g, '')).toBe(formatProgress(c, 1000));
  });
});

describe('colourEnabled', () => {
  it('is on for a terminal unless NO_COLOR is set, and wherever FORCE_COLOR asks for it', () => {
    expect(colourEnabled({ isTTY: true }, {})).toBe(true);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colourEnabled({}, {})).toBe(false);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '0' })).toBe(false);
    expect(colourEnabled({ isTTY: false }, { FORCE_COLOR: '' })).toBe(false);
    expect(colourEnabled({ isTTY: true }, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(true);
  });
});

describe('StepProgress', () => {
  afterEach(() => vi.useRealTimers());

  function capture(live: boolean, columns?: number) {
    let time = 0;
    const written: string[] = [];
    const out = { write: (t: string) => void written.push(t), live, columns: () => columns, paint: painter(false), now: () => time };
    return { out, written, advance: (ms: number) => (time += ms) };
  }

  it('off a terminal, prints a line per operation for a step of at most PER_OPERATION_LIMIT operations, and nothing more', () => {
    const { out, written } = capture(false);
    const step = new StepProgress(PER_OPERATION_LIMIT, out);
    for (let i = 0; i < PER_OPERATION_LIMIT; i++) {
      step.started();
      step.ended(i === 3 ? failed(`op-${i}`) : ok(`op-${i}`));
    }
    step.finish();
    expect(written).toHaveLength(PER_OPERATION_LIMIT);
    expect(written[0]).toBe('  changed    op-0  (12 ms)\n');
    expect(written[3]).toBe('  FAILED     op-3  HTTP_STATUS: OCP answered 503 (40 ms, 3 attempts)\n');
  });

  it('off a terminal, prints a larger step at every tenth, each failure as it ends, and its summary line', () => {
    const { out, written, advance } = capture(false);
    const step = new StepProgress(200, out);
    for (let i = 0; i < 200; i++) {
      step.started();
      advance(10);
      step.ended(i === 7 ? failed('host=8') : ok(`host=${i + 1}`));
    }
    step.finish();
    const progress = written.filter((l) => l.startsWith('  ['));
    expect(progress.map((l) => l.slice(0, l.indexOf(']') + 1))).toEqual(
      ['[20/200]', '[40/200]', '[60/200]', '[80/200]', '[100/200]', '[120/200]', '[140/200]', '[160/200]', '[180/200]', '[200/200]'].map(
        (s) => `  ${s}`,
      ),
    );
    expect(written.indexOf('  FAILED     host=8  HTTP_STATUS: OCP answered 503 (40 ms, 3 attempts)\n')).toBe(0);
    expect(written.at(-1)).toBe('  [200/200] 199 changed, 0 unchanged, 1 failed in 2.0 s  100 op/s\n');
    expect(written.join('')).not.toMatch(CONTROL);
  });

  it(`off a terminal, prints a larger step's line every ${PROGRESS_EVERY_MS / 1000} s when a tenth takes longer`, () => {
    vi.useFakeTimers();
    const { out, written, advance } = capture(false);
    const step = new StepProgress(1000, out);
    step.started();
    advance(PROGRESS_EVERY_MS - 1000);
    vi.advanceTimersByTime(PROGRESS_EVERY_MS - 1000);
    expect(written).toEqual([]);
    advance(1000);
    vi.advanceTimersByTime(1000);
    expect(written).toEqual([`  [0/1000] 0 changed, 0 unchanged, 0 failed, 1 in flight  -- op/s  ETA --\n`]);
    step.finish();
    advance(PROGRESS_EVERY_MS * 2);
    vi.advanceTimersByTime(PROGRESS_EVERY_MS * 2);
    expect(written).toHaveLength(2);
  });

  it('on a terminal, redraws one line in place at most every 100 ms, prints a failure above it, and leaves the summary line', () => {
    vi.useFakeTimers();
    const { out, written, advance } = capture(true);
    const step = new StepProgress(3, out);
    expect(written).toEqual([`${CLEAR_LINE}  [0/3] 0 changed, 0 unchanged, 0 failed, 0 in flight  -- op/s  ETA --`]);
    step.started();
    step.started();
    advance(500);
    step.ended(ok('a'));
    expect(written).toHaveLength(1);
    vi.advanceTimersByTime(100);
    expect(written[1]).toBe(`${CLEAR_LINE}  [1/3] 1 changed, 0 unchanged, 0 failed, 1 in flight  2.0 op/s  ETA 1 s`);
    vi.advanceTimersByTime(1000);
    expect(written).toHaveLength(2);
    step.ended(failed('b'));
    expect(written.slice(2)).toEqual([
      `${CLEAR_LINE}  FAILED     b  HTTP_STATUS: OCP answered 503 (40 ms, 3 attempts)\n`,
      `${CLEAR_LINE}  [2/3] 1 changed, 0 unchanged, 1 failed, 0 in flight  4.0 op/s  ETA 1 s`,
    ]);
    step.started();
    step.ended(ok('c'));
    step.finish();
    expect(written.at(-1)).toBe(`${CLEAR_LINE}  [3/3] 2 changed, 0 unchanged, 1 failed in 500 ms  6.0 op/s\n`);
    const count = written.length;
    vi.advanceTimersByTime(1000);
    expect(written).toHaveLength(count);
  });

  it('on a narrow terminal, cuts the line so that it never wraps', () => {
    const { out, written } = capture(true, 20);
    new StepProgress(3, out).finish();
    expect(written[0]).toBe(`${CLEAR_LINE}  [0/3] 0 changed, `);
  });
});
