// Scenario 3: 100,000 operations in one step: the peak RSS of the engine's process, report written.
// The engine runs in a process of its own (bench/worker.js) and the simulator in another, so that the
// peak measured is the engine's alone. Then the same stops through `runbook run` as an operator starts
// it, the hosts found by `ocp.listHosts` first: that peak is reported beside the judged one.

import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BARS } from '../bars.js';
import { log } from '../measure.js';
import { runNode, runWorker, startSimProcess } from '../processes.js';
import { fmtInt, judged, ms, reported } from '../table.js';
import { discoverAndStopRunbook, simConfig } from '../workloads.js';

/** @typedef {import('../../src/report/types.js').RunReport} RunReport */

const OPERATIONS = 100_000;
const CONCURRENCY = 64;

/**
 * @param {import('../scenario.js').ScenarioContext} context
 * @returns {Promise<import('../scenario.js').ScenarioResult>}
 */
export async function scale({ scratch }) {
  const n = OPERATIONS;
  const concurrency = CONCURRENCY;
  const sim = await startSimProcess(simConfig(n));
  const reportFile = join(scratch, 'scale.report.json');
  let measured;
  let throughCli;
  try {
    measured = await runWorker({
      BENCH_CLIENT: 'engine',
      BENCH_SIM_URL: sim.url,
      BENCH_OPS: String(n),
      BENCH_CONCURRENCY: String(concurrency),
      BENCH_REPORT: reportFile,
    });
    await sim.resetState();
    throughCli = await runCliWindow(sim.url, scratch);
  } finally {
    await sim.close();
  }
  // A peak is only worth reading if the run did all the work: every operation run and in the report.
  const report = /** @type {RunReport} */ (JSON.parse(readFileSync(reportFile, 'utf8')));
  checkAllChanged(report, 0, n);
  const reportBytes = statSync(reportFile).size;
  log(`3 scale: ${measured.ms.toFixed(0)} ms, peak RSS ${measured.maxRssMB.toFixed(0)} MB, report ${(reportBytes / 1e6).toFixed(1)} MB`);
  log(`3 scale through runbook run: peak RSS ${throughCli.maxRssMB.toFixed(0)} MB`);
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
      reported('3   the same through runbook run, the hosts found by ocp.listHosts', `${throughCli.maxRssMB.toFixed(0)} MB peak RSS`, '-'),
    ],
    details: { operations: n, concurrency, ...measured, reportBytes, throughCli },
  };
}

/**
 * Runs `runbook run` (bench/cli-peak.js) on a runbook that finds every host of the simulator and stops
 * the process on each, with a report; returns the process's peak RSS once the report shows all done.
 * @param {string} url
 * @param {string} scratch
 */
async function runCliWindow(url, scratch) {
  const file = join(scratch, 'window.yaml');
  const reportFile = join(scratch, 'window.report.json');
  const peakFile = join(scratch, 'window.peak');
  writeFileSync(file, discoverAndStopRunbook(url, CONCURRENCY));
  const args = ['run', file, '--report', reportFile, '--quiet', '--lock', join(scratch, 'window.lock')];
  await runNode([fileURLToPath(new URL('../cli-peak.js', import.meta.url)), ...args], { BENCH_PEAK_FILE: peakFile });
  checkAllChanged(/** @type {RunReport} */ (JSON.parse(readFileSync(reportFile, 'utf8'))), 1, OPERATIONS);
  return { maxRssMB: Number(readFileSync(peakFile, 'utf8')) };
}

/**
 * Throws unless the report holds `n` stops, all changed, after `before` operations of earlier steps.
 * @param {RunReport} report
 * @param {number} before
 * @param {number} n
 */
function checkAllChanged(report, before, n) {
  const stops = report.steps.at(-1)?.operations.length ?? 0;
  if (report.summary.total !== before + n || report.summary.changed !== n || stops !== n) {
    throw new Error(`scenario 3: the report holds ${stops} stops, ${JSON.stringify(report.summary)}; expected ${n}, all changed`);
  }
}
