// `runbook run FILE` and `runbook apply PLAN`: lock, connect, execute, journal, report, exit code.

import type { Logger } from 'pino';
import { executeRunbook, type ExecuteContext, type ResumeFrom } from '../engine/executor.js';
import { previewRunbook } from '../engine/preview.js';
import { inverseRunbook } from '../engine/revert-plan.js';
import { openRunbookConnections } from '../engine/connections.js';
import { acquireLock, defaultLockPath, type RunLock } from '../engine/lock.js';
import { RunbookError, ValidationError } from '../errors.js';
import type { PlanConnection } from '../plan/plan-file.js';
import { missingEnvironment } from '../runbook/env-references.js';
import type { ConnectionSpec } from '../runbook/model.js';
import type { ParamValues } from '../runbook/params.js';
import type { ResolvedStep } from '../plan/types.js';
import { journalPathFor, openJournal, type JournalSink } from '../report/journal.js';
import { completedOperations, loadPreviousRun } from '../report/previous-run.js';
import { RunRecorder } from '../report/builder.js';
import type { Report } from '../report/types.js';
import { REDACTED } from '../secrets/redactor.js';
import { describeWriteError, formatArtifactFailures, reportPathInDir, writeArtifacts, type ArtifactFailure } from './artifacts.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { formatFailures, formatRunSummary, hasNotices, hasToleratedFailures } from './format.js';
import type { CliIo } from './io.js';
import { createLogger } from './logger.js';
import { plannedConnections } from './plan-target.js';
import { consoleSink } from './run-console.js';
import { watchSignals, type Interruption } from './signals.js';
import { checkOutputPaths, createReportFolder, outputPathsOf } from './output-paths.js';
import { loadForCommand, resolvePath, type LoadedRunbook } from './load-for-command.js';
import { isSimulated, startRunSimulator, type RunSimulator } from './with-sim.js';

export interface RunCommandOptions {
  file: string;
  params: string[];
  paramsFiles: string[];
  /** The params a plan recorded: below the params files and --param. */
  recordedParams?: ParamValues;
  plugins: string[];
  report?: string;
  reportDir?: string;
  junit?: string;
  summaryMd?: string;
  html?: string;
  concurrency?: number;
  dryRun: boolean;
  logLevel?: string;
  logFile?: string;
  /** Time in-flight operations get to finish after the first SIGINT/SIGTERM. */
  graceMs: number;
  quiet: boolean;
  /** Start the built-in simulator for this run and point every ocp and bao connection at it. */
  sim: boolean;
  simConfig?: string;
  /** A report or journal of an earlier run: send again only what did not complete. */
  resume?: string;
  lock?: string;
}

/** What `apply` adds: the reviewed expansion to execute instead of expanding again. */
export interface AppliedPlan {
  steps: ReadonlyMap<string, ResolvedStep>;
  /** Throws when the connections, as resolved now, point elsewhere than the plan's; before anything is sent. */
  checkConnections(current: Record<string, PlanConnection>): void;
  /** A revert: the runId of the run undone. The runbook's steps are replaced by `steps` (the inverse ones), in their order. */
  revertOf?: string;
  /** The runbook as the caller already read and checked it: it is not read again. */
  loaded?: LoadedRunbook;
}

export async function runCommand(options: RunCommandOptions, io: CliIo, applied?: AppliedPlan): Promise<ExitCode> {
  let resume: ResumeFrom | undefined;
  let recordedParams = options.recordedParams;
  let previous: Report | undefined;
  if (options.resume) {
    previous = await loadPreviousRun(resolvePath(io, options.resume));
    resume = { runId: previous.runId, done: completedOperations(previous) };
    recordedParams = paramsOf(previous.params, options.resume);
  }
  const { params, paramsFiles, plugins } = options;
  const read = applied?.loaded ?? (await loadForCommand({ file: options.file, params, paramsFiles, recordedParams, plugins, io }));
  const loaded =
    applied?.revertOf !== undefined ? { ...read, runbook: inverseRunbook(read.runbook, [...applied.steps.values()], options.file) } : read;
  if (previous) checkResumable(options.resume!, previous, loaded);
  checkEnvironmentIsSet(options, loaded, io, applied !== undefined);
  const { runbook, redactor } = loaded;
  const outputProblems = checkOutputPaths(outputPathsOf(resolvedOutputs(options, io)));
  if (outputProblems.length > 0) throw new ValidationError(outputProblems);
  if (options.reportDir) createReportFolder(resolvePath(io, options.reportDir));
  // Files that could not be written during the run (the log, the journal), told with the others at its end.
  const outputFailures: ArtifactFailure[] = [];
  const logFile = options.logFile && resolvePath(io, options.logFile);
  const log = createLogger({
    level: options.logLevel,
    file: logFile,
    redactor,
    onFailure: (e) => outputFailures.push({ file: logFile as string, reason: describeWriteError(e) }),
  });
  const say = (text: string) => {
    if (!options.quiet) io.stdout.write(redactor.redact(text));
  };

  // Signals are watched before the lock is taken and until it is released, so that no signal can end the
  // process while it holds the lock. A signal before the run starts cancels it (the report says so).
  const interruption = watchSignals(options.graceMs, log, (text) => io.stderr.write(redactor.redact(text)));
  let lock: RunLock | undefined;
  let simulator: RunSimulator | undefined;
  try {
    if (!options.dryRun) {
      const notice = (text: string) => {
        if (!options.quiet) io.stderr.write(redactor.redact(text));
      };
      lock = acquireLock(options.lock ? resolvePath(io, options.lock) : defaultLockPath(runbook.file, runbook.name, io.env), runbook.name, {
        log,
        notice,
      });
    }
    simulator = options.sim ? await startRunSimulator(options.simConfig && resolvePath(io, options.simConfig)) : undefined;
    if (simulator) say(`Using the built-in simulator at ${simulator.sim.url} for every ocp and bao connection.\n\n`);
    return await execute(options, io, loaded, log, say, simulator, interruption, resume, applied, outputFailures);
  } finally {
    await simulator?.sim.close();
    lock?.release();
    interruption.dispose();
  }
}

/** The output paths of a run, relative to the working directory. */
function resolvedOutputs(options: RunCommandOptions, io: CliIo) {
  const resolved = (file: string | undefined) => file && resolvePath(io, file);
  return {
    report: resolved(options.report),
    reportDir: resolved(options.reportDir),
    junit: resolved(options.junit),
    summaryMd: resolved(options.summaryMd),
    html: resolved(options.html),
    logFile: resolved(options.logFile),
  };
}

/** The params a report or plan recorded, as values below the params files and --param; secret ones it does not hold. */
export function paramsOf(values: Record<string, unknown>, file: string): ParamValues {
  return { source: file, values: Object.fromEntries(Object.entries(values).filter(([, v]) => v !== REDACTED)) };
}

/**
 * Refuses to start (exit code 2), before the lock and the first request, while any `env.NAME` the run
 * will read is not set: every one of them at once, each at its file:line:col.
 */
function checkEnvironmentIsSet(options: RunCommandOptions, loaded: LoadedRunbook, io: CliIo, applying: boolean): void {
  const missing = missingEnvironment(loaded.runbook, io.env, {
    credentials: !options.dryRun,
    steps: !applying,
    ...(options.sim ? { replaced: (_name: string, spec: ConnectionSpec) => isSimulated(spec) } : {}),
  });
  if (missing.length > 0) throw new ValidationError(missing);
}

function checkResumable(file: string, previous: Report, loaded: LoadedRunbook): void {
  if (previous.runbook.name !== loaded.runbook.name) {
    throw new RunbookError(
      'USAGE',
      `${file} belongs to another runbook: it records a run of '${previous.runbook.name}' (${previous.runbook.file}), not of '${loaded.runbook.name}' (${loaded.runbook.file}); give --resume a report or journal of this runbook`,
    );
  }
  if (previous.runbook.sha256 !== loaded.runbook.sha256) {
    throw new RunbookError(
      'PLAN_STALE',
      `${file} records a run of a different version of ${loaded.runbook.file} (sha256 ${previous.runbook.sha256.slice(0, 12)}, now ${loaded.runbook.sha256.slice(0, 12)}); resume only works with the same runbook`,
    );
  }
  const missing = Object.entries(previous.params)
    .filter(([, v]) => v === REDACTED)
    .map(([k]) => k);
  for (const name of missing) {
    if (!loaded.givenParams.has(name)) {
      throw new RunbookError(
        'BAD_PARAM',
        `param '${name}' is secret, so ${file} does not record it; give it again with --param ${name}=... or in a --params-file`,
      );
    }
  }
}

async function execute(
  options: RunCommandOptions,
  io: CliIo,
  loaded: LoadedRunbook,
  log: Logger,
  say: (text: string) => void,
  simulator: RunSimulator | undefined,
  interruption: Interruption,
  resume: ResumeFrom | undefined,
  applied: AppliedPlan | undefined,
  outputFailures: ArtifactFailure[],
): Promise<ExitCode> {
  const { runbook, redactor } = loaded;
  const dryRun = options.dryRun;
  const concurrency = options.concurrency ?? runbook.concurrency;
  const connections = await openConnectionsFor(loaded, io, log, concurrency, dryRun, simulator, applied);

  const startedAt = new Date();
  const reportFile = options.report
    ? resolvePath(io, options.report)
    : options.reportDir
      ? reportPathInDir(resolvePath(io, options.reportDir), runbook.name, startedAt)
      : undefined;
  // An operation that the journal cannot record is not started: a journal that fails (a full disk) stops the run.
  const journalFailed = new AbortController();
  const journal = await openRunJournal(reportFile, loaded, log, journalFailed, connections);

  const run: ExecuteContext = {
    runbook,
    registry: loaded.registry,
    params: loaded.params,
    env: io.env,
    connections: connections.map,
    concurrency,
    log,
    redactor,
    signals: {
      stop: AbortSignal.any([interruption.stop, journalFailed.signal]),
      abort: interruption.abort,
      interruptedBy: () => interruption.signal,
      interrupt: interruption.stop,
    },
  };
  // The report is the fold of the run's events (with the journal, when there is one); the console follows them too.
  const recorder = new RunRecorder(journal);
  const sink = consoleSink(recorder, runbook.steps.length, say, options, io);

  log.info(
    {
      runbook: runbook.name,
      file: runbook.file,
      mode: dryRun ? 'dry-run' : 'run',
      resumedFrom: resume?.runId,
      revertOf: applied?.revertOf,
    },
    'run started',
  );
  try {
    if (dryRun) await previewRunbook(run, sink);
    else
      await executeRunbook(
        {
          ...run,
          ...(resume ? { resume } : {}),
          ...(applied ? { planned: applied.steps } : {}),
          ...(applied?.revertOf !== undefined ? { revertOf: applied.revertOf } : {}),
        },
        sink,
      );
  } finally {
    journal?.close();
    await connections.closeAll();
  }
  return reportOutcome(recorder, journal, reportFile, options, io, redactor, log, say, interruption, outputFailures);
}

/** Opens the runbook's connections; for a saved plan, refuses them when they point elsewhere than the plan's. */
async function openConnectionsFor(
  loaded: LoadedRunbook,
  io: CliIo,
  log: Logger,
  concurrency: number,
  dryRun: boolean,
  simulator: RunSimulator | undefined,
  applied: AppliedPlan | undefined,
) {
  const connections = openRunbookConnections({
    runbook: loaded.runbook,
    registry: loaded.registry,
    scope: { params: loaded.params, env: io.env },
    redactor: loaded.redactor,
    log,
    maxConnections: concurrency,
    allowMissingCredentials: dryRun,
    ...(simulator ? { override: simulator.override } : {}),
  });
  if (applied) {
    try {
      applied.checkConnections(plannedConnections(connections, loaded.runbook, simulator, loaded.redactor));
    } catch (e) {
      await connections.closeAll();
      throw e;
    }
  }
  return connections;
}

/** The journal beside the report, when there is one; a write that fails aborts `failed`. */
async function openRunJournal(
  reportFile: string | undefined,
  loaded: LoadedRunbook,
  log: Logger,
  failed: AbortController,
  connections: { closeAll(): Promise<void> },
): Promise<JournalSink | undefined> {
  if (!reportFile) return undefined;
  let journal: JournalSink | undefined;
  try {
    journal = openJournal(journalPathFor(reportFile), loaded.redactor, (e) => {
      log.error({ journal: journal?.file, err: describeWriteError(e) }, 'the journal cannot be written: starting no new operation');
      failed.abort(e);
    });
  } catch (e) {
    await connections.closeAll();
    throw new RunbookError(
      'OUTPUT_PATH',
      `cannot write the journal next to ${reportFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  return journal;
}

/** Writes the report and its artifacts, tells the console, and returns the exit code that agrees with them. */
async function reportOutcome(
  recorder: RunRecorder,
  journal: JournalSink | undefined,
  reportFile: string | undefined,
  options: RunCommandOptions,
  io: CliIo,
  redactor: LoadedRunbook['redactor'],
  log: Logger,
  say: (text: string) => void,
  interruption: Interruption,
  outputFailures: ArtifactFailure[],
): Promise<ExitCode> {
  const report = recorder.build();
  report.params = redactor.redactValue(report.params);
  if (journal?.failure) {
    const reason = describeWriteError(journal.failure);
    outputFailures.unshift({ file: journal.file as string, reason });
    if (report.status === 'cancelled' && interruption.signal === undefined) {
      report.status = 'failed';
      report.error = {
        code: 'OUTPUT_WRITE',
        message: `the journal ${journal.file} could not be written (${reason}); no operation was started after that`,
      };
    }
  }
  const written = await writeArtifacts(
    report,
    {
      report: reportFile,
      junit: options.junit && resolvePath(io, options.junit),
      summaryMd: options.summaryMd && resolvePath(io, options.summaryMd),
      html: options.html && resolvePath(io, options.html),
    },
    redactor,
  );
  outputFailures.push(...written);
  log.info({ status: report.status, summary: report.summary, report: reportFile }, 'run finished');

  const reportWritten = reportFile !== undefined && !written.some((f) => f.file === reportFile);
  const shown = reportWritten ? (options.report ?? reportFile) : undefined;
  const summary = formatRunSummary(report, shown);
  // --quiet hides nothing that went wrong or was left out: tolerated failures and skipped steps print too.
  if (options.quiet) {
    if (hasNotices(report)) io.stdout.write(redactor.redact(summary + formatFailures(report)));
  } else {
    say(`\n${summary}`);
    if (report.status === 'failed' || hasToleratedFailures(report)) say(formatFailures(report));
  }
  if (outputFailures.length === 0) return exitCodeFor(report, interruption.signal);
  io.stderr.write(redactor.redact(formatArtifactFailures(outputFailures)));
  if (reportFile && !reportWritten && !journal?.failure) {
    io.stderr.write(
      redactor.redact(
        `runbook: the journal is kept; once there is room, rebuild the report: runbook report ${journalPathFor(reportFile)} --out ${reportFile}\n`,
      ),
    );
  }
  return withOutputFailure(exitCodeFor(report, interruption.signal));
}

/** A run whose work is done but whose outputs are not all written exits 4; a failed or interrupted run keeps its code. */
function withOutputFailure(code: ExitCode): ExitCode {
  return code === EXIT.OK || code === EXIT.TOLERATED ? EXIT.OUTPUT_FAILED : code;
}

/** The exit code must agree with the report. */
export function exitCodeFor(report: Report, signal?: string): ExitCode {
  if (report.status === 'cancelled') return signal === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT;
  if (report.status !== 'succeeded') return EXIT.RUN_FAILED;
  return hasToleratedFailures(report) ? EXIT.TOLERATED : EXIT.OK;
}
