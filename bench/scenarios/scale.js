// Scenario 3: 100,000 operations in one step: the peak RSS of the engine's process, report written.
// The engine runs in a process of its own (bench/worker.js) and the simulator in another, so that the
// peak measured is the engine's alone.

import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BARS } from '../bars.js';
import { log } from '../measure.js';
import { runWorker, startSimProcess } from '../processes.js';
import { fmtInt, judged, ms, reported } from '../table.js';
import { simConfig } from '../workloads.js';

/**
 * @param {import('../scenario.js').ScenarioContext} context
 * @returns {Promise<import('../scenario.js').ScenarioResult>}
 */
export async function scale({ scratch }) {
  const n = 100_000;
  const concurrency = 64;
  const sim = await startSimProcess(simConfig(n));
  const reportFile = join(scratch, 'scale.report.json');
  let measured;
  try {
    measured = await runWorker({
      BENCH_CLIENT: 'engine',
      BENCH_SIM_URL: sim.url,
      BENCH_OPS: String(n),
      BENCH_CONCURRENCY: String(concurrency),
      BENCH_REPORT: reportFile,
    });
  } finally {
    await sim.close();
  }
  // A peak is only worth reading if the run did all the work: every operation run and in the report.
  const report = /** @type {import('../../src/report/types.js').RunReport} */ (JSON.parse(readFileSync(reportFile, 'utf8')));
  const inReport = report.steps[0]?.operations.length ?? 0;
  if (report.summary.total !== n || report.summary.changed !== n || inReport !== n) {
    throw new Error(`scenario 3: the report holds ${inReport} operations, ${JSON.stringify(report.summary)}; expected ${n}, all changed`);
  }
  const reportBytes = statSync(reportFile).size;
  log(`3 scale: ${measured.ms.toFixed(0)} ms, peak RSS ${measured.maxRssMB.toFixed(0)} MB, report ${(reportBytes / 1e6).toFixed(1)} MB`);
  return {
    rows: [
      judged(
        `3 scale: ${fmtInt(n)} stops in one step, c=${concurrency}`,
        `${measured.maxRssMB.toFixed(0)} MB peak RSS`,
        '-',
        BARS.scale,
        measured.maxRssMB,
      ),
      reported(
        '3   report written atomically, every operation in it',
        `${(reportBytes / 1e6).toFixed(1)} MB, ${fmtInt(n)} ops`,
        `run ${ms(measured.ms)}, write ${ms(measured.writeMs ?? 0)}`,
      ),
    ],
    details: { operations: n, concurrency, ...measured, reportBytes },
  };
}
