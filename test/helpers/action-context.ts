// A real RunContext for calling one action's run/probe directly against the simulator over HTTP.

import { setTimeout as delay } from 'node:timers/promises';
import { pino } from 'pino';
import type { RunContext } from '../../src/contracts/action.js';
import { createRegistry } from '../../src/actions/builtins.js';
import { createOperationTrace, openConnection, type ConnectionRuntime, type OperationTrace } from '../../src/connections/transport.js';
import type { RetryPolicy } from '../../src/contracts/connection.js';
import { Redactor } from '../../src/secrets/redactor.js';

export interface ActionHarness {
  runtime: ConnectionRuntime;
  redactor: Redactor;
  /** A fresh context (and trace) for one operation. */
  context(options?: { timeoutMs?: number; retry?: Partial<RetryPolicy>; readOnly?: boolean; signal?: AbortSignal }): {
    ctx: RunContext;
    trace: OperationTrace;
  };
  close(): Promise<void>;
}

/** Default credentials of the simulator, per connection type. */
export function simConnectionConfig(type: 'ocp' | 'bao' | 'http', url: string): Record<string, unknown> {
  if (type === 'ocp') return { type, url, auth: { type: 'basic', username: 'admin', password: 'sim-password' } };
  if (type === 'bao') return { type, url, auth: { type: 'login', username: 'admin', password: 'sim-password' } };
  return { type, url };
}

/** Opens a real connection of `config.type` (built-in registry) and hands out contexts for it. */
export function actionHarness(config: Record<string, unknown>, maxConnections = 64): ActionHarness {
  const registry = createRegistry();
  const definition = registry.connection(String(config.type))?.definition;
  if (!definition) throw new Error(`no connection type ${String(config.type)}`);
  const redactor = new Redactor();
  const log = pino({ level: 'silent' });
  const runtime = openConnection({ name: 'test', config, definition, baseDir: process.cwd(), log, redactor, maxConnections });
  return {
    runtime,
    redactor,
    context(options = {}) {
      const trace = createOperationTrace();
      const signal = options.signal ?? new AbortController().signal;
      const http = runtime.client({
        timeoutMs: options.timeoutMs ?? 5_000,
        retry: { attempts: 1, delayMs: 10, maxDelayMs: 50, ...options.retry },
        signal,
        trace,
        readOnly: options.readOnly ?? false,
      });
      const ctx: RunContext = {
        step: { id: 'test' },
        http,
        log,
        signal,
        sleep: (ms) => delay(ms, undefined, { signal }),
      };
      return { ctx, trace };
    },
    close: () => runtime.close(),
  };
}
