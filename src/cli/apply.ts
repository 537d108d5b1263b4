// `runbook apply PLAN`: execute exactly the operations of a reviewed plan, and nothing else. Refuses a
// plan whose runbook changed, one older than --max-age, one that left operations unknown, and one made
// against other servers than its connections point at now. A plan made with `plan --revert-from` runs as
// a revert of the run it names.

import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { RunbookError } from '../errors.js';
import { checkPlanConnections, checkPlanIsApplicable, readPlanFile } from '../plan/plan-file.js';
import type { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { paramsOf, runCommand, type RunCommandOptions } from './run.js';
import { resolvePath } from './load-for-command.js';

export interface ApplyCommandOptions extends Omit<RunCommandOptions, 'file' | 'dryRun' | 'resume' | 'sim' | 'simConfig'> {
  plan: string;
  maxAgeMs: number;
  sim: boolean;
  simConfig?: string;
}

export async function applyCommand(options: ApplyCommandOptions, io: CliIo): Promise<ExitCode> {
  const plan = await readPlanFile(resolvePath(io, options.plan));
  const file = plan.runbook.path ?? plan.runbook.file;
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new RunbookError(
      'PLAN_STALE',
      `the plan's runbook ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}); apply runs only the runbook the plan was made from`,
    );
  }
  checkPlanIsApplicable(plan, createHash('sha256').update(bytes).digest('hex'), options.maxAgeMs);
  return runCommand(
    {
      ...options,
      file,
      dryRun: false,
      // The plan's params, under what is given again (secret params must be: the plan does not keep them).
      recordedParams: paramsOf(plan.params, options.plan),
    },
    io,
    {
      steps: new Map(plan.steps.map((s) => [s.id, s])),
      checkConnections: (current) => checkPlanConnections(plan, current),
      // A plan of a revert runs as one: its steps are the inverse ones, in the plan's order.
      ...(plan.revertOf !== undefined ? { revertOf: plan.revertOf } : {}),
    },
  );
}
