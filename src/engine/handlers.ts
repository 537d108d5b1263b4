// The steps a runbook runs after its main steps: `onFailure` when the main steps failed, `finally` after
// every run. Each list runs like `steps` (a failed step stops the rest of its list unless it sets
// continueOnError), with `run.status` in its scope. A `core.revert` step runs the inverse of what the main
// steps changed (revert-plan.ts, the rules of `runbook revert`), one inverse step per undone step.

import type { HandlerPart } from '../report/events.js';
import { emptyCounts, type OperationRecord, type RunStatus, type StepStatus } from '../report/types.js';
import type { OperationError, ResolvedStep } from '../plan/types.js';
import { RunbookError, isRunbookError } from '../errors.js';
import { collectReferences } from '../runbook/expressions.js';
import type { Runbook, StepSpec } from '../runbook/model.js';
import { expand, rememberOutputs, rememberStatus, type Session, type StepOutcome } from './context.js';
import { planRevert, type RevertedStep } from './revert-plan.js';
import { notStartedStep, runStep, type RunExtras } from './run-step.js';

/** The built-in action whose steps the engine runs itself. */
export const REVERT_ACTION = 'core.revert';

/** A step of onFailure or finally that failed and does not set continueOnError. */
export interface HandlerFailure {
  part: HandlerPart;
  step: string;
  reason: string;
}

/**
 * The main steps whose changed operations are kept while the run goes: those a core.revert step undoes
 * (every main step when one names none) and those an expression reads `.changed` of. The others keep none.
 */
export function trackedSteps(runbook: Runbook): { has(id: string): boolean } {
  const handlers = [...(runbook.onFailure ?? []), ...(runbook.finally ?? [])];
  const ids = new Set<string>();
  for (const step of handlers) {
    if (step.action !== REVERT_ACTION) continue;
    const named = step.with.steps;
    if (!Array.isArray(named)) return { has: () => true };
    for (const id of named) if (typeof id === 'string') ids.add(id);
  }
  try {
    for (const step of [...runbook.steps, ...handlers]) {
      for (const ref of collectReferences([step.if, step.forEach, step.with])) {
        if (ref.root === 'steps' && typeof ref.path[0] === 'string' && ref.path[1] === 'changed') ids.add(ref.path[0]);
      }
    }
  } catch {
    return { has: () => true };
  }
  return ids;
}

/**
 * Runs onFailure (when `status`, the status of the main steps, is `failed`) and finally. onFailure starts
 * no new operation once the run is interrupted; finally none once the grace period after it ends. Resolves
 * to the first handler step that failed, if one did.
 */
export async function runHandlers(session: Session, status: RunStatus, extras: RunExtras): Promise<HandlerFailure | undefined> {
  const { runbook } = session.ctx;
  session.scope.run = { status };
  const signals = session.ctx.signals;
  const onFailureStop = signals?.interrupt ?? session.stop;
  let failure: HandlerFailure | undefined;
  if (runbook.onFailure !== undefined) {
    const notRun =
      status === 'failed'
        ? undefined
        : `runs only when the run fails; the main steps ${status === 'succeeded' ? 'succeeded' : 'were cancelled'}`;
    failure = await runList('onFailure', runbook.onFailure, { ...session, stop: onFailureStop }, extras, notRun);
  }
  if (runbook.finally !== undefined) {
    // A signal stops the main steps; finally still runs, until the grace period after it ends.
    const failed = await runList('finally', runbook.finally, { ...session, stop: session.abort }, extras, undefined);
    failure ??= failed;
  }
  return failure;
}

async function runList(
  part: HandlerPart,
  steps: readonly StepSpec[],
  session: Session,
  extras: RunExtras,
  notRun: string | undefined,
): Promise<HandlerFailure | undefined> {
  let halted = notRun;
  let failure: HandlerFailure | undefined;
  for (const step of steps) {
    const resolved = expand(session, step);
    if (halted !== undefined || session.stop.aborted) {
      const status: StepStatus = session.stop.aborted && notRun === undefined ? 'cancelled' : 'skipped';
      const reason = status === 'cancelled' ? 'the run was cancelled before this step started' : halted!;
      notStartedStep(step, resolved, status, reason, session);
      session.unknownOutputs.set(step.id, `was ${status}`);
      rememberStatus(session, step.id, status);
      continue;
    }
    const outcome =
      step.action === REVERT_ACTION && resolved.disposition === 'planned'
        ? await runRevert(part, step, resolved, session, extras)
        : await runStep(step, resolved, session, extras);
    rememberOutputs(session, step, outcome);
    if (outcome.status === 'failed' && !step.continueOnError) {
      failure ??= { part, step: step.id, reason: outcome.reason ?? 'failed' };
      halted = `${part} step '${step.id}' failed and it does not set continueOnError`;
    }
  }
  return failure;
}

/**
 * A core.revert step: one inverse step per main step it undoes, in reverse order, each named
 * `<revert step id>.<undone step id>`, keeping the keys of the operations it undoes. A failed inverse
 * step stops the ones after it unless the step it undoes sets continueOnError, as in `runbook revert`.
 */
async function runRevert(
  part: HandlerPart,
  step: StepSpec,
  resolved: ResolvedStep,
  session: Session,
  extras: RunExtras,
): Promise<StepOutcome> {
  const t0 = Date.now();
  const inputs = (resolved.operations[0]?.inputs ?? {}) as { steps?: string[]; skipIrreversible?: boolean };
  session.sink.emit({ type: 'step', id: step.id, startedAt: new Date().toISOString(), keys: [] });
  const end = (status: StepStatus, reason?: string, error?: OperationError): StepOutcome => {
    session.sink.emit({
      type: 'stepEnd',
      id: step.id,
      status,
      durationMs: Date.now() - t0,
      ...(reason !== undefined ? { reason } : {}),
      ...(status === 'failed' && step.continueOnError ? { continueOnError: true } : {}),
      ...(error !== undefined ? { error } : {}),
    });
    return { status, summary: emptyCounts(), ...(reason !== undefined ? { reason } : {}) };
  };
  let plan: ReturnType<typeof planRevert>;
  try {
    plan = planRevert({ steps: changedSteps(session, inputs.steps) }, session.ctx.runbook, session.ctx.registry, `step '${step.id}'`);
  } catch (e) {
    const error = isRunbookError(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL' as const, message: String(e) };
    return end('failed', error.message, error);
  }
  if (plan.irreversible.length > 0) {
    const named = plan.irreversible.map((s) => `step '${s.step}' (${s.action}, ${s.changed} changed)`).join(', ');
    if (inputs.skipIrreversible !== true) {
      const error = new RunbookError('IRREVERSIBLE', `cannot undo ${named}: its action declares no inverse; nothing was sent`);
      return end('failed', error.message, { code: error.code, message: error.message });
    }
    session.ctx.log.warn({ step: step.id, irreversible: plan.irreversible }, 'left as they are (no inverse, skipIrreversible)');
  }
  session.sink.revertStarted?.(
    step,
    plan.runbook.steps.map((s) => s.id),
  );
  const { failed, cancelled } = await runInverseSteps(part, step, plan, session, extras);
  if (failed !== undefined) return end('failed', failed);
  if (cancelled) return end('cancelled', 'the run was cancelled before everything was undone');
  const count = plan.runbook.steps.length;
  return end('succeeded', count === 0 ? 'nothing this run changed is to be undone' : undefined);
}

/**
 * Runs the inverse steps of a core.revert step in order. Resolves to why undoing failed (the first
 * inverse step that failed) and whether the run was cancelled before everything was undone.
 */
async function runInverseSteps(
  part: HandlerPart,
  step: StepSpec,
  plan: ReturnType<typeof planRevert>,
  session: Session,
  extras: RunExtras,
): Promise<{ failed: string | undefined; cancelled: boolean }> {
  let halted: string | undefined;
  let failed: string | undefined;
  let cancelled = false;
  for (const spec of plan.runbook.steps) {
    const id = `${step.id}.${spec.id}`;
    const inverse = { ...plan.steps.get(spec.id)!, id };
    const outline = {
      id,
      action: inverse.action,
      ...(spec.connection !== undefined ? { connection: spec.connection } : {}),
      part,
      parent: step.id,
      undoes: spec.id,
    };
    const sub: StepSpec = { ...spec, id };
    if (halted !== undefined || session.stop.aborted) {
      const status: StepStatus = session.stop.aborted ? 'cancelled' : 'skipped';
      if (status === 'cancelled') cancelled = true;
      notStartedStep(
        sub,
        inverse,
        status,
        status === 'cancelled' ? 'the run was cancelled before this step started' : halted!,
        session,
        outline,
      );
      continue;
    }
    const outcome = await runStep(sub, inverse, session, { ...extras, track: undefined, outline });
    if (outcome.status === 'cancelled') cancelled = true;
    if (outcome.status === 'failed') {
      failed ??= `undoing step '${spec.id}' failed: ${outcome.reason ?? 'failed'}`;
      if (!spec.continueOnError) halted = `undoing step '${spec.id}' failed and it does not set continueOnError`;
    }
  }
  return { failed, cancelled };
}

/** The main steps a core.revert step undoes, with their changed operations, in the order they ran. */
function changedSteps(session: Session, named: readonly string[] | undefined): RevertedStep[] {
  const wanted = named === undefined ? undefined : new Set(named);
  const out: RevertedStep[] = [];
  for (const spec of session.ctx.runbook.steps) {
    if (wanted !== undefined && !wanted.has(spec.id)) continue;
    const changed = session.changed.get(spec.id) ?? [];
    const operations: OperationRecord[] = changed.map((op) => ({
      key: op.key,
      status: op.status,
      attempts: 1,
      durationMs: 0,
      ...(op.outputs !== undefined ? { outputs: op.outputs } : { outputs: {} }),
    }));
    out.push({ id: spec.id, action: spec.action, ...(spec.connection !== undefined ? { connection: spec.connection } : {}), operations });
  }
  return out;
}
