// Folds journal events into a report. The same fold serves a live run and a journal read back after a
// crash, so the two can never disagree. A journal without its end line is a run that was interrupted:
// every operation it does not account for is reported, never silently dropped.

import {
  MAX_OPERATIONS_WITH_OUTPUTS,
  REPORT_VERSION,
  countOperations,
  emptyCounts,
  type OperationRecord,
  type RunReport,
  type StatusCounts,
  type StepRecord,
} from './types.js';
import type { JournalEvent, StepOutline } from './journal.js';

interface StepState {
  outline: StepOutline;
  startedAt?: string;
  keys?: string[];
  maxErrors?: number;
  records: Map<string, OperationRecord>;
  /** The records a live run handed over, in the step's order (for a large step, read back from the journal). */
  handedOver?: { operations: OperationRecord[]; summary: StatusCounts };
  end?: Extract<JournalEvent, { type: 'stepEnd' }>;
}

const INTERRUPTED = 'the run ended before this operation reported its outcome; it may or may not have been applied';

export class ReportBuilder {
  #run: Extract<JournalEvent, { type: 'run' }> | undefined;
  #end: Extract<JournalEvent, { type: 'end' }> | undefined;
  readonly #steps = new Map<string, StepState>();

  apply(event: JournalEvent): void {
    switch (event.type) {
      case 'run':
        this.#run = event;
        for (const outline of event.steps) this.#steps.set(outline.id, { outline, records: new Map() });
        return;
      case 'step': {
        const step = this.#step(event.id);
        step.startedAt = event.startedAt;
        step.keys = event.keys;
        if (event.maxErrors !== undefined) step.maxErrors = event.maxErrors;
        return;
      }
      case 'op': {
        const step = this.#step(event.step);
        // A large step's outputs stay in the journal (a live run hands over its records without them).
        if (event.record.outputs !== undefined && isLarge(step)) {
          const { outputs: _inJournal, ...kept } = event.record;
          step.records.set(kept.key, kept);
        } else {
          step.records.set(event.record.key, event.record);
        }
        return;
      }
      case 'stepEnd':
        this.#step(event.id).end = event;
        return;
      case 'end':
        this.#end = event;
        return;
    }
  }

  /**
   * Takes a step's records from the live run, in the step's order, instead of folding its op events (which
   * the run then does not apply): `summary` counts them. For a large step they may be a list that reads
   * them back from the journal.
   */
  handOver(stepId: string, operations: OperationRecord[], summary: StatusCounts): void {
    this.#step(stepId).handedOver = { operations, summary };
  }

  /** True once the run's end line was seen. */
  get complete(): boolean {
    return this.#end !== undefined;
  }

  build(): RunReport {
    const run = this.#run;
    if (!run) throw new Error('a report needs the run header event first');
    const interrupted = this.#end === undefined;
    const steps = [...this.#steps.values()].map((s) => this.#buildStep(s, interrupted));
    const summary = emptyCounts();
    for (const s of steps) addCounts(summary, s.summary);
    const finishedAt = this.#end?.finishedAt ?? latestTime(steps) ?? run.startedAt;
    const report: RunReport = {
      reportVersion: REPORT_VERSION,
      runId: run.runId,
      runbook: run.runbook,
      mode: run.mode,
      status: this.#end?.status ?? 'cancelled',
      startedAt: run.startedAt,
      finishedAt,
      durationMs: this.#end?.durationMs ?? Math.max(0, Date.parse(finishedAt) - Date.parse(run.startedAt)),
      params: run.params,
      summary,
      steps,
    };
    if (run.resumedFrom !== undefined) report.resumedFrom = run.resumedFrom;
    if (this.#end?.signal !== undefined) report.signal = this.#end.signal;
    if (this.#end?.error !== undefined) report.error = this.#end.error;
    if (interrupted) {
      report.error = {
        code: 'CANCELLED',
        message: 'rebuilt from the journal of a run that did not finish (crash or kill); operations without an outcome are failed with CANCELLED',
      };
    }
    return report;
  }

  #step(id: string): StepState {
    let step = this.#steps.get(id);
    if (!step) {
      step = { outline: { id, action: 'unknown' }, records: new Map() };
      this.#steps.set(id, step);
    }
    return step;
  }

  #buildStep(state: StepState, interrupted: boolean): StepRecord {
    const { outline, end } = state;
    const { operations, summary } = state.handedOver ?? this.#operationsOf(state, interrupted);
    const status = end?.status ?? (state.startedAt === undefined ? (interrupted ? 'cancelled' : 'skipped') : 'cancelled');
    const step: StepRecord = {
      id: outline.id,
      ...(outline.name !== undefined ? { name: outline.name } : {}),
      ...(outline.description !== undefined ? { description: outline.description } : {}),
      action: outline.action,
      ...(outline.connection !== undefined ? { connection: outline.connection } : {}),
      status,
      ...(state.startedAt !== undefined ? { startedAt: state.startedAt } : {}),
      durationMs: end?.durationMs ?? 0,
      ...(state.maxErrors !== undefined ? { maxErrors: state.maxErrors } : {}),
      summary,
      operations,
    };
    if (end?.reason !== undefined) step.reason = end.reason;
    else if (!end) step.reason = state.startedAt === undefined ? 'the run ended before this step started' : 'the run ended while this step was running';
    if (end?.continueOnError) step.continueOnError = true;
    if (end?.error !== undefined) step.error = end.error;
    if (end?.outputs !== undefined && !isLarge(state)) step.outputs = end.outputs;
    return step;
  }

  /** The step's records in the order its keys were announced; what has no record is accounted for. */
  #operationsOf(state: StepState, interrupted: boolean): { operations: OperationRecord[]; summary: StatusCounts } {
    const operations: OperationRecord[] = [];
    const keys = state.keys ?? [];
    for (const key of keys) {
      const record = state.records.get(key);
      if (record) operations.push(record);
      else if (interrupted) {
        operations.push({ key, status: 'failed', attempts: 0, durationMs: 0, error: { code: 'CANCELLED', message: INTERRUPTED } });
      } else {
        operations.push({ key, status: 'skipped', attempts: 0, durationMs: 0, reason: 'no outcome was recorded' });
      }
    }
    // Records whose key was not announced (should not happen) are still kept, never dropped. Through a
    // Set, not keys.includes: a step may have 100,000 operations.
    const announced = new Set(keys);
    for (const [key, record] of state.records) if (!announced.has(key)) operations.push(record);
    return { operations, summary: countOperations(operations) };
  }
}

function addCounts(into: StatusCounts, more: StatusCounts): void {
  into.total += more.total;
  into.changed += more.changed;
  into.unchanged += more.unchanged;
  into.failed += more.failed;
  into.skipped += more.skipped;
}

/** More operations than MAX_OPERATIONS_WITH_OUTPUTS: the report leaves their outputs to the journal. */
function isLarge(step: StepState): boolean {
  return (step.keys?.length ?? 0) > MAX_OPERATIONS_WITH_OUTPUTS;
}

/** Rebuilds a report from a journal's events. */
export function reportFromJournal(events: readonly JournalEvent[]): RunReport {
  const builder = new ReportBuilder();
  for (const e of events) builder.apply(e);
  return builder.build();
}

function latestTime(steps: StepRecord[]): string | undefined {
  let latest: string | undefined;
  for (const s of steps) {
    for (const op of s.operations) {
      if (op.startedAt === undefined) continue;
      const end = new Date(Date.parse(op.startedAt) + op.durationMs).toISOString();
      if (latest === undefined || end > latest) latest = end;
    }
  }
  return latest;
}
