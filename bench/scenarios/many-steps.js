// Scenario 5: 500 steps of 10 operations: what a step costs beyond its operations, against a bare undici
// loop that runs the same batches one after the other. Reported, not judged.

import { join } from 'node:path';
import { runBare, runEngine } from '../drivers.js';
import { REPEATS, log, median } from '../measure.js';
import { REPO } from '../processes.js';
import { ms, reported } from '../table.js';
import { SIM_RECORDED, hostIds, manyStepsRunbook, simConfig } from '../workloads.js';

/**
 * @param {import('../scenario.js').ScenarioContext} context
 * @returns {Promise<import('../scenario.js').ScenarioResult>}
 */
export async function manySteps({ engine, startSimulator }) {
  const steps = 500;
  const perStep = 10;
  const concurrency = 64;
  const sim = await startSimulator({ maxRecordedRequests: SIM_RECORDED, config: simConfig(steps * perStep) });
  /** @type {number[]} */
  const engineMs = [];
  /** @type {number[]} */
  const bareMs = [];
  try {
    const text = manyStepsRunbook(sim.url, concurrency, steps, perStep);
    const file = join(REPO, 'bench', 'many-steps.yaml');
    const batches = Array.from({ length: steps }, (_, s) => hostIds(perStep, s * perStep + 1));
    const engineRun = async () => {
      sim.resetState();
      sim.resetStats();
      return (await runEngine(engine, { text, file, params: {}, concurrency })).ms;
    };
    const bareRun = async () => {
      sim.resetState();
      sim.resetStats();
      return (await runBare({ origin: sim.url, batches, concurrency })).ms;
    };
    await engineRun();
    await bareRun();
    for (let i = 0; i < REPEATS; i += 1) {
      engineMs.push(await engineRun());
      bareMs.push(await bareRun());
      log(`5 many steps: engine ${engineMs.at(-1)?.toFixed(0)} ms, bare ${bareMs.at(-1)?.toFixed(0)} ms`);
    }
  } finally {
    await sim.close();
  }
  const engineMedian = median(engineMs);
  const bareMedian = median(bareMs);
  const perStepMs = engineMedian / steps;
  const overheadPerStepMs = (engineMedian - bareMedian) / steps;
  return {
    rows: [
      reported(
        `5 many steps: ${steps} steps x ${perStep} stops, c=${concurrency}`,
        ms(engineMedian),
        `bare undici, same batches ${ms(bareMedian)}`,
        engineMedian / bareMedian,
      ),
      reported(
        '5   per step (engine total / steps)',
        `${perStepMs.toFixed(2)} ms/step`,
        `${overheadPerStepMs.toFixed(2)} ms/step over bare`,
      ),
    ],
    details: { steps, perStep, concurrency, engineMs, bareMs, engineMedian, bareMedian, perStepMs, overheadPerStepMs },
  };
}
