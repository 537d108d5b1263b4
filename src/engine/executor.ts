// Runs a runbook: steps in order, the operations of a step concurrently under the step's and the run's
// caps, each operation's failure counted against the step's budget. Knows nothing of any vendor.

import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { ActionDefinition, Operation, RunContext } from '../actions/define.js';
import type { Registry } from '../actions/registry.js';
import type { HttpClient, RetryPolicy } from '../connections/types.js';
import type { OperationTrace } from '../connections/transport.js';
import { RunbookError } from '../errors.js';
import { expandStep, pluginNameOf, toOperationError, type ConnectionView } from '../plan/expand.js';
import type { ResolvedOperation, ResolvedStep } from '../plan/types.js';
import { DEFAULTS, type Runbook, type StepSpec } from '../runbook/model.js';
import type { Scope } from '../runbook/expressions.js';
import type { Redactor } from '../secrets/redactor.js';
import {
  REPORT_VERSION,
  countOperations,
  emptyCounts,
  type OperationRecord,
  type RunReport,
  type StepRecord,
} from '../report/types.js';
import { FailureBudget, maxErrorsFor } from './failure-budget.js';
import { stepOutputs } from './outputs.js';

/** What the executor needs of an open connection. */
export interface RunConnection extends ConnectionView {
  client(options: { timeoutMs: number; retry: RetryPolicy; signal: AbortSignal; trace: OperationTrace; readOnly?: boolean }): HttpClient;
}


export interface ExecuteOptions {
  runbook: Runbook;
  registry: Registry;
  /** Resolved params (already checked against their declarations). */
  params: Record<string, unknown>;
  env: Record<string, string | undefined>;
  /** `run` sends requests; `dry-run` expands and records what would be sent, and sends nothing. */
  mode: 'run' | 'dry-run';
  connections: ReadonlyMap<string, RunConnection>;
  /** Overrides the runbook's global concurrency. */
  concurrency?: number;
  log: Logger;
  redactor: Redactor;
  /** Once aborted, no new operation starts. */
  stop?: AbortSignal;
  /** Once aborted, operations in flight are aborted too. */
  abort?: AbortSignal;
  /** Called as each operation ends (the journal and the console line hang off it). */
  onOperation?: (step: StepSpec, record: OperationRecord) => void;
  onStepStart?: (step: StepSpec, resolved: ResolvedStep) => void;
  onStepEnd?: (record: StepRecord) => void;
  /** The run id; a fresh UUID by default. */
  runId?: string;
}

/** Executes the runbook and returns its report. Never throws for a failure of the run itself. */
export async function executeRunbook(options: ExecuteOptions): Promise<RunReport> {
  const { runbook, mode } = options;
  const stop = options.stop ?? new AbortController().signal;
  const abort = options.abort ?? new AbortController().signal;
  const startedAt = new Date();
  const t0 = performance.now();
  const globalCap = options.concurrency ?? runbook.concurrency;
  const globalLimit = pLimit(globalCap);
  const scope: Scope = { params: options.params, env: options.env, steps: {} };
  const unknownOutputs = new Set<string>();
  const steps: StepRecord[] = [];
  let halted: string | undefined;

  for (const step of runbook.steps) {
    if (halted !== undefined || stop.aborted) {
      const reason = stop.aborted ? 'the run was cancelled before this step started' : halted!;
      steps.push(skippedStep(step, stop.aborted ? 'cancelled' : 'skipped', reason));
      continue;
    }
    const resolved = expandStep(step, {
      registry: options.registry,
      scope,
      connections: options.connections,
      unknownOutputs,
    });
    options.onStepStart?.(step, resolved);
    const record = await runStep(step, resolved, {
      ...options,
      mode,
      stop,
      abort,
      globalLimit,
      globalCap,
    });
    steps.push(record);
    options.onStepEnd?.(record);
    if (record.outputs !== undefined) scope.steps[step.id] = { outputs: record.outputs };
    else if (mode === 'dry-run' || record.status !== 'succeeded') unknownOutputs.add(step.id);
    else scope.steps[step.id] = { outputs: {} };
    if (record.status === 'failed' && !step.continueOnError) {
      halted = `step '${step.id}' failed and it does not set continueOnError`;
    }
  }

  const finishedAt = new Date();
  const summary = emptyCounts();
  for (const s of steps) countOperations(s.operations, summary);
  const cancelled = stop.aborted;
  const failed = steps.some((s) => s.status === 'failed' && !s.continueOnError);
  return {
    reportVersion: REPORT_VERSION,
    runId: options.runId ?? randomUUID(),
    runbook: { name: runbook.name, file: runbook.file, sha256: runbook.sha256 },
    mode,
    status: cancelled ? 'cancelled' : failed ? 'failed' : 'succeeded',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    params: options.params,
    summary,
    steps,
  };
}

interface StepRunOptions extends ExecuteOptions {
  stop: AbortSignal;
  abort: AbortSignal;
  globalLimit: LimitFunction;
  globalCap: number;
}

async function runStep(step: StepSpec, resolved: ResolvedStep, options: StepRunOptions): Promise<StepRecord> {
  const startedAt = new Date();
  const t0 = performance.now();
  const base = {
    id: step.id,
    ...(step.name !== undefined ? { name: step.name } : {}),
    action: step.action,
    ...(step.connection !== undefined ? { connection: step.connection } : {}),
    startedAt: startedAt.toISOString(),
  };
  if (resolved.disposition !== 'planned') {
    const failed = resolved.disposition === 'failed';
    return {
      ...base,
      status: failed ? 'failed' : 'skipped',
      reason: resolved.reason ?? resolved.disposition,
      ...(failed && step.continueOnError ? { continueOnError: true } : {}),
      durationMs: 0,
      summary: emptyCounts(),
      operations: [],
    };
  }

  const action = options.registry.action(step.action)!.definition;
  const operations = resolved.operations;
  const budget = new FailureBudget(maxErrorsFor(step.maxErrors, operations.length));
  const stepLimit = pLimit(Math.min(step.concurrency ?? options.globalCap, options.globalCap));
  const connection = step.connection === undefined ? undefined : options.connections.get(step.connection);
  const records: OperationRecord[] = new Array(operations.length);

  const sendsRequests = options.mode === 'run';
  await Promise.all(
    operations.map((op, i) =>
      stepLimit(() =>
        options.globalLimit(async () => {
          const record = sendsRequests
            ? await runOperation(op, step, action, connection, budget, options)
            : dryRunRecord(op);
          if (record.status === 'failed') budget.recordFailure();
          records[i] = record;
          options.onOperation?.(step, record);
        }),
      ),
    ),
  );

  const summary = countOperations(records);
  const failed = budget.broken;
  const record: StepRecord = {
    ...base,
    status: failed ? 'failed' : options.stop.aborted && summary.skipped > 0 ? 'cancelled' : 'succeeded',
    durationMs: Math.round(performance.now() - t0),
    maxErrors: budget.allowed,
    summary,
    operations: records,
  };
  if (failed) {
    record.reason = `${budget.failures} of ${operations.length} operations failed; maxErrors allows ${budget.allowed}`;
    if (step.continueOnError) record.continueOnError = true;
  }
  if (sendsRequests && !failed) {
    const outputs = stepOutputs(step, records);
    if (outputs !== undefined) record.outputs = outputs;
  }
  return record;
}

function dryRunRecord(op: ResolvedOperation): OperationRecord {
  if (op.error) return { key: op.key, status: 'failed', attempts: 0, durationMs: 0, error: op.error };
  const record: OperationRecord = {
    key: op.key,
    status: 'skipped',
    attempts: 0,
    durationMs: 0,
    reason: op.unresolved ? `dry run: ${op.unresolved}` : 'dry run: nothing sent',
  };
  const last = op.requests.at(-1);
  if (last) record.request = last;
  return record;
}

async function runOperation(
  op: ResolvedOperation,
  step: StepSpec,
  action: ActionDefinition,
  connection: RunConnection | undefined,
  budget: FailureBudget,
  options: StepRunOptions,
): Promise<OperationRecord> {
  if (op.error) return { key: op.key, status: 'failed', attempts: 0, durationMs: 0, error: op.error };
  if (options.stop.aborted) {
    return { key: op.key, status: 'skipped', attempts: 0, durationMs: 0, reason: 'the run was cancelled before this operation started' };
  }
  if (budget.broken) {
    return {
      key: op.key,
      status: 'skipped',
      attempts: 0,
      durationMs: 0,
      reason: `not started: step '${step.id}' exceeded its failure budget (maxErrors ${budget.allowed})`,
    };
  }
  const startedAt = new Date();
  const t0 = performance.now();
  const trace: OperationTrace = { attempts: 0, requests: 0 };
  const log = options.log.child({ step: step.id, operation: op.key });
  const http = connection
    ? connection.client({
        timeoutMs: step.timeoutMs ?? DEFAULTS.timeoutMs,
        retry: step.retry ?? DEFAULTS.retry,
        signal: options.abort,
        trace,
      })
    : noConnectionClient(action.name);
  const ctx: RunContext = {
    step: { id: step.id },
    http,
    log,
    signal: options.abort,
    sleep: (ms) => delay(ms, undefined, { signal: options.abort }),
  };
  const operation: Operation = { key: op.key, inputs: op.inputs };
  if (op.index !== undefined) {
    operation.item = op.item;
    operation.index = op.index;
  }

  const record: OperationRecord = { key: op.key, status: 'failed', attempts: 0, durationMs: 0, startedAt: startedAt.toISOString() };
  try {
    const result = await action.run(operation, ctx);
    const checked = checkRunResult(result, action.name);
    record.status = checked.status;
    if (checked.outputs !== undefined) record.outputs = checked.outputs;
  } catch (e) {
    record.status = 'failed';
    record.error = options.abort.aborted
      ? { code: 'CANCELLED', message: 'aborted: the run was cancelled while this operation was in flight' }
      : toOperationError(e, pluginNameOf(options.registry, action.name));
  }
  record.durationMs = Math.round(performance.now() - t0);
  record.attempts = trace.attempts;
  if (trace.request) record.request = { method: trace.request.method, url: trace.request.url };
  if (trace.response) record.response = trace.response;
  if (record.status === 'failed') log.warn({ code: record.error?.code }, record.error?.message ?? 'operation failed');
  else log.info({ status: record.status, ms: record.durationMs }, 'operation finished');
  return record;
}

/** An action's `run` must resolve to `{ status: 'changed' | 'unchanged', outputs? }`. */
function checkRunResult(result: unknown, actionName: string): { status: 'changed' | 'unchanged'; outputs?: Record<string, unknown> } {
  const r = result as { status?: unknown; outputs?: unknown } | null | undefined;
  if (r === null || typeof r !== 'object' || (r.status !== 'changed' && r.status !== 'unchanged')) {
    throw new RunbookError(
      'PLUGIN_ERROR',
      `action ${actionName} returned ${JSON.stringify(result) ?? String(result)}; run() must return { status: 'changed' | 'unchanged', outputs? }`,
      { details: { action: actionName } },
    );
  }
  if (r.outputs !== undefined && (r.outputs === null || typeof r.outputs !== 'object' || Array.isArray(r.outputs))) {
    throw new RunbookError('PLUGIN_ERROR', `action ${actionName} returned outputs that are not an object`, {
      details: { action: actionName },
    });
  }
  return r as { status: 'changed' | 'unchanged'; outputs?: Record<string, unknown> };
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

function skippedStep(step: StepSpec, status: 'skipped' | 'cancelled', reason: string): StepRecord {
  return {
    id: step.id,
    ...(step.name !== undefined ? { name: step.name } : {}),
    action: step.action,
    ...(step.connection !== undefined ? { connection: step.connection } : {}),
    status,
    reason,
    durationMs: 0,
    summary: emptyCounts(),
    operations: [],
  };
}
