// What the tests of a maintenance window (revert, plan --revert-from, onFailure and finally) share: the
// simulator's hosts they stop, and the environment that points a runbook's connections at a simulator.

import type { SimConfigInput } from '../../src/sim/index.js';

/** OCP hosts 20..27: process 185 (obstat2) of 20..25 stops; that of 26 and 27 is not operable, so stopping it fails. */
export const EIGHT_HOSTS: NonNullable<SimConfigInput['ocp']> = {
  hosts: [
    { ids: { from: 20, to: 25 }, name: 'ob-host-{id}' },
    { ids: { from: 26, to: 27 }, name: 'ob-host-{id}', processes: [{ id: 185, alias: 'obstat2', operable: false }] },
  ],
};

/** The environment the ocp and bao connections of test/helpers/runbooks.ts read: `url`, with the simulator's users. */
export function simEnv(url: string): Record<string, string> {
  return { OCP_URL: url, OCP_USER: 'admin', OCP_PASSWORD: 'sim-password', BAO_URL: url, BAO_USER: 'admin', BAO_PASSWORD: 'sim-password' };
}
