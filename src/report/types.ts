// The run report: one JSON document per run, described by schemas/report.schema.json.
// Version it: scripts and dashboards read it. Add fields; never rename or remove one within a version.

import type { OperationStatus } from '../contracts/action.js';
import type { OperationError, RequestPreview } from '../plan/types.js';

export const REPORT_VERSION = 1;

/**
 * A step with more operations than this keeps their `outputs` (and its own) in the journal only, not in
 * the report: 100,000 process objects would take most of a run's memory, and nobody reads them there.
 * Later steps that refer to the step still see its outputs.
 */
export const MAX_OPERATIONS_WITH_OUTPUTS = 1_000;

export type RunStatus = 'succeeded' | 'failed' | 'cancelled';
export type StepStatus = 'succeeded' | 'failed' | 'skipped' | 'cancelled';

export interface StatusCounts {
  total: number;
  changed: number;
  unchanged: number;
  failed: number;
  skipped: number;
}

export interface OperationRecord {
  key: string;
  status: OperationStatus;
  /** Tries of the request that needed the most (1 when nothing was retried, 0 when nothing was sent). */
  attempts: number;
  durationMs: number;
  startedAt?: string;
  /** The last request the operation sent (method and URL), or the one it would send in a dry run. */
  request?: RequestPreview;
  /** The answer to that request. */
  response?: { status: number; traceId?: string };
  error?: OperationError;
  /** Why it was skipped. */
  reason?: string;
  outputs?: Record<string, unknown>;
}

export interface StepRecord {
  id: string;
  name?: string;
  /** The step's `description`, as written. */
  description?: string;
  action: string;
  connection?: string;
  status: StepStatus;
  /** Why the step failed or was skipped, in words. */
  reason?: string;
  /** True when the step failed but `continueOnError` let the run go on. */
  continueOnError?: boolean;
  /** Why a step that produced no operation failed: its code (UNRESOLVED_INPUT, EXPRESSION...) and message. */
  error?: OperationError;
  startedAt?: string;
  durationMs: number;
  /** The failure budget the step ran with, as a count of operations. */
  maxErrors?: number;
  summary: StatusCounts;
  operations: OperationRecord[];
  outputs?: Record<string, unknown>;
  /** For an inverse step of a core.revert step: the main step whose changed operations it undoes (same keys). */
  undoes?: string;
}

export interface RunReport {
  reportVersion: typeof REPORT_VERSION;
  runId: string;
  /** The runbook: its name, file and sha256, and its `description` when it has one. */
  runbook: { name: string; file: string; sha256: string; description?: string };
  mode: 'run' | 'dry-run';
  status: RunStatus;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** The resolved params, secrets redacted. */
  params: Record<string, unknown>;
  summary: StatusCounts;
  steps: StepRecord[];
  /** The runbook's onFailure steps, when it has any: run only when the main steps failed (skipped otherwise). */
  onFailure?: StepRecord[];
  /** The operations of the onFailure steps, counted apart from `summary`. */
  onFailureSummary?: StatusCounts;
  /** The runbook's finally steps, when it has any: run after every run. */
  finally?: StepRecord[];
  /** The operations of the finally steps, counted apart from `summary`. */
  finallySummary?: StatusCounts;
  /**
   * Why the run failed or was cancelled: the main step that failed, a failure outside any operation, or
   * (when the main steps succeeded) the onFailure or finally step that failed.
   */
  error?: OperationError;
  /** Where the run was interrupted, if it was: the signal's name. */
  signal?: string;
  /** The runId of the report this run resumed (`run --resume`). */
  resumedFrom?: string;
  /** The runId of the run this one undid (`revert`). */
  revertOf?: string;
}

/**
 * A step's records in the step's order, read by iterating them: a list in memory, or a large step's
 * records read back one by one from the journal (see journal-records.ts).
 */
export interface OperationList extends Iterable<OperationRecord> {
  readonly length: number;
}

/** A step of a report as the builder makes it: its records may be read back from the journal. */
export interface StepReport extends Omit<StepRecord, 'operations'> {
  operations: OperationList;
}

/** A report as the builder makes it, and as every writer (JSON, JUnit, Markdown, console) reads it. */
export interface Report extends Omit<RunReport, 'steps' | 'onFailure' | 'finally'> {
  steps: StepReport[];
  onFailure?: StepReport[];
  finally?: StepReport[];
}

export function emptyCounts(): StatusCounts {
  return { total: 0, changed: 0, unchanged: 0, failed: 0, skipped: 0 };
}

export function countOperations(operations: readonly { status: OperationStatus }[], into = emptyCounts()): StatusCounts {
  for (const op of operations) {
    into.total += 1;
    into[op.status] += 1;
  }
  return into;
}
