// Folds a run's events into its report. Every report is made by this one fold: a live run's (its events
// as they happen, see RunRecorder) and one rebuilt from a journal file (`runbook report`, `--resume`), so
// the same journal gives the same report. A journal without its end line is a run that was interrupted:
// every operation it does not account for is reported, never silently dropped.

import { JournalRecords } from './journal-records.js';
import { foldJournal, type JournalSink } from './journal.js';
import type { AddedStepOutline, HandlerPart, JournalEvent, LinePlace, StepOutline } from './events.js';
import {
  MAX_OPERATIONS_WITH_OUTPUTS,
  REPORT_VERSION,
  countOperations,
  emptyCounts,
  type OperationList,
  type OperationRecord,
  type Report,
  type RunReport,
  type StatusCounts,
  type StepReport,
} from './types.js';

interface StepState {
  outline: StepOutline;
  /** For an inverse step of core.revert: its core.revert step and the main step it undoes. */
  parent?: string;
  undoes?: string;
  startedAt?: string;
  keys?: string[];
  maxErrors?: number;
  /** The step's records by key (a large step's without their outputs). */
  records: Map<string, OperationRecord>;
  /** A large step folded together with its journal file: where each record's line is. */
  spilled?: SpilledStep;
  end?: Extract<JournalEvent, { type: 'stepEnd' }>;
}

/** Where a large step's records are, by the operation's position in the step. */
interface SpilledStep {
  index: Map<string, number>;
  offsets: Float64Array;
  lengths: Uint32Array;
  /** Each operation's status (an index into STATUSES; 0 while it has no record). */
  statuses: Uint8Array;
  /** Records whose line the journal could not take. */
  kept: Map<number, OperationRecord>;
}

const STATUSES = [undefined, 'changed', 'unchanged', 'failed', 'skipped'] as const;

const INTERRUPTED = 'the run ended before this operation reported its outcome; it may or may not have been applied';

export class ReportBuilder {
  #run: Extract<JournalEvent, { type: 'run' }> | undefined;
  #end: Extract<JournalEvent, { type: 'end' }> | undefined;
  /** When the last operation seen ended: a run without its end line ends there. */
  #latest: number | undefined;
  readonly #steps = new Map<string, StepState>();
  /** The ids of each part's steps, in the order the report lists them. */
  readonly #order: Record<'steps' | HandlerPart, string[]> = { steps: [], onFailure: [], finally: [] };
  /** The handler parts the run header declares (the report has them only then). */
  readonly #parts = new Set<HandlerPart>();

  /**
   * `journalFile`: the journal the events are in. A large step's records are then left there (the fold
   * keeps where each line is, given to `apply`) and read back when the report is written; without it,
   * they are kept in memory.
   */
  constructor(readonly journalFile?: string) {}

  /** Folds one event; `place` is where its line is in the journal, when it is there. */
  apply(event: JournalEvent, place?: LinePlace): void {
    switch (event.type) {
      case 'run':
        this.#run = event;
        for (const outline of event.steps) this.#add('steps', { outline, records: new Map() });
        for (const part of HANDLER_PARTS) {
          const outlines = event[part];
          if (outlines === undefined) continue;
          this.#parts.add(part);
          for (const outline of outlines) this.#add(part, { outline, records: new Map() });
        }
        return;
      case 'step': {
        if (event.outline !== undefined && !this.#steps.has(event.id)) this.#addInverse(event.id, event.outline);
        const step = this.#step(event.id);
        step.startedAt = event.startedAt;
        step.keys = event.keys;
        if (event.maxErrors !== undefined) step.maxErrors = event.maxErrors;
        if (this.journalFile !== undefined && isLarge(step)) step.spilled = spilledStep(event.keys);
        return;
      }
      case 'op':
        this.#applyRecord(this.#step(event.step), event.record, place);
        return;
      case 'stepEnd':
        this.#step(event.id).end = event;
        return;
      case 'end':
        this.#end = event;
        return;
    }
  }

  #add(part: 'steps' | HandlerPart, state: StepState): void {
    if (!this.#steps.has(state.outline.id)) this.#order[part].push(state.outline.id);
    this.#steps.set(state.outline.id, state);
  }

  /** An inverse step of core.revert: listed after its core.revert step and the inverse steps before it. */
  #addInverse(id: string, added: AddedStepOutline): void {
    const { part, parent, undoes, ...outline } = added;
    this.#parts.add(part);
    this.#steps.set(id, { outline: { ...outline, id }, parent, undoes, records: new Map() });
    const order = this.#order[part];
    let at = order.indexOf(parent);
    if (at < 0) at = order.length - 1;
    while (at + 1 < order.length && this.#steps.get(order[at + 1]!)?.parent === parent) at += 1;
    order.splice(at + 1, 0, id);
  }

  #applyRecord(step: StepState, record: OperationRecord, place: LinePlace | undefined): void {
    if (record.startedAt !== undefined) {
      const ended = Date.parse(record.startedAt) + record.durationMs;
      if (this.#latest === undefined || ended > this.#latest) this.#latest = ended;
    }
    const i = step.spilled?.index.get(record.key);
    if (step.spilled && i !== undefined) {
      step.spilled.statuses[i] = STATUSES.indexOf(record.status);
      step.spilled.offsets[i] = place?.offset ?? -1;
      step.spilled.lengths[i] = place?.length ?? 0;
      if (place) step.spilled.kept.delete(i);
      else step.spilled.kept.set(i, withoutOutputs(record));
      return;
    }
    // A large step's outputs stay in the journal.
    step.records.set(record.key, isLarge(step) ? withoutOutputs(record) : record);
  }

  build(): Report {
    const run = this.#run;
    if (!run) throw new Error('a report needs the run header event first');
    const interrupted = this.#end === undefined;
    const partOf = (part: 'steps' | HandlerPart): StepReport[] =>
      this.#order[part].map((id) => this.#buildStep(this.#steps.get(id)!, interrupted));
    const steps = partOf('steps');
    const summary = sumOf(steps);
    const finishedAt = this.#end?.finishedAt ?? (this.#latest !== undefined ? new Date(this.#latest).toISOString() : run.startedAt);
    const report: Report = {
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
    for (const part of HANDLER_PARTS) {
      if (!this.#parts.has(part)) continue;
      const records = partOf(part);
      report[part] = records;
      report[part === 'onFailure' ? 'onFailureSummary' : 'finallySummary'] = sumOf(records);
    }
    if (run.resumedFrom !== undefined) report.resumedFrom = run.resumedFrom;
    if (run.revertOf !== undefined) report.revertOf = run.revertOf;
    if (this.#end?.signal !== undefined) report.signal = this.#end.signal;
    if (this.#end?.error !== undefined) report.error = this.#end.error;
    if (interrupted) {
      report.error = {
        code: 'CANCELLED',
        message:
          'rebuilt from the journal of a run that did not finish (crash or kill); operations without an outcome are failed with CANCELLED',
      };
    }
    return report;
  }

  #step(id: string): StepState {
    let step = this.#steps.get(id);
    if (!step) {
      step = { outline: { id, action: 'unknown' }, records: new Map() };
      this.#add('steps', step);
    }
    return step;
  }

  #buildStep(state: StepState, interrupted: boolean): StepReport {
    const { outline, end } = state;
    const { operations, summary } = state.spilled
      ? this.#spilledOf(state, state.spilled, interrupted)
      : this.#operationsOf(state, interrupted);
    const status = end?.status ?? (state.startedAt === undefined ? (interrupted ? 'cancelled' : 'skipped') : 'cancelled');
    const step: StepReport = {
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
    else if (!end)
      step.reason = state.startedAt === undefined ? 'the run ended before this step started' : 'the run ended while this step was running';
    if (end?.continueOnError) step.continueOnError = true;
    if (end?.error !== undefined) step.error = end.error;
    if (end?.outputs !== undefined && !isLarge(state)) step.outputs = end.outputs;
    if (state.undoes !== undefined) step.undoes = state.undoes;
    return step;
  }

  /** The step's records in the order its keys were announced; what has no record is accounted for. */
  #operationsOf(state: StepState, interrupted: boolean): { operations: OperationRecord[]; summary: StatusCounts } {
    const operations: OperationRecord[] = [];
    const keys = state.keys ?? [];
    for (const key of keys) operations.push(state.records.get(key) ?? absentRecord(key, interrupted));
    // Records whose key was not announced (should not happen) are still kept, never dropped. Through a
    // Set, not keys.includes: a step may have 100,000 operations.
    operations.push(...unannounced(state));
    return { operations, summary: countOperations(operations) };
  }

  /** A large step's records, read back from the journal when they are iterated. */
  #spilledOf(state: StepState, spilled: SpilledStep, interrupted: boolean): { operations: OperationList; summary: StatusCounts } {
    const summary = emptyCounts();
    const absent = absentRecord('', interrupted).status;
    for (const code of spilled.statuses) {
      summary.total += 1;
      summary[STATUSES[code] ?? absent] += 1;
    }
    const extra = unannounced(state);
    countOperations(extra, summary);
    const operations = new JournalRecords({
      file: this.journalFile as string,
      keys: state.keys ?? [],
      offsets: spilled.offsets,
      lengths: spilled.lengths,
      kept: spilled.kept,
      absent: (key) => absentRecord(key, interrupted),
      extra,
    });
    return { operations, summary };
  }
}

/**
 * A live run's report: each event is written to the journal (when there is one) and then folded, with
 * where its line is. What `runbook report JOURNAL` folds from the file is the same.
 */
export class RunRecorder {
  readonly #builder: ReportBuilder;

  constructor(readonly journal?: JournalSink) {
    this.#builder = new ReportBuilder(journal?.file);
  }

  emit(event: JournalEvent): void {
    this.#builder.apply(event, this.journal?.write(event));
  }

  build(): Report {
    return this.#builder.build();
  }
}

function spilledStep(keys: readonly string[]): SpilledStep {
  const index = new Map<string, number>();
  for (const [i, key] of keys.entries()) index.set(key, i);
  return {
    index,
    offsets: new Float64Array(keys.length).fill(-1),
    lengths: new Uint32Array(keys.length),
    statuses: new Uint8Array(keys.length),
    kept: new Map(),
  };
}

/** The record of an announced operation without one. */
function absentRecord(key: string, interrupted: boolean): OperationRecord {
  return interrupted
    ? { key, status: 'failed', attempts: 0, durationMs: 0, error: { code: 'CANCELLED', message: INTERRUPTED } }
    : { key, status: 'skipped', attempts: 0, durationMs: 0, reason: 'no outcome was recorded' };
}

function unannounced(state: StepState): OperationRecord[] {
  const announced = new Set(state.keys ?? []);
  return [...state.records.values()].filter((record) => !announced.has(record.key));
}

function withoutOutputs(record: OperationRecord): OperationRecord {
  if (record.outputs === undefined) return record;
  const { outputs: _inJournal, ...kept } = record;
  return kept;
}

function sumOf(steps: readonly StepReport[]): StatusCounts {
  const summary = emptyCounts();
  for (const s of steps) addCounts(summary, s.summary);
  return summary;
}

const HANDLER_PARTS: readonly HandlerPart[] = ['onFailure', 'finally'];

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

/** Rebuilds a report from a journal's events, every record kept in memory (so each step's records are a list). */
export function reportFromJournal(events: readonly JournalEvent[]): RunReport {
  const builder = new ReportBuilder();
  for (const e of events) builder.apply(e);
  return builder.build() as RunReport;
}

/** Rebuilds a report from a journal file, by the fold a live run uses: a large step's records stay in the file. */
export function reportFromJournalFile(file: string): Report {
  const builder = new ReportBuilder(file);
  foldJournal(file, (event, place) => builder.apply(event, place));
  return builder.build();
}
