// What `runbook revert` runs: for every operation a run ended `changed`, the operation of the inverse action
// its action declares (`revert` in defineAction), step by step in reverse order. Each inverse step keeps the
// id, connection, concurrency, failure budget, rollout, retries and timeouts of the step it undoes, so the
// run goes through the engine like any other (executeRunbook with these steps planned).
//
// A step whose action changes nothing (read-only, or `changesNothing`: a wait) and declares `revert` is
// undone for its operations that ended `unchanged` or `changed`, right after the inverse of the step before
// it, and only when that step is undone: "stop peers; wait for STOPPED" reverts to "start peers; wait for
// RUNNING". Steps that change nothing and declare no inverse (a sleep, a lookup) are passed over.

import type { ActionDefinition, InverseOperation } from '../contracts/action.js';
import type { Registry } from '../actions/registry.js';
import { RunbookError, isRunbookError } from '../errors.js';
import { copyData } from '../common/plain-data.js';
import { pluginNameOf, previewRequest, toOperationError, type ConnectionView } from '../plan/expand.js';
import type { RequestPreview, ResolvedOperation, ResolvedStep } from '../plan/types.js';
import type { OperationRecord, StepReport } from '../report/types.js';
import { allSteps, type Runbook, type StepSpec } from '../runbook/model.js';

/** A step of the run whose changed operations no action can undo. */
export interface IrreversibleStep {
  step: string;
  action: string;
  /** How many of its operations ended `changed`. */
  changed: number;
}

export interface RevertPlan {
  /** The runbook with the inverse steps only, in the order the revert runs them. */
  runbook: Runbook;
  /** The operations of each inverse step, by step id, in the order the revert runs them. */
  steps: Map<string, ResolvedStep>;
  /** Steps that changed something their action cannot undo: left out of `runbook`. */
  irreversible: IrreversibleStep[];
}

/** A step of a run as planRevert reads it: of a report, or of the run in progress (core.revert). */
export type RevertedStep = Pick<StepReport, 'id' | 'name' | 'action' | 'connection' | 'operations'> & { undoes?: string };

/** What planRevert reads of a run: its steps, and those of its onFailure and finally when it ran them. */
export interface RevertSource {
  steps: readonly RevertedStep[];
  onFailure?: readonly RevertedStep[];
  finally?: readonly RevertedStep[];
}

/**
 * Plans the revert of `previous` (the report of a run of `runbook`, or one rebuilt from its journal, or the
 * steps a core.revert step undoes). Operations that ended `changed` are undone; `unchanged` ones only for
 * actions that change nothing (see above); failed, skipped and cancelled ones are left alone, and so are
 * those a core.revert step of the run already undid (its inverse operation ended `changed` or `unchanged`).
 * The onFailure and finally steps are undone first (last run, first undone), then the main steps. `source`
 * names the report or journal in messages. The returned runbook has no onFailure or finally: a revert runs
 * the inverse steps only.
 */
export function planRevert(previous: RevertSource, runbook: Runbook, registry: Registry, source: string): RevertPlan {
  const handlers = [...(previous.onFailure ?? []), ...(previous.finally ?? [])];
  const undone = undoneKeys(handlers);
  // In the order they ran; the inverse steps of a core.revert are not undone again.
  const records = [...previous.steps, ...handlers.filter((r) => r.undoes === undefined && r.action !== 'core.revert')];
  // Each undone step with the inverses that follow it (waits), in the order of the run; the revert runs
  // these groups in reverse order, each in its own order.
  const groups: ResolvedStep[][] = [];
  const irreversible: IrreversibleStep[] = [];
  let beforeIsUndone = false;
  for (const record of records) {
    const action = registry.action(record.action)?.definition;
    if (action !== undefined && changesNothing(action)) {
      if (action.revert === undefined) continue;
      const done = [...record.operations].filter((op) => op.status === 'changed' || op.status === 'unchanged');
      const inverse: ResolvedStep | undefined =
        beforeIsUndone && done.length > 0
          ? inverseStep(record, done, action, registry, source, inverseOperations(groups.at(-1)![0]!))
          : undefined;
      if (inverse !== undefined) groups.at(-1)!.push(inverse);
      beforeIsUndone = inverse !== undefined;
      continue;
    }
    beforeIsUndone = false;
    const changed = [...record.operations].filter((op) => op.status === 'changed' && !undone.has(op.key));
    if (changed.length === 0) continue;
    if (action === undefined) {
      throw new RunbookError(
        'UNKNOWN_ACTION',
        `${source}: step '${record.id}' ran action '${record.action}', which is not registered; load its plugin with --plugin`,
      );
    }
    if (action.revert === undefined) {
      irreversible.push({ step: record.id, action: record.action, changed: changed.length });
      continue;
    }
    const inverse = inverseStep(record, changed, action, registry, source);
    if (inverse === undefined) continue;
    groups.push([inverse]);
    beforeIsUndone = true;
  }
  const ordered = groups.reverse().flat();
  return {
    runbook: inverseRunbook(runbook, ordered, source),
    steps: new Map(ordered.map((step) => [step.id, step])),
    irreversible,
  };
}

/** An action that changes nothing on the server: a read-only one, or one kept out of previews that only waits. */
export function changesNothing(action: ActionDefinition): boolean {
  return !action.mutates || action.changesNothing === true;
}

/** The keys of the operations the inverse steps of core.revert undid: they are as they were before the run. */
function undoneKeys(handlers: readonly RevertedStep[]): Set<string> {
  const keys = new Set<string>();
  for (const record of handlers) {
    if (record.undoes === undefined) continue;
    for (const op of record.operations) if (op.status === 'changed' || op.status === 'unchanged') keys.add(op.key);
  }
  return keys;
}

/**
 * The runbook whose steps are `steps` (inverse ones, already planned), in that order: each keeps the
 * settings of the runbook's step of the same id. Throws PLAN_STALE for a step the runbook no longer has.
 */
export function inverseRunbook(runbook: Runbook, steps: readonly ResolvedStep[], source: string): Runbook {
  const specs = steps.map((step): StepSpec => {
    const spec = allSteps(runbook).find((s) => s.id === step.id);
    if (spec === undefined) {
      throw new RunbookError(
        'PLAN_STALE',
        `${source}: step '${step.id}' is no longer in ${runbook.file}; its changes cannot be reverted with this runbook`,
      );
    }
    // The inverse operations are planned already: the step's forEach, if and with are not evaluated again.
    return { ...spec, action: step.action, with: {}, forEach: undefined, if: undefined };
  });
  const { onFailure: _onFailure, finally: _finally, ...main } = runbook;
  return { ...main, steps: specs };
}

/**
 * The inverse steps as a preview shows them: each operation with the requests its action's `plan` says it
 * sends, at the URL of the step's connection. An operation whose `plan` throws would fail.
 */
export function withPreviewRequests(
  steps: ReadonlyMap<string, ResolvedStep>,
  registry: Registry,
  connections: ReadonlyMap<string, ConnectionView>,
): Map<string, ResolvedStep> {
  const previewed = new Map<string, ResolvedStep>();
  for (const [id, step] of steps) {
    const action = registry.action(step.action)?.definition;
    const connection = step.connection === undefined ? undefined : connections.get(step.connection);
    const operations = step.operations.map((op) => (action === undefined ? op : previewOperation(op, step, action, registry, connection)));
    previewed.set(id, { ...step, operations });
  }
  return previewed;
}

function previewOperation(
  op: ResolvedOperation,
  step: ResolvedStep,
  action: ActionDefinition,
  registry: Registry,
  connection: ConnectionView | undefined,
): ResolvedOperation {
  if (action.plan === undefined || connection === undefined) return op;
  try {
    // A plugin's plan() gets its own copy of the inputs, as in any expansion.
    const inputs = pluginNameOf(registry, action.name) === undefined ? op.inputs : copyData(op.inputs);
    const planned = action.plan(inputs, {
      step: { id: step.id },
      connection: { name: connection.name, type: connection.type, url: connection.url },
    });
    if (!Array.isArray(planned)) throw new TypeError('plan() must return an array of operations');
    const requests: RequestPreview[] = [];
    let unresolved: string | undefined;
    for (const p of planned) {
      if (p.request !== undefined)
        for (const r of Array.isArray(p.request) ? p.request : [p.request]) requests.push(previewRequest(r, connection));
      unresolved ??= p.unresolved;
    }
    return { ...op, requests, ...(unresolved !== undefined ? { unresolved } : {}) };
  } catch (e) {
    return { ...op, error: toOperationError(e, pluginNameOf(registry, action.name)) };
  }
}

/** What the action says undoes one operation; a plugin's throw or malformed answer is PLUGIN_ERROR. */
/** The operations an inverse step sends, as a wait after it is told them. */
function inverseOperations(step: ResolvedStep): InverseOperation[] {
  return step.operations.map((op) => ({ action: step.action, inputs: op.inputs }));
}

function inverseOf(
  action: ActionDefinition,
  record: RevertedStep,
  op: OperationRecord,
  after: readonly InverseOperation[] | undefined,
): InverseOperation | null {
  let inverse: unknown;
  try {
    inverse = action.revert!({ key: op.key, outputs: op.outputs, ...(after ? { after } : {}) });
  } catch (e) {
    if (isRunbookError(e)) throw e;
    throw new RunbookError(
      'PLUGIN_ERROR',
      `action '${record.action}' could not say how to undo ${op.key}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  if (inverse === null) return null;
  const candidate = inverse as Partial<InverseOperation> | undefined;
  if (
    typeof candidate?.action !== 'string' ||
    candidate.inputs === null ||
    typeof candidate.inputs !== 'object' ||
    Array.isArray(candidate.inputs)
  ) {
    throw new RunbookError(
      'PLUGIN_ERROR',
      `action '${record.action}' answered how to undo ${op.key} with neither null nor { action, inputs }`,
    );
  }
  return { action: candidate.action, inputs: candidate.inputs };
}

/** The inverse operations of the operations of one step to undo (none when every one left nothing to undo). */
function inverseStep(
  record: RevertedStep,
  done: OperationRecord[],
  action: ActionDefinition,
  registry: Registry,
  source: string,
  after?: readonly InverseOperation[],
): ResolvedStep | undefined {
  let inverseAction: string | undefined;
  const operations: ResolvedOperation[] = [];
  for (const op of done) {
    if (op.outputs === undefined) {
      throw new RunbookError(
        'SCHEMA',
        `${source} does not hold the outputs of ${op.key}, so what it changed is not known (a report keeps the outputs of a step of at most 1,000 operations); revert --from its journal instead`,
      );
    }
    const inverse = inverseOf(action, record, op, after);
    if (inverse === null) continue;
    if (inverseAction !== undefined && inverse.action !== inverseAction) {
      throw new RunbookError(
        'PLUGIN_ERROR',
        `action '${record.action}' undoes the operations of step '${record.id}' with two actions ('${inverseAction}' and '${inverse.action}'); a step runs one action`,
      );
    }
    if (registry.action(inverse.action) === undefined) {
      throw new RunbookError('UNKNOWN_ACTION', `action '${record.action}' is undone by '${inverse.action}', which is not registered`);
    }
    inverseAction = inverse.action;
    // The same key as the operation it undoes: the revert's report lines up with the run's, and can be reverted too.
    operations.push({ key: op.key, inputs: inverse.inputs, requests: [] });
  }
  if (inverseAction === undefined) return undefined;
  return {
    id: record.id,
    ...(record.name !== undefined ? { name: record.name } : {}),
    action: inverseAction,
    ...(record.connection !== undefined ? { connection: record.connection } : {}),
    disposition: 'planned',
    operations,
  };
}
