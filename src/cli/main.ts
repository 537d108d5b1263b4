// The command line: parses arguments, dispatches to one command, and turns every error into a message
// and an exit code. Never prints a stack trace for a problem of the user's input.

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ValidationError, formatDiagnostic, isRunbookError } from '../errors.js';
import { escapeControlChars as shown } from '../secrets/untrusted-text.js';
import { parseDuration } from '../common/durations.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { processIo, type CliIo } from './io.js';
// Each command is imported when it is called: `validate` must not pay for the simulator or the transport.

export const USAGE = `runbook: declarative runbooks for OceanBase OCP and BMC BAO maintenance

Usage:
  runbook validate FILE... [--plugin P]    check runbooks against the format; exit 0 or 2
  runbook plan FILE [options]              preview: every request it would send (offline: sends nothing)
  runbook run FILE [options]               run it: a line per operation, a summary, a report
  runbook apply PLAN [options]             run exactly the operations of a saved plan
  runbook revert FILE --from REPORT [options]  undo what a run changed (a report or journal of it)
  runbook report JOURNAL [--out FILE] [--junit FILE] [--summary-md FILE]
                                           rebuild a run's report (and JUnit, Markdown) from its journal
  runbook schema [--plugin P]...           print the runbook JSON Schema (with plugin actions)
  runbook sim [--port N] [--host H] [--config FILE]  start the local OCP and BAO simulator

Options of plan, run and apply:
  --param k=v          set a param (repeatable); arrays as [20,21] or 20,21
  --plugin PATH        load a plugin module (repeatable), in addition to the runbook's plugins:
  --sim                start the built-in simulator and point every ocp and bao connection at it
  --sim-config FILE    with --sim: the simulator's configuration (hosts, peers, faults)
  --log-level LEVEL    trace|debug|info|warn|error|fatal|silent (default warn, info with --log-file)
  --log-file FILE      write the NDJSON log to FILE instead of stderr
plan:
  --online             read current state (GET, and BAO login/logout) to resolve aliases and predict outcomes
  --json               print the plan as JSON (schemas/plan.schema.json)
  --out FILE           save the plan for 'runbook apply'
  --detailed-exitcode  exit 0 no changes, 5 changes, 6 something would fail (2 invalid)
run and apply:
  --report FILE        write the JSON report to FILE (atomically) and the journal to FILE.journal.jsonl
  --report-dir DIR     write the report to DIR/<runbook>-<UTC timestamp>.json
  --junit FILE         write JUnit XML (a testcase per operation)
  --summary-md FILE    write a Markdown summary (for a pull request or a CI job summary)
  --concurrency N      override the runbook's global concurrency
  --grace DURATION     time in-flight operations get after SIGINT/SIGTERM (default 30s)
  --quiet              print nothing when all ran and succeeded; else every failure and skipped step (cron)
  --lock FILE          lock file (default: one per runbook in a folder of your own, see README)
run:
  --dry-run            expand and report what would be sent; send nothing
  --resume FILE        run again only what did not complete in that report or journal
apply:
  --max-age DURATION   refuse a plan older than this (default 1h)
revert (also takes the options of run and apply above, but --dry-run and --resume):
  --from FILE                 the report or journal of the run to undo
  --skip-irreversible         leave alone changes whose action has no inverse, instead of refusing
  --accept-changed-runbook    revert although the runbook changed since the run

Exit codes: 0 succeeded, 1 the run failed, 2 invalid input or usage, 3 done within budget (some operations
failed, tolerated by maxErrors or continueOnError), 4 an output file could not be written, 5/6 plan
--detailed-exitcode: changes / would fail, 75 another run holds the lock, 130/143 interrupted by
SIGINT/SIGTERM. Docs: README.md
`;

class UsageError extends Error {}

const COMMON = {
  param: { type: 'string', multiple: true },
  plugin: { type: 'string', multiple: true },
  sim: { type: 'boolean' },
  'sim-config': { type: 'string' },
  'log-level': { type: 'string' },
  'log-file': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const EXECUTION = {
  ...COMMON,
  report: { type: 'string' },
  'report-dir': { type: 'string' },
  junit: { type: 'string' },
  'summary-md': { type: 'string' },
  concurrency: { type: 'string' },
  grace: { type: 'string' },
  quiet: { type: 'boolean' },
  lock: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const RUN_OPTIONS = {
  ...EXECUTION,
  'dry-run': { type: 'boolean' },
  resume: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];
const APPLY_OPTIONS = { ...EXECUTION, 'max-age': { type: 'string' } } as const satisfies ParseArgsConfig['options'];
const REVERT_OPTIONS = {
  ...EXECUTION,
  from: { type: 'string' },
  'skip-irreversible': { type: 'boolean' },
  'accept-changed-runbook': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];
const PLAN_OPTIONS = {
  ...COMMON,
  json: { type: 'boolean' },
  online: { type: 'boolean' },
  out: { type: 'string' },
  'detailed-exitcode': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];
const SIM_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  config: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];
const REPORT_OPTIONS = {
  out: { type: 'string' },
  junit: { type: 'string' },
  'summary-md': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];
const SCHEMA_OPTIONS = { plugin: { type: 'string', multiple: true } } as const satisfies ParseArgsConfig['options'];

type ExecutionValues = ReturnType<typeof parse<typeof EXECUTION>>['values'];

function executionOptions(values: ExecutionValues) {
  if (values.report !== undefined && values['report-dir'] !== undefined) throw new UsageError('give --report or --report-dir, not both');
  return {
    params: values.param ?? [],
    plugins: values.plugin ?? [],
    report: values.report,
    reportDir: values['report-dir'],
    junit: values.junit,
    summaryMd: values['summary-md'],
    concurrency: values.concurrency === undefined ? undefined : positiveInteger(values.concurrency, '--concurrency'),
    graceMs: values.grace === undefined ? 30_000 : durationOption(values.grace, '--grace'),
    quiet: values.quiet ?? false,
    lock: values.lock,
    logLevel: values['log-level'],
    logFile: values['log-file'],
    sim: values.sim ?? false,
    simConfig: values['sim-config'],
  };
}

/** Runs one command line and returns its exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<ExitCode> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'validate': {
        const { values, positionals } = parse(rest, SCHEMA_OPTIONS, 'validate');
        if (positionals.length === 0) throw new UsageError('validate needs at least one FILE');
        return await (await import('./validate.js')).validateCommand(positionals, values.plugin ?? [], io);
      }
      case 'plan': {
        const { values, positionals } = parse(rest, PLAN_OPTIONS, 'plan');
        return await (await import('./plan.js')).planCommand(
          {
            file: onePositional(positionals, 'plan'),
            params: values.param ?? [],
            plugins: values.plugin ?? [],
            json: values.json ?? false,
            online: values.online ?? false,
            out: values.out,
            detailedExitcode: values['detailed-exitcode'] ?? false,
            logLevel: values['log-level'],
            logFile: values['log-file'],
            sim: values.sim ?? false,
            simConfig: values['sim-config'],
          },
          io,
        );
      }
      case 'run': {
        const { values, positionals } = parse(rest, RUN_OPTIONS, 'run');
        return await (await import('./run.js')).runCommand(
          {
            ...executionOptions(values),
            file: onePositional(positionals, 'run'),
            dryRun: values['dry-run'] ?? false,
            resume: values.resume,
          },
          io,
        );
      }
      case 'apply': {
        const { values, positionals } = parse(rest, APPLY_OPTIONS, 'apply');
        return await (await import('./apply.js')).applyCommand(
          {
            ...executionOptions(values),
            plan: onePositional(positionals, 'apply'),
            maxAgeMs: values['max-age'] === undefined ? 3_600_000 : durationOption(values['max-age'], '--max-age'),
          },
          io,
        );
      }
      case 'revert': {
        const { values, positionals } = parse(rest, REVERT_OPTIONS, 'revert');
        if (values.from === undefined) throw new UsageError('revert needs --from REPORT|JOURNAL: the report or journal of the run to undo');
        return await (await import('./revert.js')).revertCommand(
          {
            ...executionOptions(values),
            file: onePositional(positionals, 'revert'),
            from: values.from,
            skipIrreversible: values['skip-irreversible'] ?? false,
            acceptChangedRunbook: values['accept-changed-runbook'] ?? false,
          },
          io,
        );
      }
      case 'report': {
        const { values, positionals } = parse(rest, REPORT_OPTIONS, 'report');
        return await (await import('./report.js')).reportCommand(
          { journal: onePositional(positionals, 'report'), out: values.out, junit: values.junit, summaryMd: values['summary-md'] },
          io,
        );
      }
      case 'schema': {
        const { values, positionals } = parse(rest, SCHEMA_OPTIONS, 'schema');
        if (positionals.length > 0) throw new UsageError('schema takes no argument; add plugin actions with --plugin PATH');
        return await (await import('./schema.js')).schemaCommand(values.plugin ?? [], io);
      }
      case 'sim': {
        const { values, positionals } = parse(rest, SIM_OPTIONS, 'sim');
        if (positionals.length > 0) throw new UsageError(`sim takes no file argument (got ${positionals[0]}); use --config FILE`);
        return await (await import('./sim.js')).simCommand(
          {
            port: values.port === undefined ? 8080 : port(values.port),
            host: values.host ?? '127.0.0.1',
            config: values.config,
          },
          io,
        );
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(USAGE);
        return command === undefined ? EXIT.INVALID : EXIT.OK;
      case '--version':
      case 'version':
        io.stdout.write(`${await packageVersion()}\n`);
        return EXIT.OK;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    return reportError(e, io);
  }
}

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, command: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message.replace(/\. To specify a positional.*$/s, '')}`);
  }
}

function onePositional(positionals: string[], command: string): string {
  if (positionals.length !== 1) throw new UsageError(`${command} needs exactly one FILE (got ${positionals.length})`);
  return positionals[0]!;
}

function positiveInteger(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number of 1 or more (got '${value}')`);
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be 0 to 65535 (got '${value}')`);
  return n;
}

function durationOption(value: string, flag: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`${flag} must be a duration such as 500ms, 30s, 5m or 1h (got '${value}')`);
  return ms;
}

function reportError(e: unknown, io: CliIo): ExitCode {
  if (e instanceof UsageError) {
    io.stderr.write(`runbook: ${e.message}\nRun 'runbook help' for usage.\n`);
    return EXIT.INVALID;
  }
  if (e instanceof ValidationError) {
    for (const d of e.diagnostics) io.stderr.write(`${shown(formatDiagnostic(d))}\n`);
    const n = e.diagnostics.length;
    io.stderr.write(`${n} error${n === 1 ? '' : 's'}; nothing was sent.\n`);
    return EXIT.INVALID;
  }
  if (isRunbookError(e)) {
    io.stderr.write(`runbook: ${shown(e.message)} [${e.code}]\n`);
    return e.code === 'LOCKED' ? EXIT.LOCKED : e.code === 'INTERNAL' ? EXIT.RUN_FAILED : EXIT.INVALID;
  }
  // A bug: say so plainly, with the stack only when asked for.
  const err = e instanceof Error ? e : new Error(String(e));
  io.stderr.write(
    `runbook: internal error: ${shown(err.message)}\nThis is a bug in runbook; please report it with the command you ran.\n` +
      (io.env.RUNBOOK_DEBUG ? `${err.stack ?? ''}\n` : ''),
  );
  return EXIT.RUN_FAILED;
}

async function packageVersion(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** True when this module is the program's entry point (not imported by a test). */
function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** How long the process may linger once its command is over (report written, lock released). */
const EXIT_AFTER_MS = 500;

/** Runs the CLI with the process's arguments and exits with the command's code. */
export async function run(): Promise<void> {
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
  // The command is over: a timer or socket a plugin left open must not keep the process alive. The
  // timer does not hold the process itself, so an ordinary exit is not delayed.
  setTimeout(() => process.exit(code), EXIT_AFTER_MS).unref();
}

if (isEntryPoint()) await run();
