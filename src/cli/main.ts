// The command line: parses arguments, dispatches to one command, and turns every error into a message
// and an exit code. Never prints a stack trace for a problem of the user's input.

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ValidationError, formatDiagnostic, isRunbookError } from '../errors.js';
import { escapeControlChars as shown } from '../secrets/untrusted-text.js';
import { parseDuration } from '../common/durations.js';
import { didYouMean, suggest } from '../runbook/suggest.js';
import {
  COMMANDS,
  FLAG_SPECS,
  commandsTaking,
  findCommand,
  isSet,
  list,
  parseOptions,
  text,
  type CommandName,
  type CommandSpec,
  type FlagName,
  type OptionValues,
} from './commands.js';
import { commandHelp, usageText } from './help.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { processIo, type CliIo } from './io.js';
// Each command is imported when it is called: `validate` must not pay for the simulator or the transport.

export const USAGE = usageText();

class UsageError extends Error {}

type Handler = (values: OptionValues, positionals: string[], io: CliIo) => Promise<ExitCode>;

/** What each command does with its parsed flags and arguments. */
const HANDLERS: Record<CommandName, Handler> = {
  async validate(values, positionals, io) {
    if (positionals.length === 0) throw new UsageError('validate needs at least one FILE');
    return (await import('./validate.js')).validateCommand(positionals, list(values, 'plugin'), io);
  },
  async plan(values, positionals, io) {
    const options = {
      file: onePositional(positionals, 'plan'),
      params: list(values, 'param'),
      paramsFiles: list(values, 'params-file'),
      plugins: list(values, 'plugin'),
      json: isSet(values, 'json'),
      online: isSet(values, 'online'),
      out: text(values, 'out'),
      detailedExitcode: isSet(values, 'detailed-exitcode'),
      logLevel: text(values, 'log-level'),
      logFile: text(values, 'log-file'),
      sim: isSet(values, 'sim'),
      simConfig: text(values, 'sim-config'),
      revertFrom: text(values, 'revert-from'),
      skipIrreversible: isSet(values, 'skip-irreversible'),
      acceptChangedRunbook: isSet(values, 'accept-changed-runbook'),
    };
    if (options.revertFrom === undefined && (options.skipIrreversible || options.acceptChangedRunbook)) {
      const flag = options.skipIrreversible ? '--skip-irreversible' : '--accept-changed-runbook';
      throw new UsageError(`plan takes ${flag} only with --revert-from REPORT|JOURNAL, the report or journal of the run to undo`);
    }
    return (await import('./plan.js')).planCommand(options, io);
  },
  async run(values, positionals, io) {
    const options = {
      ...executionOptions(values),
      file: onePositional(positionals, 'run'),
      dryRun: isSet(values, 'dry-run'),
      resume: text(values, 'resume'),
    };
    return (await import('./run.js')).runCommand(options, io);
  },
  async apply(values, positionals, io) {
    const maxAge = text(values, 'max-age');
    const options = {
      ...executionOptions(values),
      plan: onePositional(positionals, 'apply'),
      maxAgeMs: maxAge === undefined ? 3_600_000 : durationOption(maxAge, '--max-age'),
    };
    return (await import('./apply.js')).applyCommand(options, io);
  },
  async revert(values, positionals, io) {
    const file = onePositional(positionals, 'revert');
    const from = text(values, 'from');
    if (from === undefined) throw new UsageError('revert needs --from REPORT|JOURNAL: the report or journal of the run to undo');
    const options = {
      ...executionOptions(values),
      file,
      from,
      skipIrreversible: isSet(values, 'skip-irreversible'),
      acceptChangedRunbook: isSet(values, 'accept-changed-runbook'),
    };
    return (await import('./revert.js')).revertCommand(options, io);
  },
  async report(values, positionals, io) {
    const options = {
      journal: onePositional(positionals, 'report'),
      out: text(values, 'out'),
      junit: text(values, 'junit'),
      summaryMd: text(values, 'summary-md'),
      html: text(values, 'html'),
    };
    return (await import('./report.js')).reportCommand(options, io);
  },
  async schema(values, positionals, io) {
    if (positionals.length > 0) throw new UsageError('schema takes no argument; add plugin actions with --plugin PATH');
    return (await import('./schema.js')).schemaCommand(list(values, 'plugin'), io);
  },
  async sim(values, positionals, io) {
    if (positionals.length > 0) throw new UsageError(`sim takes no file argument (got ${positionals[0]}); use --config FILE`);
    const given = text(values, 'port');
    const options = {
      port: given === undefined ? 8080 : port(given),
      host: text(values, 'host') ?? '127.0.0.1',
      config: text(values, 'config'),
    };
    return (await import('./sim.js')).simCommand(options, io);
  },
};

function executionOptions(values: OptionValues) {
  const grace = text(values, 'grace');
  const concurrency = text(values, 'concurrency');
  if (text(values, 'report') !== undefined && text(values, 'report-dir') !== undefined)
    throw new UsageError('give --report or --report-dir, not both');
  return {
    params: list(values, 'param'),
    paramsFiles: list(values, 'params-file'),
    plugins: list(values, 'plugin'),
    report: text(values, 'report'),
    reportDir: text(values, 'report-dir'),
    junit: text(values, 'junit'),
    summaryMd: text(values, 'summary-md'),
    html: text(values, 'html'),
    concurrency: concurrency === undefined ? undefined : positiveInteger(concurrency, '--concurrency'),
    graceMs: grace === undefined ? 30_000 : durationOption(grace, '--grace'),
    quiet: isSet(values, 'quiet'),
    lock: text(values, 'lock'),
    logLevel: text(values, 'log-level'),
    logFile: text(values, 'log-file'),
    sim: isSet(values, 'sim'),
    simConfig: text(values, 'sim-config'),
  };
}

/** Runs one command line and returns its exit code. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<ExitCode> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) {
      io.stdout.write(USAGE);
      return EXIT.INVALID;
    }
    if (command === '--version' || command === 'version') {
      io.stdout.write(`${await packageVersion()}\n`);
      return EXIT.OK;
    }
    if (command === 'help' || command === '--help' || command === '-h') {
      io.stdout.write(rest[0] === undefined ? USAGE : commandHelp(known(rest[0])));
      return EXIT.OK;
    }
    const spec = known(command);
    if (asksForHelp(rest)) {
      io.stdout.write(commandHelp(spec));
      return EXIT.OK;
    }
    const { values, positionals } = parse(rest, spec);
    return await HANDLERS[spec.name as CommandName](values, positionals, io);
  } catch (e) {
    return reportError(e, io);
  }
}

/** The command of that name; a UsageError naming the closest one, or listing them all, otherwise. */
function known(name: string): CommandSpec {
  const spec = findCommand(name);
  if (spec !== undefined) return spec;
  const names = COMMANDS.map((c) => c.name);
  const hint = didYouMean(name, names) || `; the commands are ${names.join(', ')}`;
  throw new UsageError(`unknown command '${name}'${hint}`);
}

/** True when `--help` or `-h` comes before any `--` (after which every word is an argument). */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

function parse(args: string[], command: CommandSpec): { values: OptionValues; positionals: string[] } {
  try {
    return parseArgs({ args, options: parseOptions(command), allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message.replace(/\. To specify a positional.*$/s, '');
    throw new UsageError(`${command.name}: ${message}${flagHint(message, command)}`);
  }
}

/** For an unknown option: the closest flag of the command, or the commands that do take it. */
function flagHint(message: string, command: CommandSpec): string {
  const unknown = /^Unknown option '--([^'=]+)'/.exec(message)?.[1];
  if (unknown === undefined) return '';
  const closest = suggest(unknown, command.flags);
  if (closest !== undefined) return `. Did you mean --${closest}?`;
  const takers = unknown in FLAG_SPECS ? commandsTaking(unknown as FlagName) : [];
  return takers.length > 0
    ? `. --${unknown} is a flag of ${takers.join(', ')}; see 'runbook ${command.name} --help'`
    : `; see 'runbook ${command.name} --help'`;
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
  // A reader that goes away (`runbook schema | head`) ends what is printed, not the command: a run goes
  // on, its report and journal are written, and what it would have printed there is dropped.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
  const code = await main(process.argv.slice(2));
  process.exitCode = code;
  // The command is over: a timer or socket a plugin left open must not keep the process alive. The
  // timer does not hold the process itself, so an ordinary exit is not delayed.
  setTimeout(() => process.exit(code), EXIT_AFTER_MS).unref();
}

if (isEntryPoint()) await run();
