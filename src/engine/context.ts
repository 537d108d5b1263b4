// What a run or a preview is given (a small context) and where everything it does goes (an event sink),
// and the state both keep while they go through the steps: signals, deadlines, the outputs later steps read.

import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { Registry } from '../actions/registry.js';
import type { StopSignal } from '../connections/stop-signal.js';
import type { OperationTrace } from '../connections/transport.js';
import type { HttpClient, RetryPolicy } from '../contracts/connection.js';
import { RunbookError } from '../errors.js';
import { expandStep, type ConnectionView, type SecretInput } from '../plan/expand.js';
import type { ResolvedStep } from '../plan/types.js';
import type { JournalEvent, StepOutline } from '../report/events.js';
import type { OperationError } from '../plan/types.js';
import type { RunStatus, StatusCounts, StepStatus } from '../report/types.js';
import { formatDuration } from '../common/durations.js';
import type { Scope } from '../runbook/expressions.js';
import type { Runbook, StepSpec } from '../runbook/model.js';
import type { Redactor } from '../secrets/redactor.js';
import { OperationDeadlines } from './operation-deadlines.js';

/** What the engine needs of an open connection. */
export interface RunConnection extends ConnectionView {
  client(options: { timeoutMs: number; retry: RetryPolicy; signal: StopSignal; trace: OperationTrace; readOnly?: boolean }): HttpClient;
}

/** Operations a resumed run does not send again, by key, with the outcome they had. */
export interface ResumeFrom {
  runId: string;
  done: ReadonlyMap<string, 'changed' | 'unchanged'>;
}

/** How a run is interrupted from outside. */
export interface RunSignals {
  /** Once aborted, no new operation starts. */
  stop?: AbortSignal;
  /** Once aborted, operations in flight are aborted too. */
  abort?: AbortSignal;
  /** The name of the signal that stopped the run, for the report. */
  interruptedBy?: () => string | undefined;
  /**
   * Aborted by a signal from outside only (not by a journal that cannot be written), when `stop` is also
   * aborted for other reasons: onFailure steps start no new operation once it is. `stop` by default.
   */
  interrupt?: AbortSignal;
}

/** What a run (`executeRunbook`) or a preview (`previewRunbook`) is given. */
export interface ExecuteContext {
  runbook: Runbook;
  registry: Registry;
  /** Resolved params (already checked against their declarations). */
  params: Record<string, unknown>;
  env: Record<string, string | undefined>;
  connections: ReadonlyMap<string, RunConnection>;
  log: Logger;
  redactor: Redactor;
  /** Overrides the runbook's global concurrency. */
  concurrency?: number;
  signals?: RunSignals;
  /** Called for every environment value that reaches an operation's inputs as a secret (after the redactor has it). */
  onSecretInput?: (found: SecretInput) => void;
  /** The run id; a fresh UUID by default. */
  runId?: string;
}

/**
 * Where a run's events go, in order: the journal and the report's fold (report/builder.ts), and the
 * console. The optional calls are for the console only; the report never depends on them.
 */
export interface EventSink {
  emit(event: JournalEvent): void;
  /** A run's step starts its operations. */
  stepStarted?(step: StepSpec, operations: number): void;
  /** A core.revert step starts undoing `undoes`, the main steps it runs the inverse of, in that order. */
  revertStarted?(step: StepSpec, undoes: readonly string[]): void;
  /** One of a running step's operations starts (its record follows in an `op` event when it ends). */
  operationStarted?(): void;
  /** A preview's step is known: its operations, with what the preview predicts of them. */
  stepPlanned?(step: ResolvedStep): void;
}

/** How a step ended, as far as the steps after it are concerned. */
export interface StepOutcome {
  status: StepStatus;
  summary: StatusCounts;
  outputs?: Record<string, unknown>;
  /** Why it failed, in words. */
  reason?: string;
}

/**
 * An operation of a main step that ended `changed`, kept for core.revert and `steps.<id>.changed`; for a
 * step that changes nothing but can be undone (a wait), one that ended `unchanged` too.
 */
export interface ChangedOperation {
  key: string;
  status: 'changed' | 'unchanged';
  /** What `steps.<id>.changed` lists for it: its forEach item, or its inputs in a step without forEach. */
  item: unknown;
  outputs: Record<string, unknown> | undefined;
}

/** The state of a run or a preview while it goes through the steps. */
export interface Session {
  ctx: ExecuteContext;
  sink: EventSink;
  mode: 'run' | 'dry-run';
  stop: AbortSignal;
  /** The signal every operation listens to: follows the caller's `abort`. */
  abort: AbortSignal;
  deadlines: OperationDeadlines;
  globalCap: number;
  scope: Scope;
  /** Steps without outputs, with why; in a run, a step that reads them fails (UNRESOLVED_INPUT). */
  unknownOutputs: Map<string, string>;
  /** The changed operations of the main steps that core.revert or `steps.<id>.changed` reads, by step id. */
  changed: Map<string, ChangedOperation[]>;
  t0: number;
  dispose(): void;
}

/** Starts a run or a preview: its signals and deadlines, and the run header event. */
export function openSession(
  ctx: ExecuteContext,
  sink: EventSink,
  mode: 'run' | 'dry-run',
  resumedFrom?: string,
  revertOf?: string,
): Session {
  const { runbook } = ctx;
  const abort = runScopedSignal(ctx.signals?.abort);
  const deadlines = new OperationDeadlines(abort.signal, operationTimedOut);
  const session: Session = {
    ctx,
    sink,
    mode,
    stop: ctx.signals?.stop ?? new AbortController().signal,
    abort: abort.signal,
    deadlines,
    globalCap: ctx.concurrency ?? runbook.concurrency,
    scope: { params: ctx.params, env: ctx.env, steps: {} },
    unknownOutputs: new Map(),
    changed: new Map(),
    t0: performance.now(),
    dispose: () => {
      abort.dispose();
      deadlines.dispose();
    },
  };
  sink.emit({
    type: 'run',
    journalVersion: 1,
    runId: ctx.runId ?? randomUUID(),
    runbook: {
      name: runbook.name,
      file: runbook.file,
      sha256: runbook.sha256,
      ...(runbook.description !== undefined ? { description: runbook.description } : {}),
    },
    mode,
    params: ctx.params,
    startedAt: new Date().toISOString(),
    steps: runbook.steps.map(outlineOf),
    ...(runbook.onFailure !== undefined ? { onFailure: runbook.onFailure.map(outlineOf) } : {}),
    ...(runbook.finally !== undefined ? { finally: runbook.finally.map(outlineOf) } : {}),
    ...(resumedFrom !== undefined ? { resumedFrom } : {}),
    ...(revertOf !== undefined ? { revertOf } : {}),
  });
  return session;
}

function outlineOf(s: StepSpec): StepOutline {
  return {
    id: s.id,
    ...(s.name !== undefined ? { name: s.name } : {}),
    ...(s.description !== undefined ? { description: s.description } : {}),
    action: s.action,
    ...(s.connection !== undefined ? { connection: s.connection } : {}),
  };
}

/** The status of a run's main steps once they are over: what `run.status` reads and the report keeps. */
export function mainStatus(session: Session, failed: boolean): RunStatus {
  return session.stop.aborted ? 'cancelled' : failed ? 'failed' : 'succeeded';
}

/**
 * Ends a run or a preview: releases its signals and deadlines, and emits the end event. `settled` is the
 * status and error decided when the main steps and handlers are over; by default the status of the main steps.
 */
export function closeSession(session: Session, failed: boolean, settled?: { status: RunStatus; error?: OperationError }): RunStatus {
  // Operations are over; the caller's signal must not keep a listener of this run.
  session.dispose();
  const signal = session.ctx.signals?.interruptedBy?.();
  const status: RunStatus = settled?.status ?? mainStatus(session, failed);
  session.sink.emit({
    type: 'end',
    status,
    finishedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - session.t0),
    ...(signal !== undefined ? { signal } : {}),
    ...(settled?.error !== undefined ? { error: settled.error } : {}),
  });
  return status;
}

/** Expands a step against what the steps before it produced. */
export function expand(session: Session, step: StepSpec): ResolvedStep {
  const { ctx } = session;
  return expandStep(step, {
    registry: ctx.registry,
    scope: session.scope,
    connections: ctx.connections,
    unknownOutputs: session.unknownOutputs,
    previews: session.mode === 'dry-run',
    running: session.mode === 'run',
    // Environment values that reach a request's headers or body are secrets from the moment they are read.
    onSecretInput: (found) => {
      ctx.redactor.add(found.value);
      ctx.onSecretInput?.(found);
    },
  });
}

/** Makes a step's outputs visible to the steps after it, or records why there are none. */
export function rememberOutputs(session: Session, step: StepSpec, outcome: StepOutcome): void {
  if (outcome.outputs !== undefined) session.scope.steps[step.id] = { outputs: outcome.outputs };
  else if (session.mode === 'dry-run' || outcome.status !== 'succeeded' || noneSucceeded(outcome.summary)) {
    session.unknownOutputs.set(step.id, noOutputsBecause(outcome));
    session.scope.steps[step.id] = {};
  } else session.scope.steps[step.id] = { outputs: {} };
  rememberStatus(session, step.id, outcome.status);
}

/** Makes a step's status (and, when kept, the items of its changed operations) visible to the steps after it. */
export function rememberStatus(session: Session, id: string, status: StepStatus): void {
  session.scope.steps[id] ??= {};
  const entry = session.scope.steps[id];
  entry.status = status;
  const changed = session.changed.get(id);
  if (changed !== undefined) entry.changed = changed.filter((op) => op.status === 'changed').map((op) => op.item);
}

/** True for a step that had operations, none of which ended changed or unchanged: it has no outputs. */
export function noneSucceeded(summary: StatusCounts): boolean {
  return summary.total > 0 && summary.changed + summary.unchanged === 0;
}

/** Why a step left no outputs, for the error of a step that reads them. */
function noOutputsBecause(outcome: StepOutcome): string {
  if (noneSucceeded(outcome.summary))
    return `${outcome.status === 'failed' ? 'failed, and' : 'succeeded within its budget, but'} none of its operations succeeded`;
  return `was ${outcome.status}`;
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
