// What `runbook revert` runs: for every operation a run ended `changed`, the operation of the inverse action
// its action declares (`revert` in defineAction), step by step in reverse order. Each inverse step keeps the
// id, connection, concurrency, failure budget, rollout, retries and timeouts of the step it undoes, so the
// run goes through the engine like any other (executeRunbook with these steps planned).

import type { ActionDefinition, InverseOperation } from '../contracts/action.js';
import type { Registry } from '../actions/registry.js';
import { RunbookError, isRunbookError } from '../errors.js';
import type { ResolvedOperation, ResolvedStep } from '../plan/types.js';
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
  /** The runbook with the inverse steps only, in reverse order: what the revert runs. */
  runbook: Runbook;
  /** The operations of each inverse step, by step id. */
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
 * steps a core.revert step undoes). Only operations that ended `changed` are undone; `unchanged`, failed,
 * skipped and cancelled ones are left alone, and so are those a core.revert step of the run already undid
 * (its inverse operation ended `changed` or `unchanged`). The onFailure and finally steps are undone
 * first (last run, first undone), then the main steps. `source` names the report or journal in messages.
 * The returned runbook has no onFailure or finally: a revert runs the inverse steps only.
 */
export function planRevert(previous: RevertSource, runbook: Runbook, registry: Registry, source: string): RevertPlan {
  const specs: StepSpec[] = [];
  const steps = new Map<string, ResolvedStep>();
  const irreversible: IrreversibleStep[] = [];
  const handlers = [...(previous.onFailure ?? []), ...(previous.finally ?? [])];
  const undone = undoneKeys(handlers);
  const records = [...handlers.filter((r) => r.undoes === undefined && r.action !== 'core.revert'), ...previous.steps];
  for (const record of records.reverse()) {
    const changed = [...record.operations].filter((op) => op.status === 'changed' && !undone.has(op.key));
    if (changed.length === 0) continue;
    const action = registry.action(record.action)?.definition;
    if (action === undefined) {
      throw new RunbookError(
        'UNKNOWN_ACTION',
        `${source}: step '${record.id}' ran action '${record.action}', which is not registered; load its plugin with --plugin`,
      );
    }
    if (action.revert === undefined) {
      if (action.mutates) irreversible.push({ step: record.id, action: record.action, changed: changed.length });
      continue;
    }
    const inverse = inverseStep(record, changed, action, registry, source);
    if (inverse === undefined) continue;
    const spec = allSteps(runbook).find((s) => s.id === record.id);
    if (spec === undefined) {
      throw new RunbookError(
        'PLAN_STALE',
        `${source}: step '${record.id}' is no longer in ${runbook.file}; its changes cannot be reverted with this runbook`,
      );
    }
    // The inverse operations are planned here: the step's forEach, if and with are not evaluated again.
    specs.push({ ...spec, action: inverse.action, with: {}, forEach: undefined, if: undefined });
    steps.set(record.id, inverse);
  }
  const { onFailure: _onFailure, finally: _finally, ...main } = runbook;
  return { runbook: { ...main, steps: specs }, steps, irreversible };
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

/** What the action says undoes one operation; a plugin's throw or malformed answer is PLUGIN_ERROR. */
function inverseOf(action: ActionDefinition, record: RevertedStep, op: OperationRecord): InverseOperation | null {
  let inverse: unknown;
  try {
    inverse = action.revert!({ key: op.key, outputs: op.outputs });
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

/** The inverse operations of one step's changed ones (none when every one left nothing to undo). */
function inverseStep(
  record: RevertedStep,
  changed: OperationRecord[],
  action: ActionDefinition,
  registry: Registry,
  source: string,
): ResolvedStep | undefined {
  let inverseAction: string | undefined;
  const operations: ResolvedOperation[] = [];
  for (const op of changed) {
    if (op.outputs === undefined) {
      throw new RunbookError(
        'SCHEMA',
        `${source} does not hold the outputs of ${op.key}, so what it changed is not known (a report keeps the outputs of a step of at most 1,000 operations); revert --from its journal instead`,
      );
    }
    const inverse = inverseOf(action, record, op);
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
