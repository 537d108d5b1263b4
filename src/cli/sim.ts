// `runbook sim`: starts the local OCP and BAO simulator in the foreground until SIGINT or SIGTERM, and
// prints where it listens and the credentials it accepts, so a runbook can be pointed at it.

import { loadSimConfig, startSimulator, type SimConfig } from '../sim/index.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { resolvePath } from './load-for-command.js';

export interface SimCommandOptions {
  /** 0 picks a free port (printed in the URL). */
  port: number;
  host: string;
  /** A YAML simulator config file (see runbooks/sim/example.sim.yaml). */
  config?: string;
}

/**
 * Runs the simulator until the process receives SIGINT or SIGTERM, then closes it (ending hanging
 * requests) and returns 0. A bad config file or a port that cannot be bound is a RunbookError (exit 2).
 */
export async function simCommand(options: SimCommandOptions, io: CliIo): Promise<ExitCode> {
  // Listen for the stop signal before anything slow, so a signal during start-up still stops us cleanly.
  const stop = stopSignal();
  try {
    const config = options.config ? await loadSimConfig(resolvePath(io, options.config)) : undefined;
    const sim = await startSimulator({ port: options.port, host: options.host, ...(config ? { config } : {}) });
    io.stdout.write(`runbook simulator listening on ${sim.url}\n${describeAccess(sim.url, sim.config)}Press Ctrl-C to stop.\n`);
    const signal = await stop.received;
    await sim.close();
    io.stdout.write(`simulator stopped (${signal})\n`);
    return EXIT.OK;
  } finally {
    stop.dispose();
  }
}

/**
 * What a user needs to point a runbook at the simulator: the endpoints and the credentials actually
 * configured. These are the simulator's own test credentials, never real ones, so printing them is the point.
 */
export function describeAccess(url: string, config: SimConfig): string {
  const ocpAuth = [
    ...config.ocp.users.map((u) => `basic ${u.username} / ${u.password}`),
    ...config.ocp.accessKeys.map((k) => `access key ${k.id} / ${k.secret}`),
  ];
  const baoAuth = config.bao.users.map((u) => `login ${u.username} / ${u.password}`);
  const list = (items: string[]): string => (items.length === 0 ? 'no credentials configured' : items.join(', or '));
  return (
    `  OCP: ${url}/api/v2  (${list(ocpAuth)})\n` +
    `  BAO: ${url}/baocdp/rest  (${list(baoAuth)})\n` +
    `  introspection: ${url}/__sim/stats, ${url}/__sim/requests, POST ${url}/__sim/reset, GET or PUT ${url}/__sim/faults\n`
  );
}

/** The first SIGINT or SIGTERM; `dispose` removes both listeners. */
function stopSignal(): { received: Promise<NodeJS.Signals>; dispose(): void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = resolve;
  });
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    received,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
