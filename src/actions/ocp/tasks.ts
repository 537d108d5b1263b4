// OCP asynchronous tasks: reading a task from an answer, and polling it until it ends, fails or runs out
// of time. Task pages differ between OCP versions, so the reading is lenient.

import { encodePath } from '../../connections/encode-path.js';
import type { HttpClient } from '../../contracts/connection.js';
import { RunbookError } from '../../errors.js';
import { formatDuration } from '../../common/durations.js';
import { dataOf } from './processes.js';

/** A task instance as OCP returns it; fields beyond these are kept as they come. */
export interface OcpTask {
  id: number;
  name?: string;
  status: string;
  [field: string]: unknown;
}

/** Where a task stands: ended well, ended badly, or still going. */
export type TaskOutcome = 'succeeded' | 'failed' | 'running';

const SUCCEEDED = new Set(['SUCCESSFUL', 'SUCCESS', 'SUCCEEDED']);
const FAILED = new Set(['FAILED', 'FAILURE', 'ABORTED', 'CANCELED', 'CANCELLED']);

/** Classifies a task status; anything not known to be final counts as still running. */
export function taskOutcome(task: OcpTask): TaskOutcome {
  const status = task.status.toUpperCase();
  if (SUCCEEDED.has(status)) return 'succeeded';
  if (FAILED.has(status)) return 'failed';
  return 'running';
}

/**
 * The task in an OCP answer: `data` holding `id` (or `taskId`, `taskInstanceId`) and `status` (or `state`),
 * or a bare task id. Throws BAD_RESPONSE when there is no task id.
 */
export function taskFromAnswer(body: unknown, what: string): OcpTask {
  const data = dataOf(body);
  if (typeof data === 'number' && Number.isInteger(data)) return { id: data, status: 'RUNNING' };
  const record = data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : undefined;
  const rawId = record ? (record.id ?? record.taskId ?? record.taskInstanceId) : undefined;
  const id = typeof rawId === 'string' && /^[0-9]+$/.test(rawId) ? Number(rawId) : rawId;
  if (!record || typeof id !== 'number' || !Number.isInteger(id)) {
    throw new RunbookError(
      'BAD_RESPONSE',
      `OCP answered ${what} without a task id, so the task cannot be followed; check the task list in OCP`,
    );
  }
  const rawStatus = record.status ?? record.state;
  const task: OcpTask = { ...record, id, status: typeof rawStatus === 'string' && rawStatus !== '' ? rawStatus : 'RUNNING' };
  if (typeof record.name !== 'string') delete task.name;
  return task;
}

/** How to wait for a task: milliseconds, resolved from the step's durations. */
export interface TaskWait {
  timeoutMs: number;
  intervalMs: number;
  /** Waits between polls; rejects when the run is cancelled. */
  sleep(ms: number): Promise<void>;
  signal: AbortSignal;
  /** What the task is for, in messages: `the agent stop of host 20`. */
  purpose: string;
}

/**
 * Polls `GET /tasks/instances/{id}` until the task succeeds, and returns it. Throws TASK_FAILED when it
 * fails, WAIT_TIMEOUT when it is still running after `timeoutMs`, CANCELLED when the run is cancelled.
 */
export async function waitForTask(http: HttpClient, first: OcpTask, wait: TaskWait): Promise<OcpTask> {
  const deadline = Date.now() + wait.timeoutMs;
  let task = first;
  for (;;) {
    const outcome = taskOutcome(task);
    if (outcome === 'succeeded') return task;
    if (outcome === 'failed') {
      throw new RunbookError(
        'TASK_FAILED',
        `OCP task ${describeTask(task)} for ${wait.purpose} ended ${task.status}; open the task in OCP to see which sub-task failed`,
        { details: taskDetails(task) },
      );
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new RunbookError(
        'WAIT_TIMEOUT',
        `OCP task ${describeTask(task)} for ${wait.purpose} is still ${task.status} after ${formatDuration(wait.timeoutMs)}; ` +
          'OCP goes on with it: follow it in OCP, or raise with.timeout',
        { details: taskDetails(task) },
      );
    }
    try {
      await wait.sleep(Math.min(wait.intervalMs, left));
    } catch (e) {
      if (!wait.signal.aborted) throw e;
      throw new RunbookError('CANCELLED', `the run was cancelled while waiting for OCP task ${describeTask(task)}; OCP goes on with it`, {
        details: taskDetails(task),
        cause: e,
      });
    }
    task = taskFromAnswer((await http.request({ method: 'GET', path: encodePath`/tasks/instances/${task.id}` })).body, `task ${task.id}`);
  }
}

function describeTask(task: OcpTask): string {
  return task.name ? `'${task.name}' (${task.id})` : String(task.id);
}

function taskDetails(task: OcpTask): Record<string, unknown> {
  return { taskId: task.id, taskName: task.name ?? null, taskStatus: task.status };
}
