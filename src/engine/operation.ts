// One operation: the action's `run` (or `probe`) under the operation's deadline, with the step's HTTP
// client (timeouts and retries), and the record of what happened.

import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ActionDefinition, Operation, Prediction, RunContext } from '../contracts/action.js';
import type { OperationTrace } from '../connections/transport.js';
import type { HttpClient } from '../contracts/connection.js';
import { RunbookError, isRunbookError } from '../errors.js';
import { pluginNameOf, toOperationError } from '../plan/expand.js';
import type { OperationError, ResolvedOperation } from '../plan/types.js';
import type { OperationRecord } from '../report/types.js';
import { DEFAULTS, type StepSpec } from '../runbook/model.js';
import { copyData } from '../common/plain-data.js';
import type { RunConnection, Session } from './context.js';
import type { OperationStop } from './operation-deadlines.js';
import { toPlainJson } from './outputs.js';

/** What an operation runs with: its step, action and connection. */
export interface OperationTarget {
  step: StepSpec;
  action: ActionDefinition;
  /** True for an action a plugin defines: it gets copies of its inputs, and what it returns is checked. */
  plugin: boolean;
  connection: RunConnection | undefined;
  /** A client that refuses anything but GET and HEAD. */
  readOnly: boolean;
}

/**
 * An operation's record (its outputs in it, as the journal and the report write them), and those outputs
 * (which the step keeps only when a later step reads them: a large step does not keep them).
 */
export interface Finished {
  record: OperationRecord;
  outputs: Record<string, unknown> | undefined;
}

/** Runs one operation with the action's `run`. Never throws: a failure is the record's error. */
export async function runOperation(op: ResolvedOperation, target: OperationTarget, session: Session): Promise<Finished> {
  const { step, action, plugin } = target;
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const trace: OperationTrace = { attempts: 0, requests: 0 };
  let status: OperationRecord['status'];
  let outputs: Record<string, unknown> | undefined;
  let error: OperationError | undefined;
  try {
    // The engine's deadline: the operation ends at it even if the action's promise never settles.
    const result = await session.deadlines.run(step.operationTimeoutMs ?? DEFAULTS.operationTimeoutMs, action.name, (stop) =>
      action.run(operationOf(op, plugin), operationContext(op, target, session, stop, trace)),
    );
    ({ status, outputs } = checkRunResult(result, action.name, plugin));
  } catch (e) {
    status = 'failed';
    error = operationError(e, target, session);
  }
  const record: OperationRecord = {
    key: op.key,
    status,
    attempts: trace.attempts,
    durationMs: Math.round(performance.now() - t0),
    startedAt,
  };
  if (outputs !== undefined) record.outputs = outputs;
  if (error !== undefined) record.error = error;
  if (trace.request)
    record.request = trace.request.body === undefined ? trace.request : { method: trace.request.method, url: trace.request.url };
  if (trace.response) record.response = trace.response;
  // Outcomes are info: the console already shows them; warn is kept for what needs a person's attention.
  if (session.ctx.log.isLevelEnabled('info')) {
    session.ctx.log.info(
      {
        step: step.id,
        operation: op.key,
        status,
        ms: record.durationMs,
        attempts: record.attempts,
        ...(error ? { code: error.code, error: error.message } : {}),
      },
      'operation finished',
    );
  }
  return { record, outputs };
}

/** Asks the action to predict one operation, with a client that can only read. */
export async function probeOperation(op: ResolvedOperation, target: OperationTarget, session: Session): Promise<Prediction> {
  const probe = target.action.probe!;
  return session.deadlines.run(target.step.operationTimeoutMs ?? DEFAULTS.operationTimeoutMs, target.action.name, (stop) =>
    probe(operationOf(op, target.plugin), operationContext(op, target, session, stop, { attempts: 0, requests: 0 })),
  );
}

/** The error of an operation that threw: CANCELLED when the run was aborted under it. */
function operationError(e: unknown, target: OperationTarget, session: Session): OperationError {
  if (session.abort.aborted && !(isRunbookError(e) && e.code !== 'CANCELLED' && e.code !== 'INTERNAL')) {
    return { code: 'CANCELLED', message: 'aborted: the run was cancelled while this operation was in flight' };
  }
  const error = toOperationError(e, target.plugin ? pluginNameOf(session.ctx.registry, target.action.name) : undefined);
  if (target.plugin && error.details !== undefined) {
    // What a plugin put in its error goes into the report and journal: plain JSON data, or nothing.
    const details = toPlainJson(error.details);
    if ('data' in details && details.data !== null && typeof details.data === 'object')
      error.details = details.data as Record<string, unknown>;
    else delete error.details;
  }
  return error;
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

/**
 * What an action's `run` and `probe` get. `stop` is the operation's: aborted at its deadline or when the
 * run is aborted. What its requests do is recorded in `trace`.
 */
function operationContext(
  op: ResolvedOperation,
  target: OperationTarget,
  session: Session,
  stop: OperationStop,
  trace: OperationTrace,
): RunContext {
  const { step, connection } = target;
  const http = connection
    ? connection.client({
        timeoutMs: step.timeoutMs ?? DEFAULTS.timeoutMs,
        retry: step.retry ?? DEFAULTS.retry,
        signal: stop,
        trace,
        readOnly: target.readOnly,
      })
    : noConnectionClient(step.action);
  let log: Logger | undefined;
  const ctx: RunContext = {
    step: { id: step.id },
    http,
    // Made when the action asks for it: most never do (their requests listen to `stop` itself).
    get signal() {
      return stop.signal;
    },
    sleep: (ms) => delay(ms, undefined, { signal: stop.signal }),
    // A child logger bound to the operation, made on first use.
    get log() {
      log ??= session.ctx.log.child({ step: step.id, operation: op.key });
      return log;
    },
  };
  return ctx;
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
