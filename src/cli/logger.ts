// The machine-readable log: pino NDJSON on stderr or in --log-file, every line passed through the redactor.

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
  const destination = options.file
    ? pino.destination({ dest: options.file, sync: true, mkdir: true, append: true })
    : pino.destination({ dest: 2, sync: true });
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Log lines are JSON; server text in them keeps no character a terminal would act on.
      hooks: { streamWrite: (line) => escapeJsonForTerminal(options.redactor.redactJson(line)) },
    },
    destination,
  );
}
