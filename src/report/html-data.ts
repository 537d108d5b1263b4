// What the HTML report embeds: the run aggregated, never one entry per operation. Each step's operations
// become counts per status and per time bucket, and only the first failures are listed, so that the page of
// a run of 100,000 operations stays small and quick to draw.

import type { OperationStatus } from '../contracts/action.js';
import { escapeControlChars } from '../secrets/untrusted-text.js';
import type { OperationRecord, Report, StepReport } from './types.js';

/** The operation statuses, in the order the page stacks and lists them. */
export const STATUSES: readonly OperationStatus[] = ['changed', 'unchanged', 'failed', 'skipped'];
/** The timeline's resolution: the run is cut in at most this many buckets of equal length. */
export const MAX_BUCKETS = 200;
/** Failures listed on the page; the count of all of them is shown too. */
export const MAX_FAILURES = 500;
/** How late a recorded end can read (see `peakInFlight`). */
const ROUNDING_MS = 1;

export interface HtmlStep {
  id: string;
  name?: string;
  action: string;
  status: string;
  durationMs: number;
  counts: Record<string, number>;
  /** The most operations of the step in flight at one time. */
  peak: number;
  /** Per status (in STATUSES order), per bucket: operations in flight on average over the bucket. */
  running: number[][];
  /** Per status, per bucket: operations that started in the bucket. */
  started: number[][];
  /** Operations without a start time (skipped before they ran): not on the timeline. */
  unplaced: number;
}

export interface HtmlFailure {
  step: number;
  key: string;
  code: string;
  message: string;
  attempts: number;
  startedAt?: string;
}

export interface HtmlData {
  run: {
    name: string;
    runId: string;
    status: string;
    mode: string;
    startedAt: string;
    finishedAt: string;
    durationMs: number;
    error?: string;
  };
  summary: Record<string, number>;
  timeline: { startMs: number; bucketMs: number; buckets: number };
  steps: HtmlStep[];
  failures: HtmlFailure[];
  failureCount: number;
}

/** Aggregates a report for the page; every text taken from it is redacted, then its control characters escaped. */
export function htmlData(report: Report, redact: (text: string) => string): HtmlData {
  const text = (value: string): string => escapeControlChars(redact(value));
  const startMs = Date.parse(report.startedAt);
  const span = Math.max(1, report.durationMs, Date.parse(report.finishedAt) - startMs);
  const buckets = Math.min(MAX_BUCKETS, Math.max(1, Math.ceil(span)));
  const timeline = { startMs: Number.isNaN(startMs) ? 0 : startMs, bucketMs: span / buckets, buckets };
  const failures: HtmlFailure[] = [];
  let failureCount = 0;
  // The steps of onFailure and finally follow the main steps, their id prefixed with their part.
  const all = [
    ...report.steps.map((step) => ({ step, id: step.id })),
    ...(report.onFailure ?? []).map((step) => ({ step, id: `onFailure: ${step.id}` })),
    ...(report.finally ?? []).map((step) => ({ step, id: `finally: ${step.id}` })),
  ];
  const steps = all.map(({ step, id }, index) => {
    const aggregated = aggregateStep(step, timeline, (op) => {
      failureCount += 1;
      if (failures.length >= MAX_FAILURES) return;
      const failure: HtmlFailure = {
        step: index,
        key: text(op.key),
        code: text(op.error?.code ?? ''),
        message: text(op.error?.message ?? ''),
        attempts: op.attempts,
      };
      if (op.startedAt) failure.startedAt = text(op.startedAt);
      failures.push(failure);
    });
    const out: HtmlStep = { id: text(id), action: text(step.action), status: step.status, durationMs: step.durationMs, ...aggregated };
    if (step.name !== undefined) out.name = text(step.name);
    return out;
  });
  const run: HtmlData['run'] = {
    name: text(report.runbook.name),
    runId: text(report.runId),
    status: report.status,
    mode: report.mode,
    startedAt: text(report.startedAt),
    finishedAt: text(report.finishedAt),
    durationMs: report.durationMs,
  };
  if (report.error) run.error = text(`${report.error.code}: ${report.error.message}`);
  return { run, summary: { ...report.summary }, timeline, steps, failures, failureCount };
}

type Timeline = HtmlData['timeline'];
type OperationOf = OperationRecord;

/** One pass over a step's operations (a large step reads them back from its journal, once). */
function aggregateStep(step: StepReport, timeline: Timeline, onFailure: (op: OperationOf) => void) {
  const grid = (): number[][] => STATUSES.map(() => new Array<number>(timeline.buckets).fill(0));
  const running = grid();
  const started = grid();
  const counts: Record<string, number> = Object.fromEntries(STATUSES.map((s) => [s, 0]));
  const starts: number[] = [];
  const ends: number[] = [];
  let unplaced = 0;
  for (const op of step.operations) {
    const s = STATUSES.indexOf(op.status);
    counts[op.status] = (counts[op.status] ?? 0) + 1;
    if (op.status === 'failed') onFailure(op);
    const at = op.startedAt === undefined ? Number.NaN : Date.parse(op.startedAt);
    if (s < 0 || Number.isNaN(at)) {
      unplaced += 1;
      continue;
    }
    const from = at - timeline.startMs;
    const to = from + Math.max(0, op.durationMs);
    starts.push(from);
    ends.push(to);
    const row = started[s] as number[];
    const b = bucketOf(from, timeline);
    row[b] = (row[b] as number) + 1;
    addBusyTime(running[s] as number[], from, to, timeline);
  }
  for (const row of running) for (let b = 0; b < row.length; b++) row[b] = Math.round(((row[b] as number) / timeline.bucketMs) * 100) / 100;
  return { counts, peak: peakInFlight(starts, ends), running, started, unplaced };
}

function bucketOf(offsetMs: number, timeline: Timeline): number {
  return Math.min(timeline.buckets - 1, Math.max(0, Math.floor(offsetMs / timeline.bucketMs)));
}

/** Adds to each bucket the time of [from, to) that falls in it. */
function addBusyTime(row: number[], from: number, to: number, timeline: Timeline): void {
  const first = bucketOf(from, timeline);
  const last = bucketOf(to, timeline);
  for (let b = first; b <= last; b++) {
    const overlap = Math.min(to, (b + 1) * timeline.bucketMs) - Math.max(from, b * timeline.bucketMs);
    if (overlap > 0) row[b] = (row[b] as number) + overlap;
  }
}

/**
 * The most intervals open at one time: starts and ends swept in order. A start is recorded to the
 * millisecond (rounded down) and a duration rounded to the nearest one, so an end can read up to 1 ms late:
 * an end at most 1 ms after a start counts as before it (else a step run 4 at a time would show 5).
 */
function peakInFlight(starts: number[], ends: number[]): number {
  const sortedStarts = Float64Array.from(starts).sort();
  const sortedEnds = Float64Array.from(ends).sort();
  let open = 0;
  let peak = 0;
  let e = 0;
  for (const start of sortedStarts) {
    while (open > 0 && e < sortedEnds.length && (sortedEnds[e] as number) <= start + ROUNDING_MS) {
      e += 1;
      open -= 1;
    }
    open += 1;
    peak = Math.max(peak, open);
  }
  return peak;
}
