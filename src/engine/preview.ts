// A preview (`run --dry-run`, `plan`, `plan --online`): every step expanded as a run would, nothing sent
// that changes anything. Offline, each operation is recorded with the request it would send. Online,
// a read-only step really runs (its outputs reach the steps after it), and a mutating step's action
// predicts each operation with a client that can only read. The expansion is never changed: what the
// preview learns goes into new objects, given to the sink's `stepPlanned`.

import { performance } from 'node:perf_hooks';
import { messageOf, previewRequest } from '../plan/expand.js';
import type { ResolvedOperation, ResolvedStep } from '../plan/types.js';
import type { OperationRecord, RunStatus } from '../report/types.js';
import { MAX_OPERATIONS_WITH_OUTPUTS, emptyCounts } from '../report/types.js';
import type { StepSpec } from '../runbook/model.js';
import {
  closeSession,
  expand,
  openSession,
  rememberOutputs,
  type EventSink,
  type ExecuteContext,
  type Session,
  type StepOutcome,
} from './context.js';
import { FailureBudget, maxErrorsFor } from './failure-budget.js';
import { probeOperation, runOperation, type OperationTarget } from './operation.js';
import { runLoop } from './run-loop.js';
import { endStep, notSent, notStartedStep, unplannedStep, type StepTally } from './run-step.js';

export interface PreviewOptions {
  /** Run read-only steps and ask actions to predict the others, with clients that refuse anything but GET. */
  online?: boolean;
  /** Preview these expansions instead of expanding the steps (the inverse steps of a revert). */
  planned?: ReadonlyMap<string, ResolvedStep>;
}

/** Previews the runbook, emitting every event to `sink`; resolves to the preview's status. Goes through every step. */
export async function previewRunbook(ctx: ExecuteContext & PreviewOptions, sink: EventSink): Promise<RunStatus> {
  const session = openSession(ctx, sink, 'dry-run');
  let failed = false;
  for (const step of ctx.runbook.steps) {
    const resolved = ctx.planned?.get(step.id) ?? expand(session, step);
    if (session.stop.aborted) {
      notStartedStep(step, resolved, 'cancelled', 'the run was cancelled before this step started', session);
      session.unknownOutputs.set(step.id, 'was cancelled');
      continue;
    }
    const outcome = await previewStep(step, resolved, session, ctx.online === true);
    rememberOutputs(session, step, outcome);
    if (outcome.status === 'failed' && !step.continueOnError) failed = true;
  }
  // onFailure is previewed as it would run (after a failure), finally as after a run that succeeded.
  for (const part of ['onFailure', 'finally'] as const) {
    session.scope.run = { status: part === 'onFailure' ? 'failed' : 'succeeded' };
    for (const step of ctx.runbook[part] ?? []) {
      const resolved: ResolvedStep = { ...expand(session, step), part };
      if (session.stop.aborted) {
        notStartedStep(step, resolved, 'cancelled', 'the run was cancelled before this step started', session);
        continue;
      }
      rememberOutputs(session, step, await previewStep(step, resolved, session, ctx.online === true));
    }
  }
  return closeSession(session, failed);
}

async function previewStep(step: StepSpec, resolved: ResolvedStep, session: Session, online: boolean): Promise<StepOutcome> {
  const t0 = performance.now();
  const count = resolved.operations.length;
  const budget = new FailureBudget(maxErrorsFor(step.maxErrors, count));
  session.sink.emit({
    type: 'step',
    id: step.id,
    startedAt: new Date().toISOString(),
    keys: resolved.operations.map((o) => o.key),
    maxErrors: budget.allowed,
  });
  if (resolved.disposition !== 'planned') return unplannedStep(step, resolved, session);

  const registered = session.ctx.registry.action(step.action)!;
  const target: OperationTarget = {
    step,
    action: registered.definition,
    plugin: registered.source !== 'builtin',
    connection: step.connection === undefined ? undefined : session.ctx.connections.get(step.connection),
    readOnly: true,
  };
  const width = Math.min(step.concurrency ?? session.globalCap, session.globalCap);
  const tally: StepTally = { budget, summary: emptyCounts(), t0, large: count > MAX_OPERATIONS_WITH_OUTPUTS };
  const emit = (record: OperationRecord): void => {
    tally.summary.total += 1;
    tally.summary[record.status] += 1;
    session.sink.emit({ type: 'op', step: step.id, record });
  };

  if (online && !target.action.mutates) {
    session.sink.stepPlanned?.({ ...resolved, operations: await runReadOnly(resolved.operations, target, session, width, tally, emit) });
  } else {
    const operations = online ? await probeAll(resolved.operations, target, session, width) : resolved.operations;
    session.sink.stepPlanned?.({ ...resolved, operations });
    for (const op of operations) {
      const record = previewRecord(op);
      if (record.status === 'failed') budget.recordFailure();
      emit(record);
    }
  }
  return endStep(step, session, tally);
}

/**
 * Runs a read-only step during an online preview: its outcome is known, not predicted. Returns the
 * operations with that outcome as their prediction, and keeps their outputs in `tally`.
 */
async function runReadOnly(
  operations: readonly ResolvedOperation[],
  target: OperationTarget,
  session: Session,
  width: number,
  tally: StepTally,
  emit: (record: OperationRecord) => void,
): Promise<ResolvedOperation[]> {
  const outputs: (Record<string, unknown> | undefined)[] = new Array(operations.length);
  const previewed = operations.slice();
  tally.outputs = outputs;
  await runLoop({
    count: operations.length,
    width,
    stop: session.stop,
    budget: tally.budget,
    item: async (i, hold) => {
      const op = operations[i]!;
      const { record, outputs: produced } = notSent(op, hold, target, tally.budget, undefined) ?? (await runOperation(op, target, session));
      outputs[i] = produced;
      previewed[i] = {
        ...op,
        prediction:
          record.status === 'failed'
            ? { outcome: 'would fail', reason: record.error?.message ?? 'failed' }
            : { outcome: 'unchanged', reason: 'read-only; it ran during this preview' },
      };
      emit(record);
      return record.status === 'failed';
    },
  });
  return previewed;
}

/** Asks the action to predict each operation, with a client that can only read: the operations with their predictions. */
async function probeAll(
  operations: readonly ResolvedOperation[],
  target: OperationTarget,
  session: Session,
  width: number,
): Promise<ResolvedOperation[]> {
  const predicted = operations.slice();
  await runLoop({
    count: operations.length,
    width,
    // Predicting sends nothing that changes anything: every operation is predicted, whatever happens.
    stop: new AbortController().signal,
    budget: new FailureBudget(Infinity),
    item: async (i) => {
      predicted[i] = await predict(operations[i]!, target, session);
      return false;
    },
  });
  return predicted;
}

async function predict(op: ResolvedOperation, target: OperationTarget, session: Session): Promise<ResolvedOperation> {
  const { action, connection } = target;
  if (op.error) return { ...op, prediction: { outcome: 'would fail', reason: op.error.message } };
  if (!action.probe || !connection)
    return { ...op, prediction: { outcome: 'unknown until run', reason: `${action.name} cannot predict its outcome` } };
  try {
    const p = await probeOperation(op, target, session);
    const prediction = { outcome: p.outcome, reason: String(p.reason) };
    if (!p.request) return { ...op, prediction };
    // The probe knows the request exactly (an alias it resolved, say): show that one.
    const { unresolved: _known, ...rest } = op;
    return { ...rest, requests: [previewRequest(p.request, connection)], prediction };
  } catch (e) {
    return { ...op, prediction: { outcome: 'would fail', reason: messageOf(e) } };
  }
}

/** What a preview records for an operation: the request it would send and, online, the prediction. */
function previewRecord(op: ResolvedOperation): OperationRecord {
  if (op.error) return { key: op.key, status: 'failed', attempts: 0, durationMs: 0, error: op.error };
  const why = op.prediction
    ? `${op.prediction.outcome}: ${op.prediction.reason}`
    : op.unresolved
      ? `unknown until run: ${op.unresolved}`
      : 'nothing sent';
  const record: OperationRecord = { key: op.key, status: 'skipped', attempts: 0, durationMs: 0, reason: `dry run: ${why}` };
  const last = op.requests.at(-1);
  if (last) record.request = last;
  return record;
}
