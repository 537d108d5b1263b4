// `runbook revert FILE --from REPORT|JOURNAL`: undoes what a run changed. Sends the inverse of every
// operation that ended `changed`, steps in reverse order, each under the settings of the step it undoes.
// It is a run like any other (lock, journal, report with `revertOf`, exit codes), so it can be reverted too.
// `plan --revert-from` makes the same checks and the same plan (prepareRevert), and previews it.

import { RunbookError } from '../errors.js';
import { planRevert, type IrreversibleStep, type RevertPlan } from '../engine/revert-plan.js';
import { loadPreviousRun } from '../report/previous-run.js';
import type { Report } from '../report/types.js';
import { REDACTED } from '../secrets/redactor.js';
import type { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { paramsOf, runCommand, type RunCommandOptions } from './run.js';
import { loadForCommand, resolvePath, type LoadedRunbook } from './load-for-command.js';

/** What `revert` and `plan --revert-from` are told about the run to undo. */
export interface RevertSource {
  /** The runbook file. */
  file: string;
  /** The report or journal of the run to undo. */
  from: string;
  params: string[];
  paramsFiles: string[];
  plugins: string[];
  /** Leave alone what actions without an inverse changed, instead of refusing. */
  skipIrreversible: boolean;
  /** Revert even though the runbook file changed since the run. */
  acceptChangedRunbook: boolean;
}

export interface RevertCommandOptions extends Omit<RunCommandOptions, 'dryRun' | 'resume'>, RevertSource {}

/** A revert, checked and planned: what `revert` runs and `plan --revert-from` shows. */
export interface PreparedRevert {
  /** The run undone (its report, or one rebuilt from its journal). */
  previous: Report;
  /** The runbook as read now, with the run's params under those given again. */
  loaded: LoadedRunbook;
  plan: RevertPlan;
}

/**
 * Reads the run to undo and the runbook (once), refuses what cannot be reverted (exit 2: a dry run,
 * another runbook, a runbook that changed, secret params not given again, changes without an inverse
 * unless skipped) and plans the inverse steps.
 */
export async function prepareRevert(options: RevertSource, io: CliIo): Promise<PreparedRevert> {
  const previous = await loadPreviousRun(resolvePath(io, options.from));
  if (previous.mode === 'dry-run') {
    throw new RunbookError(
      'USAGE',
      `${options.from} is the report of a dry run, which changed nothing: there is nothing to revert; give the report or journal of a run instead`,
    );
  }
  // The run's params, then what is given again (secret params must be: the report does not keep them).
  const recordedParams = paramsOf(previous.params, options.from);
  const { params, paramsFiles, plugins } = options;
  const loaded = await loadForCommand({ file: options.file, params, paramsFiles, recordedParams, plugins, io });
  checkRevertible(options, previous, loaded);
  const plan = planRevert(previous, loaded.runbook, loaded.registry, options.from);
  if (plan.irreversible.length > 0 && !options.skipIrreversible) {
    throw new RunbookError(
      'IRREVERSIBLE',
      `${options.from} records changes that cannot be undone: ${describeIrreversible(plan.irreversible)}; nothing was sent. Give --skip-irreversible to undo the rest and leave these as they are`,
    );
  }
  return { previous, loaded, plan };
}

export async function revertCommand(options: RevertCommandOptions, io: CliIo): Promise<ExitCode> {
  const { previous, loaded, plan } = await prepareRevert(options, io);
  if (plan.irreversible.length > 0 && !options.quiet) {
    io.stderr.write(
      loaded.redactor.redact(`runbook: left as they are (no inverse, --skip-irreversible): ${describeIrreversible(plan.irreversible)}\n`),
    );
  }
  return runCommand({ ...options, dryRun: false }, io, {
    steps: plan.steps,
    checkConnections: () => undefined,
    revertOf: previous.runId,
    loaded,
  });
}

/** "step 'ring' (acme.ring, 1 changed), ..." */
export function describeIrreversible(steps: readonly IrreversibleStep[]): string {
  return steps.map((s) => `step '${s.step}' (${s.action}, ${s.changed} changed)`).join(', ');
}

/** The report must be of this runbook, of this version of it (unless accepted), with its secret params given again. */
function checkRevertible(options: RevertSource, previous: Report, loaded: LoadedRunbook): void {
  const file = options.from;
  const { runbook } = loaded;
  if (previous.runbook.name !== runbook.name) {
    throw new RunbookError(
      'USAGE',
      `${file} belongs to another runbook: it records a run of '${previous.runbook.name}' (${previous.runbook.file}), not of '${runbook.name}' (${runbook.file}); give --from a report or journal of this runbook`,
    );
  }
  if (previous.runbook.sha256 !== runbook.sha256 && !options.acceptChangedRunbook) {
    throw new RunbookError(
      'PLAN_STALE',
      `${runbook.file} changed since the run ${file} records (sha256 ${previous.runbook.sha256.slice(0, 12)}, now ${runbook.sha256.slice(0, 12)}); check that its steps still mean what they meant, then give --accept-changed-runbook`,
    );
  }
  for (const [name, value] of Object.entries(previous.params)) {
    if (value === REDACTED && !loaded.givenParams.has(name)) {
      throw new RunbookError(
        'BAD_PARAM',
        `param '${name}' is secret, so ${file} does not record it; give it again with --param ${name}=... or in a --params-file`,
      );
    }
  }
}
