// What stopping and restarting one agent process share: resolve the target, refuse what OCP forbids,
// send the verb, and check that the answer shows the wanted status.

import type { Operation, Prediction, PlannedOperation, RunContext, RunResult } from '../define.js';
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

export interface ProcessVerb {
  verb: 'stop' | 'restart';
  /** The status the process must show afterwards. */
  wanted: 'STOPPED' | 'STARTED';
  /** Whether a process already in the wanted status is left alone (stop) or acted on anyway (restart). */
  skipWhenAlreadyThere: boolean;
}

export function planProcessVerb(inputs: ProcessTarget, verb: ProcessVerb): PlannedOperation<ProcessTarget>[] {
  const op: PlannedOperation<ProcessTarget> = {
    key: processKey(inputs),
    inputs,
    request: { method: 'POST', path: processVerbPath(inputs, verb.verb) },
  };
  if (inputs.agentProcessId === undefined) op.unresolved = `the id of alias '${inputs.alias}' is looked up on host ${inputs.hostId} at run time`;
  return [op];
}

export async function runProcessVerb(
  op: Operation<ProcessTarget>,
  ctx: RunContext,
  verb: ProcessVerb,
): Promise<RunResult<{ process: AgentProcess }>> {
  const target = op.inputs;
  const before = await findProcess(ctx.http, target);
  if (verb.skipWhenAlreadyThere && before.status === verb.wanted) {
    ctx.log.debug({ process: before.id }, `process already ${verb.wanted}`);
    return { status: 'unchanged', outputs: { process: before } };
  }
  assertOperable(before, target.hostId);
  const path = encodePath`/compute/hosts/${target.hostId}/agent/processes/${before.id}/${verb.verb}`;
  let after: AgentProcess | undefined;
  try {
    after = processFromAnswer((await ctx.http.request({ method: 'POST', path })).body);
  } catch (e) {
    // OCP may refuse a stop of a process that stopped meanwhile (CMP07019): read again before failing.
    if (!(isRunbookError(e) && verb.skipWhenAlreadyThere && isStateConflict(e))) throw e;
    const now = await findProcess(ctx.http, { hostId: target.hostId, agentProcessId: before.id });
    if (now.status === verb.wanted) return { status: 'unchanged', outputs: { process: now } };
    throw e;
  }
  if (!after || after.status !== verb.wanted) {
    throw new RunbookError(
      'UNEXPECTED_STATE',
      `after ${verb.verb}, OCP reports process '${before.alias ?? before.id}' on host ${target.hostId} as ${after?.status ?? 'unknown (no process in the answer)'}, not ${verb.wanted}`,
      { details: { hostId: target.hostId, agentProcessId: before.id, status: after?.status ?? null } },
    );
  }
  return { status: 'changed', outputs: { process: after } };
}

export async function probeProcessVerb(op: Operation<ProcessTarget>, ctx: RunContext, verb: ProcessVerb): Promise<Prediction> {
  try {
    const p = await findProcess(ctx.http, op.inputs);
    const name = `'${p.alias ?? p.id}' (${p.id})`;
    if (verb.skipWhenAlreadyThere && p.status === verb.wanted) return { outcome: 'unchanged', reason: `process ${name} is already ${p.status}` };
    if (p.operable === false) return { outcome: 'would fail', reason: `process ${name} is not operable` };
    return { outcome: 'would change', reason: `process ${name} is ${p.status}, so ${verb.verb}` };
  } catch (e) {
    if (isRunbookError(e) && e.code === 'NOT_FOUND') return { outcome: 'would fail', reason: e.message };
    throw e;
  }
}

function isStateConflict(e: RunbookError): boolean {
  return e.details?.ocpCode === 'CMP07019' || e.details?.ocpCode === 7019 || e.details?.status === 409;
}
