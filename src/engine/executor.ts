// Runs a runbook: steps in order, the operations of a step concurrently under the step's and the run's
// caps (run-step.ts, run-loop.ts), each operation's failure counted against the step's budget. Knows
// nothing of any vendor. Everything that happens is emitted to the sink as events; the report is made
// from them by report/builder.ts. A preview (dry run, `plan --online`) is preview.ts.

import type { ResolvedStep } from '../plan/types.js';
import type { RunStatus } from '../report/types.js';
import { closeSession, expand, openSession, rememberOutputs, type EventSink, type ExecuteContext, type ResumeFrom } from './context.js';
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
  const extras = { ...(ctx.resume ? { resume: ctx.resume } : {}), readLater: stepsReadByOthers(ctx.runbook.steps) };
  let halted: string | undefined;
  let failed = false;
  for (const step of ctx.runbook.steps) {
    const resolved = ctx.planned?.get(step.id) ?? expand(session, step);
    if (halted !== undefined || session.stop.aborted) {
      const status = session.stop.aborted ? 'cancelled' : 'skipped';
      notStartedStep(step, resolved, status, session.stop.aborted ? 'the run was cancelled before this step started' : halted!, session);
      session.unknownOutputs.set(step.id, `was ${status}`);
      continue;
    }
    const outcome = await runStep(step, resolved, session, extras);
    rememberOutputs(session, step, outcome);
    if (outcome.status === 'failed' && !step.continueOnError) {
      failed = true;
      halted = `step '${step.id}' failed and it does not set continueOnError`;
    }
  }
  return closeSession(session, failed);
}
