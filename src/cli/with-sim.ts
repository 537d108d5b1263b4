// `--sim`: run or preview a runbook against the built-in simulator, started in-process for the command.
// Every ocp and bao connection is pointed at it with the simulator's credentials; nothing leaves the machine.

import type { ConnectionSpec } from '../runbook/model.js';
import { loadSimConfig, startSimulator, type Simulator } from '../sim/index.js';

export interface RunSimulator {
  sim: Simulator;
  /** Rewrites a connection entry so that it talks to the simulator. */
  override(name: string, spec: ConnectionSpec): ConnectionSpec;
  /** Whether `override` points this connection entry at the simulator (ocp and bao entries). */
  simulates(spec: ConnectionSpec): boolean;
}

/** True for a connection that `--sim` points at the simulator: its own url and credentials are not read. */
export function isSimulated(spec: ConnectionSpec): boolean {
  return spec.type === 'ocp' || spec.type === 'bao';
}

export async function startRunSimulator(configFile?: string): Promise<RunSimulator> {
  const config = configFile ? await loadSimConfig(configFile, { flag: '--sim-config' }) : undefined;
  const sim = await startSimulator({ port: 0, ...(config ? { config } : {}) });
  const ocpUser = sim.config.ocp.users[0];
  const baoUser = sim.config.bao.users[0];
  return {
    sim,
    simulates: (spec) => (spec.type === 'ocp' && ocpUser !== undefined) || (spec.type === 'bao' && baoUser !== undefined),
    override(_name, spec) {
      if (spec.type === 'ocp' && ocpUser) {
        return { type: 'ocp', url: sim.url, auth: { type: 'basic', username: ocpUser.username, password: ocpUser.password } };
      }
      if (spec.type === 'bao' && baoUser) {
        return { type: 'bao', url: sim.url, auth: { type: 'login', username: baoUser.username, password: baoUser.password } };
      }
      return spec;
    },
  };
}
