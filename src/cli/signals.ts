// SIGINT and SIGTERM during a run: the first stops new work and starts the grace period, a second aborts.

import type { Logger } from 'pino';
import { RunbookError } from '../errors.js';

export interface Interruption {
  stop: AbortSignal;
  abort: AbortSignal;
  readonly signal: string | undefined;
  dispose(): void;
}

/**
 * First SIGINT/SIGTERM: start nothing new, give in-flight operations `graceMs` to finish, then abort them.
 * A second signal aborts at once. The report is written either way.
 */
export function watchSignals(graceMs: number, log: Logger, warn: (text: string) => void): Interruption {
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
