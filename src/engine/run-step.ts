// One step of a run: its operations through the concurrency loop, each one's record emitted as it ends,
// and the step's outcome. Also the steps that do not run their operations: a step the run does not reach,
// and one whose expansion produced none (skipped, or failed with UNRESOLVED_INPUT and the like).

import { performance } from 'node:perf_hooks';
import type { ResolvedOperation, ResolvedStep } from '../plan/types.js';
import type { AddedStepOutline, JournalEvent } from '../report/events.js';
import { MAX_OPERATIONS_WITH_OUTPUTS, emptyCounts, type OperationRecord, type StatusCounts, type StepStatus } from '../report/types.js';
import type { StepSpec } from '../runbook/model.js';
import { noneSucceeded, type ResumeFrom, type Session, type StepOutcome } from './context.js';
import { FailureBudget, maxErrorsFor } from './failure-budget.js';
import { runOperation, type Finished, type OperationTarget } from './operation.js';
import { stepOutputs } from './outputs.js';
import { rolloutBatches } from './rollout.js';
import { changesNothing } from './revert-plan.js';
import { runLoop, type Hold } from './run-loop.js';

/** What a run adds to its session. */
export interface RunExtras {
  resume?: ResumeFrom;
  /** Steps whose outputs a step reads: a large step keeps its outputs in memory only for these. */
  readLater: { has(id: string): boolean };
  /** Main steps whose changed operations core.revert or `steps.<id>.changed` reads: only these are kept. */
  track?: { has(id: string): boolean };
  /** What the step event says of a step the run header does not list (an inverse step of core.revert). */
  outline?: AddedStepOutline;
}

/** Runs a step's operations; resolves to how the step ended. */
export async function runStep(step: StepSpec, resolved: ResolvedStep, session: Session, extras: RunExtras): Promise<StepOutcome> {
  const t0 = performance.now();
  const operations = resolved.operations;
  const budget = new FailureBudget(maxErrorsFor(step.maxErrors, operations.length));
  session.sink.emit({
    type: 'step',
    id: step.id,
    startedAt: new Date().toISOString(),
    keys: operations.map((o) => o.key),
    maxErrors: budget.allowed,
    ...(extras.outline !== undefined ? { outline: extras.outline } : {}),
  });
  if (resolved.disposition !== 'planned') return unplannedStep(step, resolved, session);
  session.sink.stepStarted?.(step, operations.length);
  const changed = extras.track?.has(step.id) ? (session.changed.get(step.id) ?? []) : undefined;
  if (changed !== undefined) session.changed.set(step.id, changed);

  const registered = session.ctx.registry.action(step.action)!;
  // A wait is undone (by core.revert) for what it saw, not only for what it changed: see revert-plan.ts.
  const undoneWhenUnchanged = changesNothing(registered.definition) && registered.definition.revert !== undefined;
  const target: OperationTarget = {
    step,
    action: registered.definition,
    plugin: registered.source !== 'builtin',
    connection: step.connection === undefined ? undefined : session.ctx.connections.get(step.connection),
    readOnly: false,
  };
  const summary = emptyCounts();
  // The operations of a large step keep their outputs in the journal only; they are kept here too when a
  // later step reads them.
  const large = operations.length > MAX_OPERATIONS_WITH_OUTPUTS;
  const outputs: (Record<string, unknown> | undefined)[] | undefined =
    !large || extras.readLater.has(step.id) ? new Array(operations.length) : undefined;
  await runLoop({
    count: operations.length,
    width: Math.min(step.concurrency ?? session.globalCap, session.globalCap),
    ...(step.rollout
      ? { batches: rolloutBatches(step.rollout.batches, operations.length), pauseBetweenMs: step.rollout.pauseBetweenMs }
      : {}),
    onPause: (batch, pauseMs) => session.ctx.log.info({ step: step.id, batch, pauseMs }, 'pausing between rollout batches'),
    stop: session.stop,
    budget,
    item: async (i, hold) => {
      const op = operations[i]!;
      session.sink.operationStarted?.();
      const { record, outputs: produced } = notSent(op, hold, target, budget, extras.resume) ?? (await runOperation(op, target, session));
      if (outputs) outputs[i] = produced;
      if (changed !== undefined && (record.status === 'changed' || (record.status === 'unchanged' && undoneWhenUnchanged)))
        changed.push({ key: op.key, status: record.status, item: step.forEach === undefined ? op.inputs : op.item, outputs: produced });
      summary.total += 1;
      summary[record.status] += 1;
      session.sink.emit({ type: 'op', step: step.id, record });
      return record.status === 'failed';
    },
  });

  return endStep(step, session, { budget, summary, t0, large, ...(outputs ? { outputs } : {}) });
}

/** What a step that ran its operations (or previewed them) ends with. */
export interface StepTally {
  budget: FailureBudget;
  summary: StatusCounts;
  t0: number;
  /** More operations than MAX_OPERATIONS_WITH_OUTPUTS: the step's outputs stay out of its end event. */
  large: boolean;
  /** Each operation's outputs, when they are kept. */
  outputs?: (Record<string, unknown> | undefined)[];
}

/** Emits the end of a step that went through its operations, and resolves how it ended. */
export function endStep(step: StepSpec, session: Session, tally: StepTally): StepOutcome {
  const { budget, summary } = tally;
  const failed = budget.broken;
  const status: StepStatus = failed ? 'failed' : session.stop.aborted && summary.skipped > 0 ? 'cancelled' : 'succeeded';
  const reason = failed
    ? `${budget.failures} of ${summary.total} operations failed; maxErrors allows ${budget.allowed}`
    : status === 'cancelled'
      ? 'the run was cancelled while this step was running'
      : undefined;
  // A step that failed partly still gives later steps the outputs of the operations that succeeded;
  // when none succeeded, it has no outputs.
  const outputs =
    tally.outputs && (status === 'succeeded' || failed) && !noneSucceeded(summary) ? stepOutputs(step, tally.outputs) : undefined;
  const end: Extract<JournalEvent, { type: 'stepEnd' }> = {
    type: 'stepEnd',
    id: step.id,
    status,
    durationMs: Math.round(performance.now() - tally.t0),
  };
  if (reason !== undefined) end.reason = reason;
  if (failed && step.continueOnError) end.continueOnError = true;
  if (outputs !== undefined && !tally.large) end.outputs = outputs;
  session.sink.emit(end);
  return { status, summary, ...(outputs !== undefined ? { outputs } : {}), ...(reason !== undefined ? { reason } : {}) };
}

/**
 * The record of an operation that is not sent: one that could not be expanded fails; one a resumed run
 * completed, or that may not start (the run stopped, the budget spent), is skipped.
 */
export function notSent(
  op: ResolvedOperation,
  hold: Hold | undefined,
  target: OperationTarget,
  budget: FailureBudget,
  resume: ResumeFrom | undefined,
): Finished | undefined {
  if (op.error) return notRun({ key: op.key, status: 'failed', attempts: 0, durationMs: 0, error: op.error });
  const done = resume?.done.get(op.key);
  if (resume && done !== undefined && target.action.mutates) return skipped(op, `done in run ${resume.runId} (${done}); not sent again`);
  if (hold === 'stopped') return skipped(op, 'the run was cancelled before this operation started');
  if (hold === 'budget')
    return skipped(op, `not started: step '${target.step.id}' exceeded its failure budget (maxErrors ${budget.allowed})`);
  return undefined;
}

function skipped(op: ResolvedOperation, reason: string): Finished {
  return notRun({ key: op.key, status: 'skipped', attempts: 0, durationMs: 0, reason });
}

function notRun(record: OperationRecord): Finished {
  return { record, outputs: undefined };
}

/** A step that will not run: its operations (when they could be expanded) are accounted as skipped. */
export function notStartedStep(
  step: StepSpec,
  resolved: ResolvedStep,
  status: StepStatus,
  reason: string,
  session: Session,
  outline?: AddedStepOutline,
): void {
  session.sink.emit({
    type: 'step',
    id: step.id,
    startedAt: new Date().toISOString(),
    keys: resolved.operations.map((o) => o.key),
    ...(outline !== undefined ? { outline } : {}),
  });
  for (const op of resolved.operations) {
    session.sink.emit({ type: 'op', step: step.id, record: { key: op.key, status: 'skipped', attempts: 0, durationMs: 0, reason } });
  }
  session.sink.emit({ type: 'stepEnd', id: step.id, status, reason, durationMs: 0 });
}

/** A step whose expansion produced no operation to run: skipped, or failed with the expansion's error. */
export function unplannedStep(step: StepSpec, resolved: ResolvedStep, session: Session): StepOutcome {
  session.sink.stepPlanned?.(resolved);
  const status: StepStatus = resolved.disposition === 'failed' ? 'failed' : 'skipped';
  const end: Extract<JournalEvent, { type: 'stepEnd' }> = {
    type: 'stepEnd',
    id: step.id,
    status,
    reason: resolved.reason ?? resolved.disposition,
    durationMs: 0,
  };
  if (status === 'failed' && step.continueOnError) end.continueOnError = true;
  if (status === 'failed' && resolved.error) end.error = resolved.error;
  session.sink.emit(end);
  return { status, summary: emptyCounts(), reason: end.reason! };
}
