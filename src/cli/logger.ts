// The machine-readable log: pino NDJSON on stderr or in --log-file, every line passed through the redactor.

import { constants, fchmodSync, fstatSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Logger, LevelWithSilent } from 'pino';
import type { Redactor } from '../secrets/redactor.js';
import { escapeJsonForTerminal } from '../secrets/untrusted-text.js';
import { RunbookError } from '../errors.js';

// pino is loaded by the first createLogger, not at start-up: `validate` and `schema` never log. It is
// CommonJS, so this is synchronous.
const requireFromHere = createRequire(import.meta.url);
function loadPino(): typeof import('pino') {
  return requireFromHere('pino') as typeof import('pino');
}

export const LOG_LEVELS: readonly LevelWithSilent[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export interface LoggerOptions {
  level?: string;
  file?: string;
  redactor: Redactor;
  /** Told once when the log file cannot be written (a full disk); the command goes on. */
  onFailure?: (error: Error) => void;
}

/**
 * Without --log-file the log shares the terminal with the human output, so it defaults to `warn`;
 * with a file it defaults to `info` (one line per operation).
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = (options.level ?? (options.file ? 'info' : 'warn')) as LevelWithSilent;
  if (!LOG_LEVELS.includes(level)) {
    throw new RunbookError('USAGE', `unknown --log-level '${options.level}'; use one of ${LOG_LEVELS.join(', ')}`);
  }
  const { pino } = loadPino();
  const destination = pino.destination({ dest: options.file ? openLogFile(options.file) : 2, sync: true });
  const logger = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Log lines are JSON; server text in them keeps no character a terminal would act on.
      hooks: { streamWrite: (line) => escapeJsonForTerminal(options.redactor.redactJson(line)) },
    },
    destination,
  );
  // A log that cannot be written (a full disk) is given up, once: lines would only pile up in memory.
  destination.on('error', (e: Error) => {
    if (logger.level === 'silent') return;
    logger.level = 'silent';
    options.onFailure?.(e);
  });
  return logger;
}

/**
 * Opens the log file to append to it: created 0600 if it does not exist, set to 0600 if it does, and never
 * through a symbolic link. Its folder must exist (checked with the other output paths).
 */
function openLogFile(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    throw new RunbookError(
      'OUTPUT_PATH',
      `--log-file ${file}: cannot open it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  try {
    if (fstatSync(fd).isFile()) fchmodSync(fd, 0o600);
  } catch {
    // Another user's file that this one may append to: its mode is not ours to change.
  }
  return fd;
}
