// A simulated BAO and a real `bao` connection to it, per test, plus the plan-then-run steps the engine takes.

import type { ActionDefinition, Operation, PlannedOperation, RunContext, RunResult } from '../../../src/contracts/action.js';
import { RunbookError } from '../../../src/errors.js';
import { startSimulator, type RecordedRequest, type SimConfigInput, type Simulator } from '../../../src/sim/index.js';
import { actionHarness, simConnectionConfig, type ActionHarness } from '../../helpers/action-context.js';

export interface Bao {
  sim: Simulator;
  harness: ActionHarness;
}

/** Starts simulators on port 0 and closes all of them (and their connections) in `closeAll`. */
export class BaoFixtures {
  readonly #open: Bao[] = [];

  async start(config?: SimConfigInput): Promise<Bao> {
    const sim = await startSimulator({ port: 0, ...(config ? { config } : {}) });
    const harness = actionHarness(simConnectionConfig('bao', sim.url));
    const bao = { sim, harness };
    this.#open.push(bao);
    return bao;
  }

  async closeAll(): Promise<void> {
    const all = this.#open.splice(0);
    await Promise.all(
      all.map(async ({ sim, harness }) => {
        await harness.close();
        await sim.close();
      }),
    );
  }
}

/** What `plan` gives for these inputs, as the engine asks it. */
export function planOf<I>(action: ActionDefinition<I>, inputs: I): PlannedOperation<I>[] {
  if (!action.plan) throw new Error(`${action.name} has no plan`);
  return action.plan(inputs, { step: { id: 'test' }, connection: { name: 'test', type: 'bao', url: 'http://bao.invalid' } });
}

/** The operation the engine hands to run/probe for one planned operation. */
export function operationOf<I>(planned: PlannedOperation<I>): Operation<I> {
  return { key: `test/${planned.key ?? ''}`, inputs: planned.inputs };
}

/** Plans, then runs every operation in order, as the engine does for one step. */
export async function planAndRun<I, O>(action: ActionDefinition<I, O>, inputs: I, ctx: RunContext): Promise<Array<RunResult<O>>> {
  const results: Array<RunResult<O>> = [];
  for (const planned of planOf(action, inputs)) results.push(await action.run(operationOf(planned), ctx));
  return results;
}

/** The RunbookError a call rejects with; fails the test when it resolves or throws something else. */
export async function failureOf(fn: () => Promise<unknown>): Promise<RunbookError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof RunbookError) return e;
    throw new Error(`expected a RunbookError, got ${String(e)}`);
  }
  throw new Error('expected a failure, but it succeeded');
}

/** The requests other than login and logout, as `METHOD raw-pathname`. */
export function calls(sim: Simulator): string[] {
  return peerRequests(sim).map((r) => `${r.method} ${r.pathname}`);
}

/** The requests other than login and logout. */
export function peerRequests(sim: Simulator): RecordedRequest[] {
  return sim.requests.filter((r) => r.pathname !== '/baocdp/rest/login' && r.pathname !== '/baocdp/rest/logout');
}

/** The requests that could change something (anything but GET). */
export function mutatingRequests(sim: Simulator): RecordedRequest[] {
  return peerRequests(sim).filter((r) => r.method !== 'GET');
}

export const BAO_CONTENT_TYPE = 'application/json;charset=UTF-8';

/** The answers BAO may give to an accepted stop/start, all of which mean success. */
export const ACCEPTED_VARIANTS: Array<{ label: string; bao: SimConfigInput['bao'] }> = [
  { label: '204 without a body', bao: { acceptStatus: 204 } },
  { label: '202 with {"response":"Success"}', bao: { acceptStatus: 202, acceptBody: { response: 'Success' } } },
  { label: '202 without a body', bao: { acceptStatus: 202, acceptBody: null } },
  { label: '200 with {"response":"Success"}', bao: { acceptStatus: 200, acceptBody: { response: 'Success' } } },
  { label: '200 without a body', bao: { acceptStatus: 200, acceptBody: null } },
  { label: '200 with a JSON body that has no response field', bao: { acceptStatus: 200, acceptBody: { accepted: true } } },
];

/** Answers that look accepted by status but say Failure in the body. */
export const FAILURE_VARIANTS: Array<{ label: string; bao: SimConfigInput['bao'] }> = [
  { label: '200 with {"response":"Failure"}', bao: { acceptStatus: 200, acceptBody: { response: 'Failure' } } },
  { label: '202 with {"response":"Failure"}', bao: { acceptStatus: 202, acceptBody: { response: 'Failure' } } },
];
