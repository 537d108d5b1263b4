// `runbook run FILE` and `runbook apply PLAN`: lock, connect, execute, journal, report, exit code.

import type { Logger } from 'pino';
import { executeRunbook, type ExecuteOptions, type ResumeFrom } from '../engine/executor.js';
import { openRunbookConnections } from '../engine/connections.js';
import { acquireLock, defaultLockPath, type RunLock } from '../engine/lock.js';
import { RunbookError, ValidationError } from '../errors.js';
import { missingEnvironment } from '../runbook/env-references.js';
import type { ConnectionSpec } from '../runbook/model.js';
import type { ResolvedStep } from '../plan/types.js';
import { journalPathFor, openJournal, type JournalSink } from '../report/journal.js';
import { completedOperations, loadPreviousRun } from '../report/previous-run.js';
import type { RunReport } from '../report/types.js';
import { REDACTED } from '../secrets/redactor.js';
import { reportPathInDir, writeArtifacts } from './artifacts.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import {
  formatFailures,
  formatOperationLine,
  formatPlanStep,
  formatRunSummary,
  formatStepEnd,
  formatStepHeader,
  hasNotices,
  hasToleratedFailures,
} from './format.js';
import type { CliIo } from './io.js';
import { createLogger } from './logger.js';
import { loadForCommand, resolvePath, type LoadedRunbook } from './session.js';
import { isSimulated, startRunSimulator, type RunSimulator } from './with-sim.js';

export interface RunCommandOptions {
  file: string;
  params: string[];
  plugins: string[];
  report?: string;
  reportDir?: string;
  junit?: string;
  summaryMd?: string;
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
}

export async function runCommand(options: RunCommandOptions, io: CliIo, applied?: AppliedPlan): Promise<ExitCode> {
  let resume: ResumeFrom | undefined;
  let params = options.params;
  let previous: RunReport | undefined;
  if (options.resume) {
    previous = await loadPreviousRun(resolvePath(io, options.resume));
    resume = { runId: previous.runId, done: completedOperations(previous) };
    params = [...paramsOf(previous.params), ...options.params];
  }
  const loaded = await loadForCommand({ file: options.file, params, plugins: options.plugins, io });
  if (previous) checkResumable(options.resume!, previous, loaded, options.params);
  checkEnvironmentIsSet(options, loaded, io, applied !== undefined);
  const { runbook, redactor } = loaded;
  const log = createLogger({ level: options.logLevel, file: options.logFile, redactor });
  const say = (text: string) => {
    if (!options.quiet) io.stdout.write(redactor.redact(text));
  };

  let lock: RunLock | undefined;
  if (!options.dryRun) lock = acquireLock(options.lock ? resolvePath(io, options.lock) : defaultLockPath(runbook.file, runbook.name), runbook.name, log);
  const simulator = options.sim ? await startRunSimulator(options.simConfig && resolvePath(io, options.simConfig)) : undefined;
  try {
    if (simulator) say(`Using the built-in simulator at ${simulator.sim.url} for every ocp and bao connection.\n\n`);
    return await execute(options, io, loaded, log, say, simulator, resume, applied);
  } finally {
    await simulator?.sim.close();
    lock?.release();
  }
}

/** Turns the params of a previous report back into --param assignments (later ones override). */
export function paramsOf(values: Record<string, unknown>): string[] {
  return Object.entries(values)
    .filter(([, v]) => v !== REDACTED)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
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

function checkResumable(file: string, previous: RunReport, loaded: LoadedRunbook, given: string[]): void {
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
  const missing = Object.entries(previous.params).filter(([, v]) => v === REDACTED).map(([k]) => k);
  for (const name of missing) {
    if (!given.some((p) => p.startsWith(`${name}=`))) {
      throw new RunbookError('BAD_PARAM', `param '${name}' is secret, so ${file} does not record it; give it again with --param ${name}=...`);
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
  resume: ResumeFrom | undefined,
  applied: AppliedPlan | undefined,
): Promise<ExitCode> {
  const { runbook, redactor } = loaded;
  const dryRun = options.dryRun;
  const concurrency = options.concurrency ?? runbook.concurrency;
  const connections = openRunbookConnections({
    runbook,
    registry: loaded.registry,
    scope: { params: loaded.params, env: io.env },
    redactor,
    log,
    maxConnections: concurrency,
    allowMissingCredentials: dryRun,
    ...(simulator ? { override: simulator.override } : {}),
  });

  const startedAt = new Date();
  const reportFile = options.report
    ? resolvePath(io, options.report)
    : options.reportDir
      ? reportPathInDir(resolvePath(io, options.reportDir), runbook.name, startedAt)
      : undefined;
  let journal: JournalSink | undefined;
  if (reportFile) {
    try {
      journal = openJournal(journalPathFor(reportFile), redactor);
    } catch (e) {
      await connections.closeAll();
      throw new RunbookError('USAGE', `cannot write the journal next to ${reportFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }

  const interruption = watchSignals(options.graceMs, log, (text) => io.stderr.write(redactor.redact(text)));
  let stepNumber = 0;
  const run: ExecuteOptions = {
    runbook,
    registry: loaded.registry,
    params: loaded.params,
    env: io.env,
    mode: dryRun ? 'dry-run' : 'run',
    connections: connections.map,
    concurrency,
    log,
    redactor,
    stop: interruption.stop,
    abort: interruption.abort,
    interruptedBy: () => interruption.signal,
    ...(journal ? { journal } : {}),
    ...(resume ? { resume } : {}),
    ...(applied ? { planned: applied.steps } : {}),
    onStepPlanned: (_step, resolved) => {
      stepNumber += 1;
      say(formatPlanStep(resolved, `Step ${stepNumber}/${runbook.steps.length}`));
    },
    onStepStart: (step, resolved) => {
      if (dryRun) return;
      stepNumber += 1;
      say(formatStepHeader(stepNumber, runbook.steps.length, step.id, step.action, resolved.operations.length));
    },
    onOperation: (_step, record) => {
      if (!dryRun) say(formatOperationLine(record));
    },
    onStepEnd: (record) => say(formatStepEnd(record)),
  };

  log.info({ runbook: runbook.name, file: runbook.file, mode: run.mode, resumedFrom: resume?.runId }, 'run started');
  let report: RunReport;
  try {
    report = await executeRunbook(run);
  } finally {
    interruption.dispose();
    journal?.close();
    await connections.closeAll();
  }
  report.params = redactor.redactValue(report.params);
  await writeArtifacts(report, { report: reportFile, junit: options.junit && resolvePath(io, options.junit), summaryMd: options.summaryMd && resolvePath(io, options.summaryMd) }, redactor);
  log.info({ status: report.status, summary: report.summary, report: reportFile }, 'run finished');

  const shown = reportFile ? (options.report ?? reportFile) : undefined;
  const summary = formatRunSummary(report, shown);
  // --quiet hides nothing that went wrong or was left out: tolerated failures and skipped steps print too.
  if (options.quiet) {
    if (hasNotices(report)) io.stdout.write(redactor.redact(summary + formatFailures(report)));
  } else {
    say(`\n${summary}`);
    if (report.status === 'failed' || hasToleratedFailures(report)) say(formatFailures(report));
  }
  return exitCodeFor(report, interruption.signal);
}

/** The exit code must agree with the report. */
export function exitCodeFor(report: RunReport, signal?: string): ExitCode {
  if (report.status === 'cancelled') return signal === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT;
  if (report.status !== 'succeeded') return EXIT.RUN_FAILED;
  return hasToleratedFailures(report) ? EXIT.TOLERATED : EXIT.OK;
}

interface Interruption {
  stop: AbortSignal;
  abort: AbortSignal;
  readonly signal: string | undefined;
  dispose(): void;
}

/**
 * First SIGINT/SIGTERM: start nothing new, give in-flight operations `graceMs` to finish, then abort them.
 * A second signal aborts at once. The report is written either way.
 */
function watchSignals(graceMs: number, log: Logger, warn: (text: string) => void): Interruption {
  const stop = new AbortController();
  const abort = new AbortController();
  let received: string | undefined;
  let graceTimer: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (received === undefined) {
      received = signal;
      log.warn({ signal, graceMs }, 'interrupted: starting no new operation');
      warn(`\n${signal}: starting no new operation; operations in flight get ${graceMs} ms to finish (send it again to abort them now)\n`);
      stop.abort(new RunbookError('CANCELLED', `interrupted by ${signal}`));
      graceTimer = setTimeout(() => abort.abort(new RunbookError('CANCELLED', `grace period after ${signal} ended`)), graceMs);
    } else {
      log.warn({ signal }, 'second signal: aborting operations in flight');
      warn(`${signal} again: aborting operations in flight\n`);
      abort.abort(new RunbookError('CANCELLED', `interrupted twice by ${signal}`));
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stop: stop.signal,
    abort: abort.signal,
    get signal() {
      return received;
    },
    dispose() {
      if (graceTimer) clearTimeout(graceTimer);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
