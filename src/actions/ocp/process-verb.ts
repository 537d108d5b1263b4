// What stopping and restarting one agent process share: resolve the target, refuse what OCP forbids,
// send the verb, and check that the process then shows the wanted status.

import type {
  ChangedOperation,
  InverseOperation,
  Operation,
  Prediction,
  PlannedOperation,
  RunContext,
  RunResult,
} from '../../contracts/action.js';
import { RunbookError, isRunbookError } from '../../errors.js';
import {
  assertOperable,
  findProcess,
  processFromAnswer,
  processKey,
  processVerbPath,
  type AgentProcess,
  type ProcessTarget,
} from './processes.js';
import { encodePath } from '../../connections/encode-path.js';

/** One per-process verb: its path segment, the status it leads to, and whether reaching it twice is a no-op. */
export interface ProcessVerb {
  verb: 'stop' | 'restart';
  /** The status the process must show afterwards. */
  wanted: 'STOPPED' | 'STARTED';
  /** Whether a process already in the wanted status is left alone (stop) or acted on anyway (restart). */
  skipWhenAlreadyThere: boolean;
}

/** The one operation of a process verb; its path holds `{alias=...}` until the alias is resolved at run time. */
export function planProcessVerb(inputs: ProcessTarget, verb: ProcessVerb): PlannedOperation<ProcessTarget>[] {
  const op: PlannedOperation<ProcessTarget> = {
    key: processKey(inputs),
    inputs,
    request: { method: 'POST', path: processVerbPath(inputs, verb.verb) },
  };
  if (inputs.agentProcessId === undefined)
    op.unresolved = `the id of alias '${inputs.alias}' is looked up on host ${inputs.hostId} at run time`;
  return [op];
}

/**
 * Reads the process, skips it when it is already in the wanted status (stop only), refuses a process that
 * is not operable, sends the verb and checks the outcome. OCP answers with the process; when it does not,
 * the process is read again instead.
 */
export async function runProcessVerb(
  op: Operation<ProcessTarget>,
  ctx: RunContext,
  verb: ProcessVerb,
): Promise<RunResult<{ process: AgentProcess }>> {
  const { hostId } = op.inputs;
  const before = await findProcess(ctx.http, op.inputs, ctx);
  if ((verb.skipWhenAlreadyThere || op.inputs.onlyIfStopped === true) && before.status === verb.wanted) {
    ctx.log.debug({ process: before.id }, `process already ${verb.wanted}; nothing sent`);
    return { status: 'unchanged', outputs: { process: before } };
  }
  assertOperable(before, hostId);
  const path = encodePath`/compute/hosts/${hostId}/agent/processes/${before.id}/${verb.verb}`;
  let after: AgentProcess | undefined;
  try {
    // A stop sent twice stops once (OCP refuses the second, handled below); a restart sent twice restarts
    // twice, so only a stop may be retried after a timeout.
    after = processFromAnswer((await ctx.http.request({ method: 'POST', path, idempotent: verb.skipWhenAlreadyThere })).body);
  } catch (e) {
    // A process stopped by someone else since the read may be refused with CMP07019: read again before failing.
    if (!(isRunbookError(e) && verb.skipWhenAlreadyThere && isStateConflict(e))) throw e;
    const now = await findProcess(ctx.http, { hostId, agentProcessId: before.id }, ctx);
    if (now.status === verb.wanted) return { status: 'unchanged', outputs: { process: now } };
    throw e;
  }
  if (after === undefined) after = await findProcess(ctx.http, { hostId, agentProcessId: before.id }, ctx);
  else if (typeof after.hostId !== 'number') after = { ...after, hostId };
  if (after.status !== verb.wanted) {
    throw new RunbookError(
      'UNEXPECTED_STATE',
      `after ${verb.verb}, OCP reports process '${before.alias ?? before.id}' (${before.id}) on host ${hostId} as ${String(after.status)}, not ${verb.wanted}; look at the process log on the host`,
      { details: { hostId, agentProcessId: before.id, status: after.status ?? null } },
    );
  }
  return { status: 'changed', outputs: { process: after } };
}

/** Predicts a process verb with the process list only (GET): unknown host or process and not operable would fail. */
export async function probeProcessVerb(op: Operation<ProcessTarget>, ctx: RunContext, verb: ProcessVerb): Promise<Prediction> {
  let p: AgentProcess;
  try {
    p = await findProcess(ctx.http, op.inputs, ctx);
  } catch (e) {
    if (isRunbookError(e) && e.code === 'NOT_FOUND') return { outcome: 'would fail', reason: e.message };
    throw e;
  }
  const name = `'${p.alias ?? p.id}' (${p.id})`;
  if ((verb.skipWhenAlreadyThere || op.inputs.onlyIfStopped === true) && p.status === verb.wanted)
    return { outcome: 'unchanged', reason: `process ${name} is already ${p.status}` };
  if (p.operable === false) return { outcome: 'would fail', reason: `process ${name} is not operable` };
  return {
    outcome: 'would change',
    reason: `process ${name} is ${p.status}, so ${verb.verb} it`,
    request: { method: 'POST', path: encodePath`/compute/hosts/${op.inputs.hostId}/agent/processes/${p.id}/${verb.verb}` },
  };
}

/**
 * The operation that undoes a changed process verb: `action` on the process the run acted on, by the id it
 * resolved (an alias may have moved since).
 */
export function inverseProcessVerb(
  done: ChangedOperation<{ process?: AgentProcess }>,
  action: string,
  extra: Record<string, unknown> = {},
): InverseOperation {
  const p = done.outputs?.process;
  if (p === undefined || typeof p.id !== 'number' || typeof p.hostId !== 'number') {
    throw new RunbookError('SCHEMA', `the record of ${done.key} does not say which process it acted on (outputs.process.id and hostId)`);
  }
  return { action, inputs: { hostId: p.hostId, agentProcessId: p.id, ...extra } };
}

/** OCP's "the agent state does not allow the operation" (CMP07019, 7019 before 4.2), or a bare 409. */
function isStateConflict(e: RunbookError): boolean {
  return e.details?.ocpCode === 'CMP07019' || e.details?.ocpCode === 7019 || e.details?.status === 409;
}
