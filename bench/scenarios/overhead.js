// Scenario 1: 20,000 stops at concurrency 64 with no latency: what the engine adds to each operation,
// against a bare undici loop that sends the same requests.
//
// It runs twice. First with the simulator in this process: the engine and its baseline then pay exactly
// the same simulator CPU on the same thread, so their difference is all the engine's own cost (and a
// little more: the engine's allocations also make the collector work on the simulator's objects). Then
// with the simulator in a child process, as in production, where it works in parallel on another core and
// hides part of the engine's cost. The two rows bracket the engine's cost; both are held to the bar.

import { join } from 'node:path';
import { BARS } from '../bars.js';
import { runBare, runEngine } from '../drivers.js';
import { alternating, log, median, pairedRatio } from '../measure.js';
import { REPO, startSimProcess } from '../processes.js';
import { fmtInt, judged, ms, reported } from '../table.js';
import { PROCESS_ID, SIM_RECORDED, fanOutRunbook, hostIds, simConfig } from '../workloads.js';

/** @typedef {import('../scenario.js').ScenarioContext} ScenarioContext */
/** @typedef {import('../../src/sim/index.js').Simulator} Simulator */

const OPERATIONS = 20_000;
const CONCURRENCY = 64;
/** Pairs of timed runs in each row: with no latency, a run is short enough that the machine's noise shows. */
const PAIRS = 5;

/**
 * @param {ScenarioContext} context
 * @returns {Promise<import('../scenario.js').ScenarioResult>}
 */
export async function overhead({ engine, startSimulator }) {
  const n = OPERATIONS;
  const concurrency = CONCURRENCY;
  const file = join(REPO, 'bench', 'overhead.yaml');
  const sim = await startSimulator({ maxRecordedRequests: SIM_RECORDED, config: simConfig(n) });
  let together;
  try {
    const text = fanOutRunbook(sim.url, concurrency);
    /** @param {number[]} hosts */
    const engineRun = async (hosts) => {
      resetSim(sim);
      return (await runEngine(engine, { text, file, params: { hosts }, concurrency })).ms;
    };
    /** @param {number[]} hosts */
    const bareRun = async (hosts) => {
      resetSim(sim);
      return (await runBare({ origin: sim.url, batches: [hosts], concurrency })).ms;
    };
    // Warm-up: JIT, sockets, and a check that both send the same requests.
    const same = await sameRequests(
      sim,
      () => engineRun(hostIds(2)),
      () => bareRun(hostIds(2)),
    );
    await engineRun(hostIds(2_000));
    await bareRun(hostIds(2_000));
    const runs = await alternating(
      PAIRS,
      () => engineRun(hostIds(n)),
      () => bareRun(hostIds(n)),
      (e, b) => log(`1 overhead: engine ${e.toFixed(0)} ms, bare ${b.toFixed(0)} ms`),
    );
    together = { ...summarise(runs.engine, runs.bare), sameRequests: same };
  } finally {
    await sim.close();
  }
  const apart = await withSimInChild(engine, file);
  return {
    rows: [
      judged(
        `1 overhead: ${fmtInt(n)} stops, c=${concurrency}, latency 0, simulator in this process`,
        ms(together.engineMedian),
        `bare undici ${ms(together.bareMedian)}`,
        BARS.overhead,
        together.ratio,
      ),
      reported('1   per operation, (engine - bare) / N', `${together.perOpUs.toFixed(1)} us/op`, '-'),
      judged(
        '1 overhead, the same with the simulator in its own process',
        ms(apart.engineMedian),
        `bare undici ${ms(apart.bareMedian)}`,
        BARS.overhead,
        apart.ratio,
      ),
      reported('1   per operation, (engine - bare) / N', `${apart.perOpUs.toFixed(1)} us/op`, '-'),
    ],
    details: { operations: n, concurrency, ...together, simInChildProcess: apart },
  };
}

/**
 * The same workload with the simulator in a child process, working on another core as a real server
 * would: the engine's heap no longer holds the simulator's objects, but part of the engine's extra CPU
 * then overlaps the simulator's work.
 * @param {import('../drivers.js').Engine} engine
 * @param {string} file
 */
async function withSimInChild(engine, file) {
  const n = OPERATIONS;
  const concurrency = CONCURRENCY;
  const sim = await startSimProcess(simConfig(n));
  try {
    const text = fanOutRunbook(sim.url, concurrency);
    const runs = await alternating(
      PAIRS,
      async () => {
        await sim.resetState();
        return (await runEngine(engine, { text, file, params: { hosts: hostIds(n) }, concurrency })).ms;
      },
      async () => {
        await sim.resetState();
        return (await runBare({ origin: sim.url, batches: [hostIds(n)], concurrency })).ms;
      },
      (e, b) => log(`1 overhead, simulator in a child process: engine ${e.toFixed(0)} ms, bare ${b.toFixed(0)} ms`),
    );
    return summarise(runs.engine, runs.bare);
  } finally {
    await sim.close();
  }
}

/**
 * Medians, the judged ratio (the median of the pairs' ratios), and the engine's cost per operation.
 * @param {number[]} engineMs
 * @param {number[]} bareMs
 */
function summarise(engineMs, bareMs) {
  const engineMedian = median(engineMs);
  const bareMedian = median(bareMs);
  const perOpUs = ((engineMedian - bareMedian) * 1000) / OPERATIONS;
  return { engineMs, bareMs, engineMedian, bareMedian, ratio: pairedRatio(engineMs, bareMs), perOpUs };
}

/** @param {Simulator} sim */
function resetSim(sim) {
  sim.resetState();
  sim.resetStats();
}

/**
 * Runs both clients on two hosts and compares what the simulator received: same methods, paths, request
 * headers and bodies, so that the ratio compares like with like. Throws when they differ.
 * @param {Simulator} sim
 * @param {() => Promise<unknown>} engineOnce
 * @param {() => Promise<unknown>} bareOnce
 */
async function sameRequests(sim, engineOnce, bareOnce) {
  /** @param {import('../../src/sim/index.js').RecordedRequest} r */
  const shape = (r) => {
    const { date: _d, ...headers } = r.headers;
    return `${r.method} ${r.path} ${JSON.stringify(
      Object.keys(headers)
        .sort()
        .map((k) => [k, headers[k]]),
    )} body=${r.body}`;
  };
  await engineOnce();
  const fromEngine = sim.requests.map(shape).sort();
  await bareOnce();
  const fromBare = sim.requests.map(shape).sort();
  if (JSON.stringify(fromEngine) !== JSON.stringify(fromBare)) {
    throw new Error(`the baseline does not send what the engine sends:\nengine ${fromEngine.join('\n')}\nbare   ${fromBare.join('\n')}`);
  }
  if (fromEngine.length !== 4 || !fromEngine.some((r) => r.startsWith(`POST /api/v2/compute/hosts/1/agent/processes/${PROCESS_ID}/stop`))) {
    throw new Error(`unexpected requests: ${fromEngine.join('\n')}`);
  }
  return fromEngine;
}
