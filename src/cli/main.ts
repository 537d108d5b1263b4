// The command line: parses arguments, dispatches to one command, and turns every error into a message
// and an exit code. Never prints a stack trace for a problem of the user's input.

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ValidationError, formatDiagnostic, isRunbookError } from '../errors.js';
import { parseDuration } from '../runbook/durations.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { processIo, type CliIo } from './io.js';
import { planCommand, runCommand } from './run.js';
import { simCommand } from './sim.js';
import { validateCommand } from './validate.js';

export const USAGE = `runbook: declarative runbooks for OceanBase OCP and BMC BAO maintenance

Usage:
  runbook validate FILE...                 check runbooks against the format; exit 0 or 2
  runbook plan FILE [options]              dry run: print every request it would send; sends nothing
  runbook run FILE [options]               run it, print a line per operation, write a report
  runbook sim [--port N] [--config FILE]   start the local OCP and BAO simulator

Options for plan and run:
  --param k=v          set a param (repeatable); arrays as [20,21] or 20,21
  --json               plan: print the plan as JSON
  --report FILE        run: write the JSON report to FILE (atomically)
  --concurrency N      run: override the runbook's global concurrency
  --dry-run            run: expand and report what would be sent; send nothing
  --grace DURATION     run: time in-flight operations get after SIGINT/SIGTERM (default 30s)
  --quiet              run: print nothing on success, only the failures on failure
  --log-level LEVEL    trace|debug|info|warn|error|fatal|silent (default warn, info with --log-file)
  --log-file FILE      write the NDJSON log to FILE instead of stderr

Exit codes: 0 succeeded, 1 the run failed, 2 invalid input or usage, 130/143 interrupted.
Docs: README.md
`;

class UsageError extends Error {}

const RUN_OPTIONS = {
  param: { type: 'string', multiple: true },
  report: { type: 'string' },
  concurrency: { type: 'string' },
  'dry-run': { type: 'boolean' },
  grace: { type: 'string' },
  quiet: { type: 'boolean' },
  'log-level': { type: 'string' },
  'log-file': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const PLAN_OPTIONS = {
  param: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  'log-level': { type: 'string' },
  'log-file': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const SIM_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  config: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

/** Runs one command line and returns its exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<ExitCode> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'validate': {
        const { positionals } = parse(rest, {}, 'validate');
        if (positionals.length === 0) throw new UsageError('validate needs at least one FILE');
        return await validateCommand(positionals, io);
      }
      case 'plan': {
        const { values, positionals } = parse(rest, PLAN_OPTIONS, 'plan');
        return await planCommand(
          {
            file: onePositional(positionals, 'plan'),
            params: values.param ?? [],
            json: values.json ?? false,
            logLevel: values['log-level'],
            logFile: values['log-file'],
          },
          io,
        );
      }
      case 'run': {
        const { values, positionals } = parse(rest, RUN_OPTIONS, 'run');
        return await runCommand(
          {
            file: onePositional(positionals, 'run'),
            params: values.param ?? [],
            report: values.report,
            concurrency: values.concurrency === undefined ? undefined : positiveInteger(values.concurrency, '--concurrency'),
            dryRun: values['dry-run'] ?? false,
            graceMs: values.grace === undefined ? 30_000 : durationOption(values.grace, '--grace'),
            quiet: values.quiet ?? false,
            logLevel: values['log-level'],
            logFile: values['log-file'],
          },
          io,
        );
      }
      case 'sim': {
        const { values, positionals } = parse(rest, SIM_OPTIONS, 'sim');
        if (positionals.length > 0) throw new UsageError(`sim takes no file argument (got ${positionals[0]}); use --config FILE`);
        return await simCommand(
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
    for (const d of e.diagnostics) io.stderr.write(`${formatDiagnostic(d)}\n`);
    const n = e.diagnostics.length;
    io.stderr.write(`${n} error${n === 1 ? '' : 's'}; nothing was sent.\n`);
    return EXIT.INVALID;
  }
  if (isRunbookError(e)) {
    io.stderr.write(`runbook: ${e.message} [${e.code}]\n`);
    return e.code === 'LOCKED' ? EXIT.LOCKED : e.code === 'INTERNAL' ? EXIT.RUN_FAILED : EXIT.INVALID;
  }
  // A bug: say so plainly, with the stack only when asked for.
  const err = e instanceof Error ? e : new Error(String(e));
  io.stderr.write(
    `runbook: internal error: ${err.message}\nThis is a bug in runbook; please report it with the command you ran.\n` +
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

/** Runs the CLI with the process's arguments and exits with the command's code. */
export async function run(): Promise<void> {
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
}

if (isEntryPoint()) await run();
