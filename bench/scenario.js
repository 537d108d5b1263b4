// One scenario of `npm run bench` in a process of its own, started by bench/run.js as
// `node bench/scenario.js N`: none inherits the heap another left behind (scenario 1 alone runs 130,000
// operations), and none finds code another has compiled. Prints its rows and details as one JSON line.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDist, loadEngine } from './drivers.js';
import { coldStart } from './scenarios/cold-start.js';
import { latencyBound } from './scenarios/latency-bound.js';
import { manySteps } from './scenarios/many-steps.js';
import { overhead } from './scenarios/overhead.js';
import { scale } from './scenarios/scale.js';

/**
 * What every scenario gets: the engine and the simulator of the build being measured, and a scratch folder.
 * @typedef {object} ScenarioContext
 * @property {import('./drivers.js').Engine} engine
 * @property {typeof import('../src/sim/index.js').startSimulator} startSimulator
 * @property {string} scratch removed when the scenario ends
 */

/**
 * What a scenario reports: rows for the table, and the raw figures bench/results.json keeps.
 * @typedef {object} ScenarioResult
 * @property {import('./table.js').Row[]} rows
 * @property {Record<string, unknown>} details
 */

/**
 * The scenarios by number, with the key their details have in bench/results.json.
 * @type {Record<number, [string, (context: ScenarioContext) => Promise<ScenarioResult>]>}
 */
const SCENARIOS = {
  1: ['overhead', overhead],
  2: ['latencyBound', latencyBound],
  3: ['scale', scale],
  4: ['coldStart', coldStart],
  5: ['manySteps', manySteps],
};

const n = Number(process.argv[2]);
const scenario = SCENARIOS[n];
if (!scenario) throw new Error(`bench/scenario.js takes a scenario number, 1 to 5; got ${process.argv[2]}`);
const [key, run] = scenario;

const { startSimulator } = /** @type {typeof import('../src/sim/index.js')} */ (await importDist('sim/index.js'));
const scratch = mkdtempSync(join(tmpdir(), 'runbook-bench-'));
try {
  const { rows, details } = await run({ engine: await loadEngine(), startSimulator, scratch });
  process.stdout.write(`${JSON.stringify({ rows, scenarios: { [key]: details } })}\n`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
