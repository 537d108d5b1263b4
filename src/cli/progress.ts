// What a step shows while it runs. On a terminal: one line, redrawn in place, with done/total, the
// counts, the operations in flight, the rate and the time left; a failed operation prints above it as it
// ends; the step's summary line stays when the step ends. Elsewhere (a file, a pipe, cron), nothing moves
// the cursor: a step of at most PER_OPERATION_LIMIT operations prints a line per operation, a larger one a
// progress line at every tenth of its operations or every PROGRESS_EVERY_MS, whichever comes first, each
// failed operation as it ends, and its summary line.

import type { OperationRecord } from '../report/types.js';
import { plain, type Paint } from './colour.js';
import { formatDuration, formatOperationLine } from './format.js';

/** A step of at most this many operations prints a line per operation when the output is not a terminal. */
export const PER_OPERATION_LIMIT = 50;
/** The longest a larger step goes without a progress line when the output is not a terminal. */
export const PROGRESS_EVERY_MS = 30_000;
/** How often the line on a terminal is redrawn, at most. */
export const REDRAW_EVERY_MS = 100;

/** Carriage return and erase the whole line: where the line on a terminal is drawn again. */
export const CLEAR_LINE = '\r\x1b[2K';

export interface ProgressCounts {
  total: number;
  done: number;
  changed: number;
  unchanged: number;
  failed: number;
  skipped: number;
  inFlight: number;
}

function rate(done: number, elapsedMs: number): number | undefined {
  return elapsedMs > 0 && done > 0 ? (done * 1000) / elapsedMs : undefined;
}

function formatRate(perSecond: number | undefined): string {
  if (perSecond === undefined) return '-- op/s';
  return `${perSecond >= 10 ? perSecond.toFixed(0) : perSecond.toFixed(1)} op/s`;
}

function formatEta(c: ProgressCounts, perSecond: number | undefined): string {
  if (perSecond === undefined) return 'ETA --';
  const seconds = Math.ceil((c.total - c.done) / perSecond);
  return `ETA ${seconds < 60 ? `${seconds} s` : formatDuration(seconds * 1000)}`;
}

function counts(c: ProgressCounts, paint: Paint): string {
  const parts = [
    `${paint('yellow', String(c.changed))} changed`,
    `${c.unchanged} unchanged`,
    `${c.failed > 0 ? paint('red', String(c.failed)) : '0'} failed`,
  ];
  if (c.skipped > 0) parts.push(`${c.skipped} skipped`);
  return parts.join(', ');
}

/**
 * The line of a running step, without a newline, such as
 * `  [37/120] 30 changed, 5 unchanged, 2 failed, 8 in flight  4.1 op/s  ETA 20 s`.
 */
export function formatProgress(c: ProgressCounts, elapsedMs: number, paint: Paint = plain): string {
  const perSecond = rate(c.done, elapsedMs);
  return `  ${paint('bold', `[${c.done}/${c.total}]`)} ${counts(c, paint)}, ${c.inFlight} in flight  ${paint('dim', `${formatRate(perSecond)}  ${formatEta(c, perSecond)}`)}`;
}

/** The summary line a step leaves when it ends, such as `  [120/120] 110 changed, 8 unchanged, 2 failed in 12.3 s  9.8 op/s`. */
export function formatProgressEnd(c: ProgressCounts, elapsedMs: number, paint: Paint = plain): string {
  const perSecond = rate(c.done, elapsedMs);
  const shownRate = perSecond === undefined ? '' : `  ${paint('dim', formatRate(perSecond))}`;
  return `  ${paint('bold', `[${c.done}/${c.total}]`)} ${counts(c, paint)} in ${formatDuration(Math.round(elapsedMs))}${shownRate}\n`;
}

/** Where a step's progress goes, and how. */
export interface ProgressOutput {
  /** Writes console text (through the redactor). */
  write(text: string): void;
  /** The output is a terminal: the line is redrawn in place. */
  live: boolean;
  /** The terminal's width, when known: the line is cut to fit, so that it never wraps. */
  columns?(): number | undefined;
  paint: Paint;
  now?(): number;
}

/** The progress of one running step: told when each operation starts and ends, and when the step ends. */
export class StepProgress {
  private readonly c: ProgressCounts;
  private readonly now: () => number;
  private readonly t0: number;
  private readonly mode: 'live' | 'lines' | 'periodic';
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  /** Periodic mode: the next tenth of the operations to print a line at, and when the last line was printed. */
  private tenth = 1;
  private lastLineAt: number;

  constructor(
    total: number,
    private readonly out: ProgressOutput,
  ) {
    this.c = { total, done: 0, changed: 0, unchanged: 0, failed: 0, skipped: 0, inFlight: 0 };
    this.now = out.now ?? Date.now;
    this.t0 = this.now();
    this.lastLineAt = this.t0;
    this.mode = out.live ? 'live' : total <= PER_OPERATION_LIMIT ? 'lines' : 'periodic';
    if (this.mode === 'live') {
      this.draw();
      this.timer = setInterval(() => this.dirty && this.draw(), REDRAW_EVERY_MS).unref();
    } else if (this.mode === 'periodic') {
      this.timer = setInterval(() => this.now() - this.lastLineAt >= PROGRESS_EVERY_MS && this.line(), 1000).unref();
    }
  }

  started(): void {
    this.c.inFlight += 1;
    this.dirty = true;
  }

  ended(record: OperationRecord): void {
    const c = this.c;
    c.done += 1;
    c[record.status] += 1;
    if (c.inFlight > 0) c.inFlight -= 1;
    this.dirty = true;
    if (this.mode === 'lines') return this.out.write(formatOperationLine(record, this.out.paint));
    if (record.status === 'failed') {
      this.out.write(`${this.mode === 'live' ? CLEAR_LINE : ''}${formatOperationLine(record, this.out.paint)}`);
      if (this.mode === 'live') this.draw();
    }
    if (this.mode === 'periodic' && c.done < c.total && c.done >= Math.ceil((c.total * this.tenth) / 10)) {
      while (c.done >= Math.ceil((c.total * this.tenth) / 10)) this.tenth += 1;
      this.line();
    }
  }

  /** Stops the redraws; the summary line stays (but for a small step off a terminal, whose lines say it all). */
  finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.mode === 'lines') return;
    const end = formatProgressEnd(this.c, this.now() - this.t0, this.out.paint);
    this.out.write(this.mode === 'live' ? `${CLEAR_LINE}${end}` : end);
  }

  private line(): void {
    this.lastLineAt = this.now();
    this.out.write(`${formatProgress(this.c, this.now() - this.t0, this.out.paint)}\n`);
  }

  private draw(): void {
    this.dirty = false;
    const elapsed = this.now() - this.t0;
    const columns = this.out.columns?.();
    let text = formatProgress(this.c, elapsed, this.out.paint);
    if (columns !== undefined && columns > 1) {
      const bare = formatProgress(this.c, elapsed);
      // A line wider than the terminal would wrap, and the carriage return would redraw only its last part.
      if (bare.length > columns - 1) text = bare.slice(0, columns - 1);
    }
    this.out.write(`${CLEAR_LINE}${text}`);
  }
}
