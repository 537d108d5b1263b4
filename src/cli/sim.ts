// `runbook sim`: starts the local OCP and BAO simulator in the foreground until SIGINT or SIGTERM.

import { loadSimConfig, startSimulator } from '../sim/index.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { resolvePath } from './session.js';

export interface SimCommandOptions {
  port: number;
  host: string;
  config?: string;
}

export async function simCommand(options: SimCommandOptions, io: CliIo): Promise<ExitCode> {
  const config = options.config ? await loadSimConfig(resolvePath(io, options.config)) : undefined;
  const sim = await startSimulator({ port: options.port, host: options.host, ...(config ? { config } : {}) });
  io.stdout.write(
    `runbook simulator listening on ${sim.url}\n` +
      `  OCP: ${sim.url}/api/v2  (basic admin / sim-password, or access key sim-access-key / sim-secret-key)\n` +
      `  BAO: ${sim.url}/baocdp/rest  (login admin / sim-password)\n` +
      `  introspection: ${sim.url}/__sim/requests, ${sim.url}/__sim/stats\n` +
      `Press Ctrl-C to stop.\n`,
  );
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await sim.close();
  io.stdout.write(`simulator stopped (${signal})\n`);
  return EXIT.OK;
}
