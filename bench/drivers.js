// The two ways the benchmark stops processes: the engine, driven programmatically the way `runbook run`
// wires it (without the console), and a bare loop of undici requests sending the same two requests per
// operation with the same headers and keep-alive pool settings. Each returns its wall and CPU time.

import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { Pool } from 'undici';
import { BASIC_AUTHORIZATION, PROCESS_ID } from './workloads.js';

/** Where the compiled engine is: ../dist, or BENCH_DIST (to measure another build). */
export const DIST = new URL(process.env.BENCH_DIST ? `file://${process.env.BENCH_DIST.replace(/\/?$/, '/')}` : '../dist/', import.meta.url);

/**
 * Imports a module of the build being measured. Its type is that of the source it was compiled from.
 * @param {string} path relative to dist/
 * @returns {Promise<unknown>}
 */
export function importDist(path) {
  return import(new URL(path, DIST).href);
}

/**
 * The engine modules the CLI wires together.
 * @typedef {Awaited<ReturnType<typeof loadEngine>>} Engine
 */

/** Imports the engine modules the CLI wires together. */
export async function loadEngine() {
  const [load, builtins, connections, executor, redactor, journal, builder, artifacts] = /**
   * @type {[
   *   typeof import('../src/runbook/load.js'),
   *   typeof import('../src/actions/builtins.js'),
   *   typeof import('../src/engine/connections.js'),
   *   typeof import('../src/engine/executor.js'),
   *   typeof import('../src/secrets/redactor.js'),
   *   typeof import('../src/report/journal.js'),
   *   typeof import('../src/report/builder.js'),
   *   typeof import('../src/cli/artifacts.js'),
   * ]}
   */ (
    await Promise.all([
      importDist('runbook/load.js'),
      importDist('actions/builtins.js'),
      importDist('engine/connections.js'),
      importDist('engine/executor.js'),
      importDist('secrets/redactor.js'),
      importDist('report/journal.js'),
      importDist('report/builder.js'),
      importDist('cli/artifacts.js'),
    ])
  );
  return {
    parseRunbook: load.parseRunbook,
    createRegistry: builtins.createRegistry,
    openRunbookConnections: connections.openRunbookConnections,
    executeRunbook: executor.executeRunbook,
    Redactor: redactor.Redactor,
    openJournal: journal.openJournal,
    journalPathFor: journal.journalPathFor,
    RunRecorder: builder.RunRecorder,
    writeArtifacts: artifacts.writeArtifacts,
  };
}

/**
 * CPU time of this process (every thread: the collector's helpers too) since `before`, in ms.
 * @param {NodeJS.CpuUsage} before
 */
function cpuMsSince(before) {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

/**
 * Loads `text` as a runbook and executes it with a silent logger, as `runbook run` does. Only
 * `executeRunbook` is timed, wall and CPU (expansion included; loading, opening and closing the
 * connections not, as the baseline's pool is not). With `reportFile`, writes the journal beside it and
 * the report through the CLI's artifact writer, like `runbook run --report`.
 * @param {Engine} engine
 * @param {{ text: string, file: string, params: Record<string, unknown>, concurrency: number, reportFile?: string }} run
 * @returns {Promise<RunTimes>}
 */
export async function runEngine(engine, { text, file, params, concurrency, reportFile }) {
  const registry = engine.createRegistry();
  const runbook = await engine.parseRunbook(text, file, { registry });
  const redactor = new engine.Redactor();
  const log = pino({ level: 'silent' });
  const connections = engine.openRunbookConnections({
    runbook,
    registry,
    scope: { params, env: {} },
    redactor,
    log,
    maxConnections: concurrency,
  });
  const journal = reportFile ? engine.openJournal(engine.journalPathFor(reportFile), redactor) : undefined;
  /** @type {import('../src/report/types.js').Report} */
  let report;
  let ms;
  let cpuMs;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const recorder = new engine.RunRecorder(journal);
    await engine.executeRunbook({ runbook, registry, params, env: {}, connections: connections.map, concurrency, log, redactor }, recorder);
    report = recorder.build();
    ms = performance.now() - t0;
    cpuMs = cpuMsSince(cpu0);
  } finally {
    journal?.close();
    await connections.closeAll();
  }
  // The peak so far: running, without writing the report.
  const runPeakRssMB = process.resourceUsage().maxRSS / 1024;
  let writeMs;
  if (reportFile) {
    const w0 = performance.now();
    report.params = redactor.redactValue(report.params);
    await engine.writeArtifacts(report, { report: reportFile }, redactor);
    writeMs = performance.now() - w0;
  }
  const { summary, status } = report;
  if (status !== 'succeeded' || summary.changed !== summary.total) {
    const failure = report.steps.flatMap((s) => [...s.operations]).find((o) => o.status !== 'changed');
    throw new Error(`engine run ${status}: ${JSON.stringify(summary)}; first: ${JSON.stringify(failure)}`);
  }
  return { ms, cpuMs, writeMs, runPeakRssMB, summary };
}

/**
 * What a client run took: wall time and CPU time of the whole process; for the engine also the time to
 * write the report (when asked), the peak RSS before writing it, and the run's counts.
 * @typedef {object} RunTimes
 * @property {number} ms
 * @property {number} cpuMs
 * @property {number} [writeMs]
 * @property {number} [runPeakRssMB]
 * @property {import('../src/report/types.js').StatusCounts} [summary]
 */

/**
 * Stops the process on every host of `batches` (arrays of host ids, run one after the other, each at up
 * to `concurrency` at once) with bare undici: GET the process list, check it, POST the stop, check the answer.
 * Timed, wall and CPU, from the first request to the last answer (the pool's close not).
 * @param {{ origin: string, batches: number[][], concurrency: number }} run
 * @returns {Promise<RunTimes>}
 */
export async function runBare({ origin, batches, concurrency }) {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  const headers = { 'content-type': 'application/json', authorization: BASIC_AUTHORIZATION };
  const base = '/api/v2/compute/hosts/';
  /** @param {number} host */
  const stopOne = async (host) => {
    const list = await pool.request({ method: 'GET', path: `${base}${host}/agent/processes?page=1&size=100`, headers });
    const page = /** @type {{ data: { contents: { id: number, status: string }[] } }} */ (await list.body.json());
    const before = list.statusCode === 200 ? page.data.contents.find((p) => p.id === PROCESS_ID) : undefined;
    if (before?.status !== 'STARTED')
      throw new Error(`bare: host ${host} answered ${list.statusCode} ${JSON.stringify(page).slice(0, 200)}`);
    const stop = await pool.request({ method: 'POST', path: `${base}${host}/agent/processes/${PROCESS_ID}/stop`, headers });
    const after = /** @type {{ data: { status: string } }} */ (await stop.body.json());
    if (stop.statusCode !== 200 || after.data.status !== 'STOPPED')
      throw new Error(`bare: stop on host ${host} answered ${stop.statusCode}`);
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    for (const hosts of batches) {
      let next = 0;
      const worker = async () => {
        for (let host = hosts[next++]; host !== undefined; host = hosts[next++]) await stopOne(host);
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, hosts.length) }, worker));
    }
    const ms = performance.now() - t0;
    return { ms, cpuMs: cpuMsSince(cpu0) };
  } finally {
    await pool.close();
  }
}
