// What stopping and restarting a whole host agent share: one POST that starts an OCP task, then polling
// the task until it ends, within the step's `timeout`.

import type {
  ChangedOperation,
  InverseOperation,
  JsonSchema,
  Operation,
  PlannedOperation,
  Prediction,
  RunContext,
  RunResult,
} from '../../contracts/action.js';
import { encodePath } from '../../connections/encode-path.js';
import { RunbookError, isRunbookError } from '../../errors.js';
import { DURATION_PATTERN, parseDuration } from '../../common/durations.js';
import { dataOf, withHostNotFound } from './processes.js';
import { taskFromAnswer, waitForTask, type OcpTask } from './tasks.js';

/** The `with:` of ocp.stopAgent and ocp.restartAgent. */
export interface AgentVerbInputs {
  hostId: number;
  /** How long to wait for the task, e.g. `10m` (the default). */
  timeout?: string;
  /** Time between two polls of the task, e.g. `2s` (the default). */
  interval?: string;
}

export type AgentVerb = 'stop' | 'restart';

export const DEFAULT_AGENT_TIMEOUT = '10m';
export const DEFAULT_AGENT_INTERVAL = '2s';

export const agentVerbInputsSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['hostId'],
  properties: {
    hostId: { type: 'integer', minimum: 1, description: 'OCP host id.' },
    timeout: {
      type: 'string',
      pattern: DURATION_PATTERN,
      default: DEFAULT_AGENT_TIMEOUT,
      description: `How long to wait for the OCP task to end (default ${DEFAULT_AGENT_TIMEOUT}).`,
    },
    interval: {
      type: 'string',
      pattern: DURATION_PATTERN,
      default: DEFAULT_AGENT_INTERVAL,
      description: `Time between two polls of the task (default ${DEFAULT_AGENT_INTERVAL}).`,
    },
  },
};

export const agentVerbOutputsSchema: JsonSchema = {
  type: 'object',
  properties: { task: { type: 'object', description: 'The OCP task as last read (id, name, status SUCCESSFUL, ...).' } },
};

/** The path of the verb on a host's agent. */
export function agentVerbPath(hostId: number, verb: AgentVerb): string {
  return verb === 'stop' ? encodePath`/compute/hosts/${hostId}/agent/stop` : encodePath`/compute/hosts/${hostId}/agent/restart`;
}

/** The one operation of an agent verb: the POST, known in full before running. */
export function planAgentVerb(inputs: AgentVerbInputs, verb: AgentVerb): PlannedOperation<AgentVerbInputs>[] {
  return [{ key: `host=${inputs.hostId}`, inputs, request: { method: 'POST', path: agentVerbPath(inputs.hostId, verb) } }];
}

/** Sends the verb and waits for its task: `changed` once it is SUCCESSFUL. */
export async function runAgentVerb(
  op: Operation<AgentVerbInputs>,
  ctx: RunContext,
  verb: AgentVerb,
): Promise<RunResult<{ task: OcpTask }>> {
  const { hostId } = op.inputs;
  const timeoutMs = durationInput(op.inputs.timeout, DEFAULT_AGENT_TIMEOUT, 'timeout');
  const intervalMs = durationInput(op.inputs.interval, DEFAULT_AGENT_INTERVAL, 'interval');
  const res = await withHostNotFound(hostId, () => ctx.http.request({ method: 'POST', path: agentVerbPath(hostId, verb) }));
  const first = taskFromAnswer(res.body, `the agent ${verb} of host ${hostId}`);
  ctx.log.debug({ taskId: first.id, status: first.status }, `agent ${verb} task started`);
  const task = await waitForTask(ctx.http, first, {
    timeoutMs,
    intervalMs,
    sleep: (ms) => ctx.sleep(ms),
    signal: ctx.signal,
    purpose: `the agent ${verb} of host ${hostId}`,
  });
  return { status: 'changed', outputs: { task } };
}

/** The operation that undoes a changed agent verb: `action` on the same host, which the key names (`host=20`). */
export function inverseAgentVerb(done: ChangedOperation, action: string): InverseOperation {
  const host = /(?:^|\/)host=(\d+)$/.exec(done.key);
  if (host === null) throw new RunbookError('SCHEMA', `the key ${done.key} does not name the host it acted on (…/host=ID)`);
  return { action, inputs: { hostId: Number(host[1]) } };
}

/** Reads the host's agent (GET only): an unknown host would fail, any other would change. */
export async function probeAgentVerb(op: Operation<AgentVerbInputs>, ctx: RunContext, verb: AgentVerb): Promise<Prediction> {
  const { hostId } = op.inputs;
  try {
    durationInput(op.inputs.timeout, DEFAULT_AGENT_TIMEOUT, 'timeout');
    durationInput(op.inputs.interval, DEFAULT_AGENT_INTERVAL, 'interval');
    const res = await withHostNotFound(hostId, () => ctx.http.request({ method: 'GET', path: encodePath`/compute/hosts/${hostId}/agent` }));
    const agent = dataOf(res.body);
    const status = agent !== null && typeof agent === 'object' ? (agent as Record<string, unknown>).status : undefined;
    const now = typeof status === 'string' ? ` is ${status}` : ' exists';
    return { outcome: 'would change', reason: `the agent of host ${hostId}${now}; OCP would run an agent ${verb} task` };
  } catch (e) {
    if (isRunbookError(e) && (e.code === 'NOT_FOUND' || e.code === 'INVALID_INPUT')) return { outcome: 'would fail', reason: e.message };
    throw e;
  }
}

/** A duration input in milliseconds; refuses text that is not a duration, and zero. */
function durationInput(text: string | undefined, fallback: string, name: string): number {
  const ms = parseDuration(text ?? fallback);
  if (ms === undefined || ms <= 0) {
    throw new RunbookError('INVALID_INPUT', `with.${name} '${text}' is not a positive duration; write it like 500ms, 30s or 10m`);
  }
  return ms;
}
