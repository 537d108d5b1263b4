// Runs a runbook: steps in order, the operations of a step concurrently under the step's and the run's
// caps, each operation's failure counted against the step's budget. Knows nothing of any vendor.
// Everything that happens is emitted as journal events; the report is the fold of those events.

import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ActionDefinition, Operation, RunContext } from '../contracts/action.js';
import type { Registry } from '../actions/registry.js';
import type { OperationTrace } from '../connections/transport.js';
import type { HttpClient, RetryPolicy } from '../contracts/connection.js';
import { RunbookError, isRunbookError } from '../errors.js';
import { expandStep, messageOf, pluginNameOf, previewRequest, toOperationError, type ConnectionView, type SecretInput } from '../plan/expand.js';
import type { ResolvedOperation, ResolvedStep } from '../plan/types.js';
import { DEFAULTS, type Runbook, type StepSpec } from '../runbook/model.js';
import type { Scope } from '../runbook/expressions.js';
import type { Redactor } from '../secrets/redactor.js';
import { ReportBuilder } from '../report/builder.js';
import type { JournalEvent, JournalSink } from '../report/journal.js';
import {
  MAX_OPERATIONS_WITH_OUTPUTS,
  countOperations,
  emptyCounts,
  type OperationRecord,
  type RunReport,
  type StepRecord,
  type StatusCounts,
  type StepStatus,
} from '../report/types.js';
import { spilledOperations } from '../report/spilled.js';
import { copyData } from '../common/plain-data.js';
import { formatDuration } from '../common/durations.js';
import { FailureBudget, maxErrorsFor } from './failure-budget.js';
import { OperationDeadlines, type OperationGuard } from './operation-deadlines.js';
import { stepOutputs, stepsReadByOthers, toPlainJson } from './outputs.js';
import { rolloutBatches } from './rollout.js';

/** What the executor needs of an open connection. */
export interface RunConnection extends ConnectionView {
  client(options: { timeoutMs: number; retry: RetryPolicy; signal: AbortSignal; trace: OperationTrace; readOnly?: boolean }): HttpClient;
}

/** Operations a resumed run does not send again, by key, with the outcome they had. */
export interface ResumeFrom {
  runId: string;
  done: ReadonlyMap<string, 'changed' | 'unchanged'>;
}

export interface ExecuteOptions {
  runbook: Runbook;
  registry: Registry;
  /** Resolved params (already checked against their declarations). */
  params: Record<string, unknown>;
  env: Record<string, string | undefined>;
  /**
   * `run` sends requests. `dry-run` expands and records what would be sent and sends nothing, unless
   * `online` is set: then read-only steps really run and probes predict each operation, with a client
   * that refuses anything but GET.
   */
  mode: 'run' | 'dry-run';
  online?: boolean;
  connections: ReadonlyMap<string, RunConnection>;
  /** Overrides the runbook's global concurrency. */
  concurrency?: number;
  log: Logger;
  redactor: Redactor;
  /** Once aborted, no new operation starts. */
  stop?: AbortSignal;
  /** Once aborted, operations in flight are aborted too. */
  abort?: AbortSignal;
  /** The name of the signal that stopped the run, for the report. */
  interruptedBy?: () => string | undefined;
  /** Receives every event as it happens (the journal). */
  journal?: JournalSink;
  /** Skip the operations a previous run completed. */
  resume?: ResumeFrom;
  /** Execute these expansions instead of expanding the steps again (`apply` of a saved plan). */
  planned?: ReadonlyMap<string, ResolvedStep>;
  /** Called as each operation ends (the console line hangs off it). */
  onOperation?: (step: StepSpec, record: OperationRecord) => void;
  /**
   * Called when a step starts running its operations. In a run, each operation is released from
   * `resolved.operations` once it has finished (a step may have 100,000): read them here, not later.
   */
  onStepStart?: (step: StepSpec, resolved: ResolvedStep) => void;
  /** Called for every environment value that reaches an operation's inputs as a secret (after the redactor has it). */
  onSecretInput?: (found: SecretInput) => void;
  /** Called when a step's operations are known (after probes, in an online preview). */
  onStepPlanned?: (step: StepSpec, resolved: ResolvedStep) => void;
  onStepEnd?: (record: StepRecord) => void;
  /** The run id; a fresh UUID by default. */
  runId?: string;
}

/** Executes the runbook and returns its report. Never throws for a failure of the run itself. */
export async function executeRunbook(options: ExecuteOptions): Promise<RunReport> {
  const { runbook, mode } = options;
  const stop = options.stop ?? new AbortController().signal;
  const abort = runScopedSignal(options.abort);
  const builder = new ReportBuilder();
  // Every event goes to the journal; the report folds all but the operations of a running step, whose
  // records the step hands over whole when it ends (see ReportBuilder.handOver).
  const emit = (event: JournalEvent, inReport: JournalEvent | null = event) => {
    options.journal?.write(event);
    if (inReport !== null) builder.apply(inReport);
  };
  const t0 = performance.now();
  const globalCap = options.concurrency ?? runbook.concurrency;
  const scope: Scope = { params: options.params, env: options.env, steps: {} };
  // Steps without outputs, with why; in a run, a step that reads them fails (UNRESOLVED_INPUT).
  const unknownOutputs = new Map<string, string>();
  const deadlines = new OperationDeadlines(abort.signal, operationTimedOut);
  const ctx: StepRunContext = { ...options, stop, abort: abort.signal, emit, builder, globalCap, readLater: stepsReadByOthers(runbook.steps), deadlines };
  // Environment values that reach a request's headers or body are secrets from the moment they are read.
  const onSecretInput = (found: SecretInput): void => {
    options.redactor.add(found.value);
    options.onSecretInput?.(found);
  };

  emit({
    type: 'run',
    journalVersion: 1,
    runId: options.runId ?? randomUUID(),
    runbook: { name: runbook.name, file: runbook.file, sha256: runbook.sha256, ...(runbook.description !== undefined ? { description: runbook.description } : {}) },
    mode,
    params: options.params,
    startedAt: new Date().toISOString(),
    steps: runbook.steps.map((s) => ({
      id: s.id,
      ...(s.name !== undefined ? { name: s.name } : {}),
      ...(s.description !== undefined ? { description: s.description } : {}),
      action: s.action,
      ...(s.connection !== undefined ? { connection: s.connection } : {}),
    })),
    ...(options.resume ? { resumedFrom: options.resume.runId } : {}),
  });

  let halted: string | undefined;
  let failed = false;
  for (const step of runbook.steps) {
    const resolved =
      options.planned?.get(step.id) ??
      expandStep(step, {
        registry: options.registry,
        scope,
        connections: options.connections,
        unknownOutputs,
        previews: mode === 'dry-run',
        running: mode === 'run',
        onSecretInput,
      });
    if (halted !== undefined || stop.aborted) {
      const reason = stop.aborted ? 'the run was cancelled before this step started' : halted!;
      const record = notStartedStep(step, resolved, stop.aborted ? 'cancelled' : 'skipped', reason, ctx);
      options.onStepEnd?.(record);
      unknownOutputs.set(step.id, `was ${record.status}`);
      continue;
    }
    const record = await runStep(step, resolved, ctx);
    options.onStepEnd?.(record);
    if (record.outputs !== undefined) scope.steps[step.id] = { outputs: record.outputs };
    else if (mode === 'dry-run' || record.status !== 'succeeded' || noneSucceeded(record.summary)) unknownOutputs.set(step.id, noOutputsBecause(record));
    else scope.steps[step.id] = { outputs: {} };
    if (record.status === 'failed' && !step.continueOnError) {
      failed = true;
      // A preview goes on, so that it shows every step; a run stops here.
      if (mode === 'run') halted = `step '${step.id}' failed and it does not set continueOnError`;
    }
  }
  // Operations are over; the caller's signal must not keep a listener of this run.
  abort.dispose();
  deadlines.dispose();

  const signal = options.interruptedBy?.();
  emit({
    type: 'end',
    status: stop.aborted ? 'cancelled' : failed ? 'failed' : 'succeeded',
    finishedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - t0),
    ...(signal !== undefined ? { signal } : {}),
  });
  return builder.build();
}

/** True for a step that had operations, none of which ended changed or unchanged: it has no outputs. */
function noneSucceeded(summary: StatusCounts): boolean {
  return summary.total > 0 && summary.changed + summary.unchanged === 0;
}

/** Why a step left no outputs, for the error of a step that reads them. */
function noOutputsBecause(record: StepRecord): string {
  if (noneSucceeded(record.summary)) return `${record.status === 'failed' ? 'failed, and' : 'succeeded within its budget, but'} none of its operations succeeded`;
  return `was ${record.status}`;
}

interface StepRunContext extends ExecuteOptions {
  stop: AbortSignal;
  abort: AbortSignal;
  emit: (event: JournalEvent, inReport?: JournalEvent | null) => void;
  builder: ReportBuilder;
  globalCap: number;
  /** Steps whose outputs a step reads: a large step keeps its outputs in memory only for these. */
  readLater: { has(id: string): boolean };
  /** Every operation's deadline (the step's operationTimeout). */
  deadlines: OperationDeadlines;
}

/** Why an operation is stopped at its deadline. */
function operationTimedOut(timeoutMs: number, action: string): RunbookError {
  return new RunbookError(
    'TIMEOUT',
    `action ${action} did not finish within its operationTimeout of ${formatDuration(timeoutMs)}; it was stopped (raise the step's operationTimeout if it needs longer)`,
    { details: { operationTimeoutMs: timeoutMs } },
  );
}

/**
 * The signal every operation of the run listens to: it follows the caller's `abort`. Every request in
 * flight adds a listener to it, so it allows any number (the caller's own signal would warn past 10).
 */
function runScopedSignal(outer: AbortSignal | undefined): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  if (!outer) return { signal: controller.signal, dispose: () => undefined };
  const follow = (): void => controller.abort(outer.reason);
  if (outer.aborted) follow();
  else outer.addEventListener('abort', follow, { once: true });
  return { signal: controller.signal, dispose: () => outer.removeEventListener('abort', follow) };
}

/**
 * Calls `fn` for every index in [from, to), in order, at most `width` at once. Steps run one after the
 * other, so the step's cap (never above the run's) is the only limit. A few workers rather than a promise
 * per operation: a step of 100,000 operations queues nothing.
 */
async function forEachConcurrently(from: number, to: number, width: number, fn: (index: number) => Promise<void>): Promise<void> {
  let next = from;
  const worker = async (): Promise<void> => {
    while (next < to) {
      const index = next;
      next += 1;
      await fn(index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(0, Math.min(width, to - from)) }, worker));
}

/** A step that will not run: its operations (when they could be expanded) are accounted as skipped. */
function notStartedStep(step: StepSpec, resolved: ResolvedStep, status: StepStatus, reason: string, ctx: StepRunContext): StepRecord {
  const records: OperationRecord[] = resolved.operations.map((op) => ({ key: op.key, status: 'skipped', attempts: 0, durationMs: 0, reason }));
  ctx.emit({ type: 'step', id: step.id, startedAt: new Date().toISOString(), keys: records.map((r) => r.key) });
  for (const record of records) ctx.emit({ type: 'op', step: step.id, record });
  ctx.emit({ type: 'stepEnd', id: step.id, status, reason, durationMs: 0 });
  return stepRecordOf(step, status, reason, records);
}

async function runStep(step: StepSpec, resolved: ResolvedStep, ctx: StepRunContext): Promise<StepRecord> {
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const operations = resolved.operations;
  const budget = new FailureBudget(maxErrorsFor(step.maxErrors, operations.length));
  ctx.emit({ type: 'step', id: step.id, startedAt, keys: operations.map((o) => o.key), maxErrors: budget.allowed });

  if (resolved.disposition !== 'planned') {
    ctx.onStepPlanned?.(step, resolved);
    const status: StepStatus = resolved.disposition === 'failed' ? 'failed' : 'skipped';
    const reason = resolved.reason ?? resolved.disposition;
    const end = {
      type: 'stepEnd' as const,
      id: step.id,
      status,
      reason,
      durationMs: 0,
      ...(status === 'failed' && step.continueOnError ? { continueOnError: true } : {}),
      ...(status === 'failed' && resolved.error ? { error: resolved.error } : {}),
    };
    ctx.emit(end);
    const record = stepRecordOf(step, status, reason, []);
    if (end.continueOnError) record.continueOnError = true;
    if (end.error) record.error = end.error;
    return record;
  }

  const registered = ctx.registry.action(step.action)!;
  const action = registered.definition;
  const connection = step.connection === undefined ? undefined : ctx.connections.get(step.connection);
  const executes = ctx.mode === 'run' || (ctx.online === true && !action.mutates);
  const probes = ctx.mode === 'dry-run' && ctx.online === true && action.mutates;
  const width = Math.min(step.concurrency ?? ctx.globalCap, ctx.globalCap);
  // A large step that runs with a journal on disk leaves its records there (where each line is, is all it
  // keeps) and reads them back for the report; otherwise it keeps them here.
  const journal = ctx.journal;
  const spill =
    operations.length > MAX_OPERATIONS_WITH_OUTPUTS && executes && ctx.mode === 'run' && journal?.file !== undefined && journal.position !== undefined
      ? { file: journal.file, offsets: new Float64Array(operations.length), lengths: new Uint32Array(operations.length), unwritten: new Map<number, OperationRecord>() }
      : undefined;
  const records: OperationRecord[] = spill ? [] : new Array(operations.length);
  const counts = emptyCounts();
  // The operations of a large step keep their outputs in the journal only; they are kept here too when a
  // later step reads them.
  const large = operations.length > MAX_OPERATIONS_WITH_OUTPUTS;
  const outputs: (Record<string, unknown> | undefined)[] | undefined = !large || ctx.readLater.has(step.id) ? new Array(operations.length) : undefined;

  if (probes) await probeAll(step, action, operations, connection, width, ctx);
  if (ctx.mode === 'dry-run') ctx.onStepPlanned?.(step, resolved);
  ctx.onStepStart?.(step, resolved);

  // A run owns its expansion (a saved plan's belongs to the caller): each operation is let go once it has
  // finished, so that a large step does not hold every operation's inputs to its end.
  const release: (ResolvedOperation | undefined)[] | undefined = ctx.mode === 'run' && !ctx.planned?.has(step.id) ? operations : undefined;
  const runOne = async (i: number): Promise<void> => {
    const op = operations[i]!;
    const { record, outputs: produced } = executes
      ? await runOperation(op, step, action, registered.source, connection, budget, ctx)
      : { record: previewRecord(op), outputs: undefined };
    if (record.status === 'failed') budget.recordFailure();
    if (executes && ctx.mode === 'dry-run') {
      // A read-only step that really ran during an online preview: its outcome is known, not predicted.
      op.prediction =
        record.status === 'failed'
          ? { outcome: 'would fail', reason: record.error?.message ?? 'failed' }
          : { outcome: 'unchanged', reason: 'read-only; it ran during this preview' };
    }
    if (outputs) outputs[i] = produced;
    counts.total += 1;
    counts[record.status] += 1;
    // The record with its outputs is for the journal, the console and a small step's report: with none of
    // them (a large step run without a report), neither it nor the journal event is made.
    const full = produced === undefined || !(journal || ctx.onOperation || !large) ? record : withOutputs(record, produced);
    if (spill) {
      const at = journal!.position!;
      ctx.emit({ type: 'op', step: step.id, record: full }, null);
      // A journal that could not take the line (a full disk) leaves the record here.
      if (journal!.position === at) spill.unwritten.set(i, record);
      spill.offsets[i] = at;
      spill.lengths[i] = journal!.position! - at - 1; // without the newline
    } else {
      // A large step keeps the record without its outputs (they are in the journal).
      records[i] = large ? record : full;
      if (journal) ctx.emit({ type: 'op', step: step.id, record: full }, null);
    }
    ctx.onOperation?.(step, full);
    if (release) release[i] = undefined;
  };

  const batches = step.rollout && executes ? rolloutBatches(step.rollout.batches, operations.length) : [operations.length];
  let start = 0;
  for (const [n, end] of batches.entries()) {
    if (n > 0 && step.rollout && step.rollout.pauseBetweenMs > 0 && !budget.broken && !ctx.stop.aborted) {
      ctx.log.info({ step: step.id, batch: n + 1, pauseMs: step.rollout.pauseBetweenMs }, 'pausing between rollout batches');
      await delay(step.rollout.pauseBetweenMs, undefined, { signal: ctx.stop }).catch(() => undefined);
    }
    await forEachConcurrently(start, end, width, runOne);
    start = end;
  }

  const summary = counts;
  // The report takes the step's records as they are, in order, rather than folding each op event.
  const recorded = spill ? spilledOperations(spill) : records;
  ctx.builder.handOver(step.id, recorded, summary);
  const failed = budget.broken;
  const status: StepStatus = failed ? 'failed' : ctx.stop.aborted && summary.skipped > 0 ? 'cancelled' : 'succeeded';
  const record = stepRecordOf(step, status, undefined, recorded, summary);
  record.startedAt = startedAt;
  record.durationMs = Math.round(performance.now() - t0);
  record.maxErrors = budget.allowed;
  record.summary = summary;
  if (failed) {
    record.reason = `${budget.failures} of ${operations.length} operations failed; maxErrors allows ${budget.allowed}`;
    if (step.continueOnError) record.continueOnError = true;
  } else if (status === 'cancelled') {
    record.reason = 'the run was cancelled while this step was running';
  }
  // A step that failed partly still gives later steps the outputs of the operations that succeeded;
  // when none succeeded, it has no outputs.
  if (executes && outputs && (status === 'succeeded' || failed) && !noneSucceeded(summary)) {
    const stepLevel = stepOutputs(step, outputs);
    if (stepLevel !== undefined) record.outputs = stepLevel;
  }
  ctx.emit({
    type: 'stepEnd',
    id: step.id,
    status,
    durationMs: record.durationMs,
    ...(record.reason !== undefined ? { reason: record.reason } : {}),
    ...(record.continueOnError ? { continueOnError: true } : {}),
    ...(record.outputs !== undefined && !large ? { outputs: record.outputs } : {}),
  });
  return record;
}

function stepRecordOf(
  step: StepSpec,
  status: StepStatus,
  reason: string | undefined,
  operations: OperationRecord[],
  summary: StatusCounts = countOperations(operations),
): StepRecord {
  return {
    id: step.id,
    ...(step.name !== undefined ? { name: step.name } : {}),
    ...(step.description !== undefined ? { description: step.description } : {}),
    action: step.action,
    ...(step.connection !== undefined ? { connection: step.connection } : {}),
    status,
    ...(reason !== undefined ? { reason } : {}),
    durationMs: 0,
    summary,
    operations,
  };
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

/** Asks the action to predict each operation, with a client that can only read. */
async function probeAll(
  step: StepSpec,
  action: ActionDefinition,
  operations: ResolvedOperation[],
  connection: RunConnection | undefined,
  width: number,
  ctx: StepRunContext,
): Promise<void> {
  const probe = action.probe;
  await forEachConcurrently(0, operations.length, width, async (i) => {
    const op = operations[i]!;
    if (op.error) {
      op.prediction = { outcome: 'would fail', reason: op.error.message };
      return;
    }
    if (!probe || !connection) {
      op.prediction = { outcome: 'unknown until run', reason: `${action.name} cannot predict its outcome` };
      return;
    }
    const plugin = pluginNameOf(ctx.registry, action.name) !== undefined;
    const timeoutMs = step.operationTimeoutMs ?? DEFAULTS.operationTimeoutMs;
    const guard = ctx.deadlines.start(timeoutMs, action.name);
    const { ctx: runCtx } = operationContext(op, step, connection, ctx, true, guard);
    try {
      const p = await Promise.race([probe(operationOf(op, plugin), runCtx), guard.stopped]);
      op.prediction = { outcome: p.outcome, reason: String(p.reason) };
      if (p.request) {
        // The probe knows the request exactly (an alias it resolved, say): show that one.
        op.requests = [previewRequest(p.request, connection)];
        delete op.unresolved;
      }
    } catch (e) {
      op.prediction = { outcome: 'would fail', reason: messageOf(e) };
    } finally {
      ctx.deadlines.settle(guard);
    }
  });
}

/** A plugin gets its own copy of the inputs and item: what it changes in them reaches nothing else. */
function operationOf(op: ResolvedOperation, plugin: boolean): Operation {
  const operation: Operation = { key: op.key, inputs: plugin ? copyData(op.inputs) : op.inputs };
  if (op.index !== undefined) {
    operation.item = plugin ? copyData(op.item) : op.item;
    operation.index = op.index;
  }
  return operation;
}

function operationContext(
  op: ResolvedOperation,
  step: StepSpec,
  connection: RunConnection | undefined,
  ctx: StepRunContext,
  readOnly: boolean,
  guard: OperationGuard,
): { ctx: RunContext; trace: OperationTrace } {
  const trace: OperationTrace = { attempts: 0, requests: 0 };
  const http = connection
    ? connection.client({
        timeoutMs: step.timeoutMs ?? DEFAULTS.timeoutMs,
        retry: step.retry ?? DEFAULTS.retry,
        signal: guard.signal,
        trace,
        readOnly,
      })
    : noConnectionClient(step.action);
  return { trace, ctx: operationRunContext(step.id, http, ctx, op.key, guard.signal) };
}

/**
 * What an action's `run` and `probe` get. `signal` is the operation's: aborted at its deadline or when the
 * run is aborted. The logger is made on first use: most operations never log.
 */
function operationRunContext(stepId: string, http: HttpClient, run: StepRunContext, key: string, signal: AbortSignal): RunContext {
  let log: Logger | undefined;
  return {
    step: { id: stepId },
    http,
    signal,
    sleep: (ms) => delay(ms, undefined, { signal }),
    get log(): Logger {
      log ??= run.log.child({ step: stepId, operation: key });
      return log;
    },
  };
}

let isoMs = -1;
let isoText = '';

/** The time as ISO text, formatted once per millisecond: operations that start together share it. */
function isoNow(): string {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}

/** An operation's record, and the outputs its action returned (kept apart: a large step does not keep them). */
interface Finished {
  record: OperationRecord;
  outputs: Record<string, unknown> | undefined;
}

async function runOperation(
  op: ResolvedOperation,
  step: StepSpec,
  action: ActionDefinition,
  source: string,
  connection: RunConnection | undefined,
  budget: FailureBudget,
  ctx: StepRunContext,
): Promise<Finished> {
  if (op.error) return notRun({ key: op.key, status: 'failed', attempts: 0, durationMs: 0, error: op.error });
  const done = ctx.resume?.done.get(op.key);
  if (done !== undefined && action.mutates) return skipped(op, `done in run ${ctx.resume!.runId} (${done}); not sent again`);
  if (ctx.stop.aborted) return skipped(op, 'the run was cancelled before this operation started');
  if (budget.broken) return skipped(op, `not started: step '${step.id}' exceeded its failure budget (maxErrors ${budget.allowed})`);

  const startedAt = isoNow();
  const t0 = performance.now();
  const plugin = source !== 'builtin';
  // The engine's deadline: the operation ends at it even if the action's promise never settles.
  const guard = ctx.deadlines.start(step.operationTimeoutMs ?? DEFAULTS.operationTimeoutMs, action.name);
  const { ctx: runCtx, trace } = operationContext(op, step, connection, ctx, ctx.mode !== 'run', guard);
  let status: OperationRecord['status'];
  let outputs: Record<string, unknown> | undefined;
  let error: OperationRecord['error'];
  try {
    const result = await Promise.race([action.run(operationOf(op, plugin), runCtx), guard.stopped]);
    const checked = checkRunResult(result, action.name, plugin);
    status = checked.status;
    outputs = checked.outputs;
  } catch (e) {
    status = 'failed';
    error =
      ctx.abort.aborted && !(isRunbookError(e) && e.code !== 'CANCELLED' && e.code !== 'INTERNAL')
        ? { code: 'CANCELLED', message: 'aborted: the run was cancelled while this operation was in flight' }
        : toOperationError(e, plugin ? pluginNameOf(ctx.registry, action.name) : undefined);
    if (plugin && error.details !== undefined) {
      // What a plugin put in its error goes into the report and journal: plain JSON data, or nothing.
      const details = toPlainJson(error.details);
      if ('data' in details && details.data !== null && typeof details.data === 'object') error.details = details.data as Record<string, unknown>;
      else delete error.details;
    }
  } finally {
    ctx.deadlines.settle(guard);
  }
  const durationMs = Math.round(performance.now() - t0);
  const attempts = trace.attempts;
  const request = trace.request && (trace.request.body === undefined ? trace.request : { method: trace.request.method, url: trace.request.url });
  const response = trace.response;
  // Built whole, in one literal, in the common case: a record that gains properties one by one keeps them
  // in a separate array, and a large step holds 100,000 records to its end.
  let record: OperationRecord;
  if (error === undefined && request !== undefined && response !== undefined) {
    record = { key: op.key, status, attempts, durationMs, startedAt, request, response };
  } else {
    record = { key: op.key, status, attempts, durationMs, startedAt };
    if (error !== undefined) record.error = error;
    if (request !== undefined) record.request = request;
    if (response !== undefined) record.response = response;
  }
  // Outcomes are info: the console already shows them; warn is kept for what needs a person's attention.
  if (ctx.log.isLevelEnabled('info')) {
    runCtx.log.info(
      { status, ms: durationMs, attempts, ...(error ? { code: error.code, error: error.message } : {}) },
      'operation finished',
    );
  }
  return { record, outputs };
}

function notRun(record: OperationRecord): Finished {
  return { record, outputs: undefined };
}

function skipped(op: ResolvedOperation, reason: string): Finished {
  return notRun({ key: op.key, status: 'skipped', attempts: 0, durationMs: 0, reason });
}

/** The record with its outputs, in the order of the report's fields (outputs after startedAt). */
function withOutputs(record: OperationRecord, outputs: Record<string, unknown>): OperationRecord {
  const { key, status, attempts, durationMs, startedAt, error, request, response, reason } = record;
  const full: OperationRecord = { key, status, attempts, durationMs };
  if (startedAt !== undefined) full.startedAt = startedAt;
  full.outputs = outputs;
  if (error !== undefined) full.error = error;
  if (request !== undefined) full.request = request;
  if (response !== undefined) full.response = response;
  if (reason !== undefined) full.reason = reason;
  return full;
}

/**
 * An action's `run` must resolve to `{ status: 'changed' | 'unchanged', outputs? }`. A plugin's outputs are
 * made plain JSON data here, once: what cannot become JSON fails the operation, not the report or journal.
 */
function checkRunResult(
  result: unknown,
  actionName: string,
  plugin: boolean,
): { status: 'changed' | 'unchanged'; outputs?: Record<string, unknown> } {
  const r = result as { status?: unknown; outputs?: unknown } | null | undefined;
  if (r === null || typeof r !== 'object' || (r.status !== 'changed' && r.status !== 'unchanged')) {
    let shown: string;
    try {
      shown = JSON.stringify(result) ?? String(result);
    } catch {
      shown = String(result);
    }
    throw new RunbookError(
      'PLUGIN_ERROR',
      `action ${actionName} returned ${shown.slice(0, 200)}; run() must return { status: 'changed' | 'unchanged', outputs? }`,
      { details: { action: actionName } },
    );
  }
  if (r.outputs !== undefined && (r.outputs === null || typeof r.outputs !== 'object' || Array.isArray(r.outputs))) {
    throw new RunbookError('PLUGIN_ERROR', `action ${actionName} returned outputs that are not an object`, {
      details: { action: actionName },
    });
  }
  if (!plugin || r.outputs === undefined) return r as { status: 'changed' | 'unchanged'; outputs?: Record<string, unknown> };
  const plain = toPlainJson(r.outputs);
  if ('reason' in plain) {
    throw new RunbookError('PLUGIN_ERROR', `action ${actionName} returned outputs that are not JSON data: ${plain.reason}`, {
      details: { action: actionName },
    });
  }
  return { status: r.status, outputs: plain.data as Record<string, unknown> };
}

function noConnectionClient(actionName: string): HttpClient {
  return {
    baseUrl: '',
    request: () =>
      Promise.reject(
        new RunbookError('CONNECTION_REQUIRED', `action ${actionName} declares no connection type, so it cannot send requests`),
      ),
  };
}
