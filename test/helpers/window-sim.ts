// What the tests of a maintenance window (revert, plan --revert-from, onFailure and finally) share: the
// simulator's hosts they stop, the environment that points a runbook's connections at a simulator, and
// `windowBed`, which starts one simulator for a test file and gives each test a fresh workspace.

import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startSimulator, type SimConfigInput, type Simulator } from '../../src/sim/index.js';
import { runCli, type CliResult } from './cli.js';
import { ocpStep, runbookYaml } from './runbooks.js';
import { createWorkspace, type Workspace } from './workspace.js';

/** OCP hosts 20..27: process 185 (obstat2) of 20..25 stops; that of 26 and 27 is not operable, so stopping it fails. */
export const EIGHT_HOSTS: NonNullable<SimConfigInput['ocp']> = {
  hosts: [
    { ids: { from: 20, to: 25 }, name: 'ob-host-{id}' },
    { ids: { from: 26, to: 27 }, name: 'ob-host-{id}', processes: [{ id: 185, alias: 'obstat2', operable: false }] },
  ],
};

/**
 * Stops process 185 on host 20, then rings a bell with `acme.ring`, a plugin action that declares no
 * inverse: a run whose second change cannot be undone.
 */
export const BELL_RUNBOOK = runbookYaml({
  name: 'bell',
  plugins: [new URL('../fixtures/plugins/no-inverse.js', import.meta.url).pathname],
  steps: [ocpStep({ hosts: [20] }), { id: 'ring', action: 'acme.ring', with: {} }],
});

/** The environment the ocp and bao connections of test/helpers/runbooks.ts read: `url`, with the simulator's users. */
export function simEnv(url: string): Record<string, string> {
  return { OCP_URL: url, OCP_USER: 'admin', OCP_PASSWORD: 'sim-password', BAO_URL: url, BAO_USER: 'admin', BAO_PASSWORD: 'sim-password' };
}

/** One simulator for a test file, a workspace per test, and the commands the tests run against them. */
export interface WindowBed {
  /** The simulator: its state and the requests it saw are reset after each test. */
  readonly sim: Simulator;
  /** The current test's workspace: the CLI runs in it; removed after the test. */
  readonly ws: Workspace;
  /** Runs `runbook ...args` in the workspace, its connections pointed at the simulator. */
  cli(args: string[]): Promise<CliResult>;
  /** The status of process 185 (obstat2) on OCP host `host`. */
  statusOf(host: number): string | undefined;
  /** The paths of the POSTs the simulator received that end with `/verb` (stop, restart...). */
  postsTo(verb: string): string[];
  /** A JSON file of the workspace, parsed. */
  readJson(file: string): any;
}

/**
 * Registers the hooks of a test file that works against one simulator started with `config`: started
 * before the first test, its faults, state and recorded requests reset after each, closed after the last.
 */
export function windowBed(config: SimConfigInput): WindowBed {
  let sim: Simulator | undefined;
  let ws: Workspace | undefined;
  beforeAll(async () => {
    sim = await startSimulator({ port: 0, config });
  });
  afterAll(() => sim?.close());
  beforeEach(() => {
    ws = createWorkspace();
  });
  afterEach(() => {
    sim?.setFaults({});
    sim?.resetState();
    sim?.resetStats();
    ws?.remove();
  });
  const bed: WindowBed = {
    get sim() {
      if (sim === undefined) throw new Error('the simulator starts in beforeAll: use bed.sim inside a test');
      return sim;
    },
    get ws() {
      if (ws === undefined) throw new Error('the workspace is made in beforeEach: use bed.ws inside a test');
      return ws;
    },
    cli: (args) => runCli(args, { env: simEnv(bed.sim.url), cwd: bed.ws.dir, timeoutMs: 30_000 }),
    statusOf: (host) => bed.sim.ocp.process(host, 185)?.status,
    postsTo: (verb) => bed.sim.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/${verb}`)).map((r) => r.path),
    readJson: (file) => JSON.parse(readFileSync(bed.ws.path(file), 'utf8')),
  };
  return bed;
}
