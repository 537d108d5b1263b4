// `runbook run FILE` and `runbook plan FILE`: the same expansion, with or without sending.

import type { Logger } from 'pino';
import { executeRunbook, type ExecuteOptions } from '../engine/executor.js';
import { openRunbookConnections } from '../engine/connections.js';
import type { ResolvedStep } from '../plan/types.js';
import type { RunReport } from '../report/types.js';
import { toJson, writeFileAtomic } from '../report/write.js';
import { RunbookError } from '../errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import {
  formatFailures,
  formatOperationLine,
  formatPlanStep,
  formatRunSummary,
  formatStepEnd,
  formatStepHeader,
  plural,
} from './format.js';
import type { CliIo } from './io.js';
import { createLogger } from './logger.js';
import { loadForCommand, resolvePath, type LoadedRunbook } from './session.js';

export interface RunCommandOptions {
  file: string;
  params: string[];
  report?: string;
  concurrency?: number;
  dryRun: boolean;
  logLevel?: string;
  logFile?: string;
  /** Time in-flight operations get to finish after the first SIGINT/SIGTERM. */
  graceMs: number;
  quiet: boolean;
}

export interface PlanCommandOptions {
  file: string;
  params: string[];
  json: boolean;
  logLevel?: string;
  logFile?: string;
}

/** Everything a plan says, as `plan --json` prints it. */
export interface PlanDocument {
  planVersion: 1;
  runbook: { name: string; file: string; sha256: string };
  createdAt: string;
  params: Record<string, unknown>;
  steps: ResolvedStep[];
  summary: { steps: number; operations: number };
}

export async function planCommand(options: PlanCommandOptions, io: CliIo): Promise<ExitCode> {
  const loaded = await loadForCommand({ file: options.file, params: options.params, io });
  const log = createLogger({ level: options.logLevel, file: options.logFile, redactor: loaded.redactor });
  const steps = await expandAll(loaded, log, io);
  const plan: PlanDocument = {
    planVersion: 1,
    runbook: { name: loaded.runbook.name, file: loaded.runbook.file, sha256: loaded.runbook.sha256 },
    createdAt: new Date().toISOString(),
    params: loaded.params,
    steps,
    summary: { steps: steps.length, operations: steps.reduce((n, s) => n + s.operations.length, 0) },
  };
  const { redactor } = loaded;
  if (options.json) {
    io.stdout.write(redactor.redact(toJson(redactor.redactValue(plan))));
    return EXIT.OK;
  }
  io.stdout.write(redactor.redact(formatPlanText(plan)));
  return EXIT.OK;
}

function formatPlanText(plan: PlanDocument): string {
  const out = [`Plan for ${plan.runbook.name} (${plan.runbook.file}, sha256 ${plan.runbook.sha256.slice(0, 12)})\n\n`];
  plan.steps.forEach((step, i) => out.push(formatPlanStep(step, `Step ${i + 1}/${plan.steps.length}`), '\n'));
  const failing = plan.steps.reduce((n, s) => n + s.operations.filter((o) => o.error).length, 0);
  const note = failing > 0 ? `, ${failing} would fail` : '';
  out.push(`${plural(plan.summary.operations, 'operation')} in ${plural(plan.summary.steps, 'step')}${note}. Nothing was sent.\n`);
  return out.join('');
}

/** Expands every step as a dry run does, without sending anything. */
async function expandAll(loaded: LoadedRunbook, log: Logger, io: CliIo): Promise<ResolvedStep[]> {
  const connections = openRunbookConnections({
    runbook: loaded.runbook,
    registry: loaded.registry,
    scope: { params: loaded.params, env: io.env },
    redactor: loaded.redactor,
    log,
    maxConnections: loaded.runbook.concurrency,
    allowMissingCredentials: true,
  });
  const steps: ResolvedStep[] = [];
  try {
    await executeRunbook({
      runbook: loaded.runbook,
      registry: loaded.registry,
      params: loaded.params,
      env: io.env,
      mode: 'dry-run',
      connections: connections.map,
      log,
      redactor: loaded.redactor,
      onStepStart: (_step, resolved) => steps.push(resolved),
    });
  } finally {
    await connections.closeAll();
  }
  return steps;
}

export async function runCommand(options: RunCommandOptions, io: CliIo): Promise<ExitCode> {
  const loaded = await loadForCommand({ file: options.file, params: options.params, io });
  const { runbook, redactor } = loaded;
  const log = createLogger({ level: options.logLevel, file: options.logFile, redactor });
  const dryRun = options.dryRun;
  const concurrency = options.concurrency ?? runbook.concurrency;
  const say = (text: string) => {
    if (!options.quiet) io.stdout.write(redactor.redact(text));
  };
  const connections = openRunbookConnections({
    runbook,
    registry: loaded.registry,
    scope: { params: loaded.params, env: io.env },
    redactor,
    log,
    maxConnections: concurrency,
    allowMissingCredentials: dryRun,
  });

  const interruption = watchSignals(options.graceMs, log, (text) => io.stderr.write(redactor.redact(text)));
  let stepNumber = 0;
  const execute: ExecuteOptions = {
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
    onStepStart: (step, resolved) => {
      stepNumber += 1;
      if (dryRun) say(formatPlanStep(resolved, `Step ${stepNumber}/${runbook.steps.length}`));
      else say(formatStepHeader(stepNumber, runbook.steps.length, step.id, step.action, resolved.operations.length));
    },
    onOperation: (_step, record) => {
      if (!dryRun) say(formatOperationLine(record));
    },
    onStepEnd: (record) => say(formatStepEnd(record)),
  };

  log.info({ runbook: runbook.name, file: runbook.file, mode: execute.mode }, 'run started');
  let report: RunReport;
  try {
    report = await executeRunbook(execute);
  } finally {
    interruption.dispose();
    await connections.closeAll();
  }
  if (interruption.signal) report.signal = interruption.signal;
  report.params = redactor.redactValue(report.params);
  const safeReport = redactor.redactValue(report);

  let reportFile: string | undefined;
  if (options.report) {
    reportFile = resolvePath(io, options.report);
    try {
      await writeFileAtomic(reportFile, toJson(safeReport));
    } catch (e) {
      throw new RunbookError('FILE_NOT_FOUND', `cannot write the report to ${options.report}: ${(e as Error).message}`);
    }
  }
  log.info({ status: report.status, summary: report.summary }, 'run finished');

  if (options.quiet) {
    if (report.status !== 'succeeded') {
      io.stdout.write(redactor.redact(formatRunSummary(safeReport, options.report) + formatFailures(safeReport)));
    }
  } else {
    say(`\n${formatRunSummary(safeReport, options.report)}`);
    if (report.status === 'failed') say(formatFailures(safeReport));
  }
  return exitCodeFor(report, interruption.signal);
}

/** The exit code must agree with the report. */
export function exitCodeFor(report: RunReport, signal?: string): ExitCode {
  if (report.status === 'cancelled') return signal === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT;
  return report.status === 'succeeded' ? EXIT.OK : EXIT.RUN_FAILED;
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
      warn(`\n${signal}: starting no new operation; operations in flight get ${graceMs} ms to finish (send again to abort now)\n`);
      stop.abort(new RunbookError('CANCELLED', `interrupted by ${signal}`));
      graceTimer = setTimeout(() => abort.abort(new RunbookError('CANCELLED', `grace period after ${signal} ended`)), graceMs);
      graceTimer.unref();
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
