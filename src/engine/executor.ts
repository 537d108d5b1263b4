// Runs a runbook: steps in order, the operations of a step concurrently under the step's and the run's
// caps (run-step.ts, run-loop.ts), each operation's failure counted against the step's budget. Knows
// nothing of any vendor. Everything that happens is emitted to the sink as events; the report is made
// from them by report/builder.ts. A preview (dry run, `plan --online`) is preview.ts.

import type { ResolvedStep } from '../plan/types.js';
import type { RunStatus } from '../report/types.js';
import type { OperationError } from '../plan/types.js';
import { allSteps } from '../runbook/model.js';
import {
  closeSession,
  expand,
  mainStatus,
  openSession,
  rememberOutputs,
  rememberStatus,
  type EventSink,
  type ExecuteContext,
  type ResumeFrom,
} from './context.js';
import { runHandlers, trackedSteps } from './handlers.js';
import { stepsReadByOthers } from './outputs.js';
import { notStartedStep, runStep } from './run-step.js';

export type { EventSink, ExecuteContext, ResumeFrom, RunConnection, RunSignals } from './context.js';

/** What a run adds to the context of a preview. */
export interface RunOptions {
  /** Skip the operations a previous run completed. */
  resume?: ResumeFrom;
  /** Execute these expansions instead of expanding the steps again (`apply` of a saved plan). */
  planned?: ReadonlyMap<string, ResolvedStep>;
  /** The runId of the run this one undoes (`revert`): its steps are the inverse ones, already planned. */
  revertOf?: string;
}

/**
 * Executes the runbook, emitting every event to `sink`, and resolves to the run's status. Never throws
 * for a failure of the run itself. A failed step stops the run unless it sets continueOnError: the steps
 * after it are skipped (or cancelled, once the run is stopped), each accounted for.
 */
export async function executeRunbook(ctx: ExecuteContext & RunOptions, sink: EventSink): Promise<RunStatus> {
  const session = openSession(ctx, sink, 'run', ctx.resume?.runId, ctx.revertOf);
  const extras = {
    ...(ctx.resume ? { resume: ctx.resume } : {}),
    readLater: stepsReadByOthers(allSteps(ctx.runbook)),
    track: trackedSteps(ctx.runbook),
  };
  let halted: string | undefined;
  let failed = false;
  let error: OperationError | undefined;
  for (const step of ctx.runbook.steps) {
    const resolved = ctx.planned?.get(step.id) ?? expand(session, step);
    if (halted !== undefined || session.stop.aborted) {
      const status = session.stop.aborted ? 'cancelled' : 'skipped';
      notStartedStep(step, resolved, status, session.stop.aborted ? 'the run was cancelled before this step started' : halted!, session);
      session.unknownOutputs.set(step.id, `was ${status}`);
      rememberStatus(session, step.id, status);
      continue;
    }
    const outcome = await runStep(step, resolved, session, extras);
    rememberOutputs(session, step, outcome);
    if (outcome.status === 'failed' && !step.continueOnError) {
      failed = true;
      halted = `step '${step.id}' failed and it does not set continueOnError`;
      error = { code: 'STEP_FAILED', message: `step '${step.id}' failed: ${outcome.reason ?? 'failed'}` };
    }
  }
  const main = mainStatus(session, failed);
  if (ctx.runbook.onFailure === undefined && ctx.runbook.finally === undefined) return closeSession(session, failed, settled(main, error));
  // A stop that is no signal (the journal cannot be written) fails the run: onFailure runs for it.
  const interrupted = (ctx.signals?.interrupt ?? session.stop).aborted;
  const handlerFailure = await runHandlers(session, main === 'cancelled' && !interrupted ? 'failed' : main, extras);
  if (main === 'succeeded' && handlerFailure !== undefined) {
    const status = interrupted ? 'cancelled' : 'failed';
    const message = `the main steps succeeded, but ${handlerFailure.part} step '${handlerFailure.step}' failed: ${handlerFailure.reason}`;
    return closeSession(session, failed, { status, error: { code: 'HANDLER_FAILED', message } });
  }
  return closeSession(session, failed, settled(main, error));
}

/** The end of a run whose status is that of its main steps. */
function settled(status: RunStatus, error: OperationError | undefined): { status: RunStatus; error?: OperationError } {
  return status === 'failed' && error !== undefined ? { status, error } : { status };
}
