// A saved plan (`plan --out`), described by schemas/plan.schema.json, and the checks `apply` makes
// before it executes one: same runbook bytes, not too old, every operation known.

import { readFile } from 'node:fs/promises';
import { RunbookError } from '../errors.js';
import type { PredictedOutcome } from '../contracts/action.js';
import type { ResolvedStep } from './types.js';
import { formatDuration } from '../common/durations.js';
import { REDACTED } from '../secrets/redactor.js';

export const PLAN_VERSION = 1;

export interface PlanSummary {
  steps: number;
  operations: number;
  /** Counts by predicted outcome; offline plans count only `unknown until run` and `would fail`. */
  predictions: Record<PredictedOutcome, number>;
}

/** Where one connection of a plan pointed when the plan was made. Never holds credentials. */
export interface PlanConnection {
  type: string;
  /** The resolved URL with the type's path prefix (a URL with a user name or password is refused earlier). */
  url: string;
  /** Set when `--sim` pointed the connection at the built-in simulator, whose URL changes every run. */
  simulator?: true;
}

/** Everything a plan says, as `plan --json` prints it and `plan --out` saves it. */
export interface PlanDocument {
  planVersion: typeof PLAN_VERSION;
  runbook: { name: string; file: string; path: string; sha256: string };
  createdAt: string;
  /** True when read-only lookups resolved aliases and predicted outcomes (`--online`). */
  online: boolean;
  /** The resolved params; secret values are [REDACTED] and must be given again to apply. */
  params: Record<string, unknown>;
  /** Each connection a step uses, by name: `apply` refuses the plan where one would point elsewhere. */
  connections: Record<string, PlanConnection>;
  steps: ResolvedStep[];
  summary: PlanSummary;
  /**
   * Set by `plan --revert-from`: the runId of the run this plan undoes. Its steps are then the inverse
   * ones, in the order they run, and `apply` runs them as a revert (its report has `revertOf`).
   */
  revertOf?: string;
  /** With `--skip-irreversible`: the steps whose changes the revert leaves as they are (their action has no inverse). */
  irreversible?: { step: string; action: string; changed: number }[];
}

export function summarisePlan(steps: ResolvedStep[]): PlanSummary {
  const predictions: Record<PredictedOutcome, number> = { 'would change': 0, unchanged: 0, 'would fail': 0, 'unknown until run': 0 };
  let operations = 0;
  for (const step of steps) {
    if (step.disposition === 'unresolved') predictions['unknown until run'] += 1;
    for (const op of step.operations) {
      operations += 1;
      if (op.prediction) predictions[op.prediction.outcome] += 1;
      else if (op.error) predictions['would fail'] += 1;
      else if (op.unresolved) predictions['unknown until run'] += 1;
    }
  }
  return { steps: steps.length, operations, predictions };
}

/** Reads a saved plan. Throws USAGE for a file that is not one. */
export async function readPlanFile(file: string): Promise<PlanDocument> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new RunbookError('FILE_NOT_FOUND', `cannot read the plan ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: Partial<PlanDocument>;
  try {
    doc = JSON.parse(text) as Partial<PlanDocument>;
  } catch {
    throw new RunbookError('USAGE', `${file} is not a plan file (not JSON); make one with 'runbook plan FILE --out ${file}'`);
  }
  if (doc.planVersion !== PLAN_VERSION || !doc.runbook || !Array.isArray(doc.steps) || typeof doc.createdAt !== 'string') {
    throw new RunbookError(
      'USAGE',
      `${file} is not a plan file of version ${PLAN_VERSION}; make one with 'runbook plan FILE --out ${file}'`,
    );
  }
  if (doc.revertOf !== undefined && (typeof doc.revertOf !== 'string' || doc.revertOf === '')) {
    throw new RunbookError(
      'USAGE',
      `${file}: "revertOf" is not the id of a run; make the plan again with 'runbook plan FILE --revert-from REPORT --out ${file}'`,
    );
  }
  return doc as PlanDocument;
}

/** Refuses a plan whose runbook changed, that is older than `maxAgeMs`, or that left operations unknown. */
export function checkPlanIsApplicable(plan: PlanDocument, currentSha256: string, maxAgeMs: number, now = Date.now()): void {
  if (plan.runbook.sha256 !== currentSha256) {
    throw new RunbookError(
      'PLAN_STALE',
      `the runbook ${plan.runbook.file} has changed since this plan was made (sha256 ${plan.runbook.sha256.slice(0, 12)} then, ${currentSha256.slice(0, 12)} now); make a new plan and review it`,
    );
  }
  const age = now - Date.parse(plan.createdAt);
  if (!(age <= maxAgeMs)) {
    throw new RunbookError(
      'PLAN_STALE',
      `the plan was made ${formatDuration(age)} ago, more than --max-age allows (${formatDuration(maxAgeMs)}); make a new plan, or raise --max-age`,
    );
  }
  const secret = plan.steps.flatMap((s) => s.operations.filter((o) => JSON.stringify(o.inputs).includes(REDACTED)).map((o) => o.key));
  if (secret.length > 0) {
    throw new RunbookError(
      'PLAN_STALE',
      `the plan cannot be applied: operation ${secret[0]}${secret.length > 1 ? ` and ${secret.length - 1} more` : ''} take a secret value in with:, which a saved plan never holds; pass secrets through connections (env) instead, or use 'runbook run'`,
    );
  }
  const unknown = plan.steps.filter((s) => s.disposition === 'unresolved').map((s) => s.id);
  if (unknown.length > 0) {
    throw new RunbookError(
      'PLAN_STALE',
      `the plan does not know the operations of step ${unknown.map((s) => `'${s}'`).join(', ')} (they depend on what an earlier step reads); make the plan with --online so that apply runs exactly what was reviewed`,
    );
  }
}

/**
 * Refuses a plan made against other servers than the ones `apply` would talk to now: a connection whose
 * URL differs, or one that `--sim` pointed at the simulator on one side only. `current` is keyed by name.
 */
export function checkPlanConnections(plan: PlanDocument, current: Record<string, PlanConnection>): void {
  const planned = plan.connections as Record<string, PlanConnection> | undefined;
  if (planned === undefined || planned === null || typeof planned !== 'object') {
    throw new RunbookError(
      'PLAN_TARGET_CHANGED',
      'the plan does not record where its connections pointed, so it cannot be checked against this environment; make a new plan and review it',
    );
  }
  for (const name of new Set([...Object.keys(planned), ...Object.keys(current)])) {
    const then = planned[name];
    const now = current[name];
    if (then === undefined || now === undefined) {
      throw new RunbookError(
        'PLAN_TARGET_CHANGED',
        `connection '${name}' ${then === undefined ? 'is not in the plan' : 'is in the plan but not used now'}; make a new plan and review it`,
      );
    }
    if (then.simulator && now.simulator) continue;
    if (then.simulator) {
      throw new RunbookError(
        'PLAN_TARGET_CHANGED',
        `connection '${name}' pointed at the built-in simulator (--sim, ${then.url}) when the plan was made, and points at ${now.url} now; apply the plan with --sim, or make a new plan against ${now.url} and review it`,
      );
    }
    if (now.simulator) {
      throw new RunbookError(
        'PLAN_TARGET_CHANGED',
        `connection '${name}' pointed at ${then.url} when the plan was made, and --sim points it at the built-in simulator (${now.url}); apply the plan without --sim, or make a new plan with --sim`,
      );
    }
    if (then.url !== now.url) {
      throw new RunbookError(
        'PLAN_TARGET_CHANGED',
        `connection '${name}' pointed at ${then.url} when the plan was made, and points at ${now.url} now; a plan applies only to the servers it was made against: make a new plan against ${now.url} and review it`,
      );
    }
  }
}
