// Scenario 2: 2,000 stops at concurrency 100, 20 ms per request: where the server's latency sets the
// pace, does the engine keep up with a bare undici loop sending the same requests?
//
// The simulator runs in a child process: on one thread, every request of a wave of 100 would queue behind
// the simulator's work on the others, a delay no real server adds. The judged runs are warm: both clients
// first run the whole workload four times, so that what is measured is the engine's steady cost, not V8
// compiling it (the engine has far more code to compile than the bare loop). What compiling costs an
// operator, who starts a fresh process for every run, is reported beside it: each client once in a fresh
// process (bench/worker.js), as `runbook run` starts.

import { join } from 'node:path';
import { BARS } from '../bars.js';
import { runBare, runEngine } from '../drivers.js';
import { alternating, log, median, pairedRatio } from '../measure.js';
import { REPO, runWorker, startSimProcess } from '../processes.js';
import { fmtInt, judged, ms, reported } from '../table.js';
import { fanOutRunbook, hostIds, simConfig } from '../workloads.js';

const OPERATIONS = 2_000;
const CONCURRENCY = 100;
const LATENCY_MS = 20;
const REQUESTS_PER_OPERATION = 2; // a GET of the process list, then the POST
const WARM_UPS = 4;
/** Pairs of timed runs: a run takes about a second, and the machine's noise moves one by several percent. */
const PAIRS = 7;

/**
 * @param {import('../scenario.js').ScenarioContext} context
 * @returns {Promise<import('../scenario.js').ScenarioResult>}
 */
export async function latencyBound({ engine }) {
  const n = OPERATIONS;
  const concurrency = CONCURRENCY;
  const sim = await startSimProcess(simConfig(n, LATENCY_MS));
  try {
    const text = fanOutRunbook(sim.url, concurrency);
    const file = join(REPO, 'bench', 'latency.yaml');
    const engineRun = async () => {
      await sim.resetState();
      return runEngine(engine, { text, file, params: { hosts: hostIds(n) }, concurrency });
    };
    const bareRun = async () => {
      await sim.resetState();
      return runBare({ origin: sim.url, batches: [hostIds(n)], concurrency });
    };
    // The cold runs first, while the simulator has served nothing yet.
    const workerEnv = { BENCH_SIM_URL: sim.url, BENCH_OPS: String(n), BENCH_CONCURRENCY: String(concurrency) };
    await sim.resetState();
    const coldEngine = await runWorker({ ...workerEnv, BENCH_CLIENT: 'engine' });
    await sim.resetState();
    const coldBare = await runWorker({ ...workerEnv, BENCH_CLIENT: 'bare' });
    log(`2 latency-bound, cold: engine ${coldEngine.ms.toFixed(0)} ms, bare ${coldBare.ms.toFixed(0)} ms`);
    for (let i = 0; i < WARM_UPS; i += 1) {
      await engineRun();
      await bareRun();
    }
    const runs = await alternating(PAIRS, engineRun, bareRun, (e, b) =>
      log(`2 latency-bound: engine ${e.ms.toFixed(0)} ms, bare ${b.ms.toFixed(0)} ms`),
    );
    return report(runs, { engineMs: coldEngine.ms, bareMs: coldBare.ms });
  } finally {
    await sim.close();
  }
}

/**
 * The rows and details of the warm runs and the cold ones.
 * @param {{ engine: import('../drivers.js').RunTimes[], bare: import('../drivers.js').RunTimes[] }} runs
 * @param {{ engineMs: number, bareMs: number }} cold
 * @returns {import('../scenario.js').ScenarioResult}
 */
function report(runs, cold) {
  const requests = OPERATIONS * REQUESTS_PER_OPERATION;
  // N x L / C with the configured latency: a floor no client reaches (timers fire a little late and every
  // request crosses the loopback), shown so that both clients' distance from it can be read.
  const floorMs = (requests * LATENCY_MS) / CONCURRENCY;
  const engineMs = runs.engine.map((r) => r.ms);
  const bareMs = runs.bare.map((r) => r.ms);
  const engineMedian = median(engineMs);
  const bareMedian = median(bareMs);
  // Judged on the median of the pairs' ratios: the two runs of a pair share the state of the machine.
  const ratio = pairedRatio(engineMs, bareMs);
  const coldRatio = cold.engineMs / cold.bareMs;
  // The client's CPU per request (every thread of the process): what it spends between answers decides
  // how long a wave of 100 answers waits for it.
  const cpuPerRequestUs = (/** @type {import('../drivers.js').RunTimes[]} */ r) => r.map((x) => (x.cpuMs * 1000) / requests);
  const cpu = { engine: cpuPerRequestUs(runs.engine), bare: cpuPerRequestUs(runs.bare) };
  return {
    rows: [
      judged(
        `2 latency-bound: ${fmtInt(OPERATIONS)} stops, c=${CONCURRENCY}, ${LATENCY_MS} ms/request (warm)`,
        ms(engineMedian),
        `bare undici ${ms(bareMedian)}`,
        BARS.latencyBound,
        ratio,
      ),
      reported('2   cold: each client once in a fresh process', ms(cold.engineMs), `bare undici ${ms(cold.bareMs)}`, coldRatio),
      reported(
        '2   warm, against N x L / C (configured L)',
        ms(engineMedian),
        `N x L / C = ${ms(floorMs)}; bare undici ${(bareMedian / floorMs).toFixed(2)}`,
        engineMedian / floorMs,
      ),
      reported(
        '2   client CPU per request (process.cpuUsage, warm)',
        `${median(cpu.engine).toFixed(0)} us/request`,
        `bare undici ${median(cpu.bare).toFixed(0)} us/request`,
        median(cpu.engine) / median(cpu.bare),
      ),
    ],
    details: {
      operations: OPERATIONS,
      concurrency: CONCURRENCY,
      latencyPerRequestMs: LATENCY_MS,
      requestsPerOperation: REQUESTS_PER_OPERATION,
      engineMs,
      bareMs,
      engineMedian,
      bareMedian,
      ratio,
      floorMs,
      clientCpuPerRequestUs: cpu,
      cold: { ...cold, ratio: coldRatio },
    },
  };
}
