// Scenario 3 in a process of its own, so that its peak RSS is the engine's alone: runs one step of
// BENCH_OPS stops against the simulator at BENCH_SIM_URL (started by bench/run.js), writes the journal and
// the report like `runbook run --report`, and prints one JSON line with what it measured.

import { fanOutRunbook, hostIds } from './workloads.js';
import { loadEngine, runEngine } from './drivers.js';

const url = process.env.BENCH_SIM_URL;
const ops = Number(process.env.BENCH_OPS);
const concurrency = Number(process.env.BENCH_CONCURRENCY);
const reportFile = process.env.BENCH_REPORT;
if (!url || !Number.isInteger(ops) || !Number.isInteger(concurrency) || !reportFile) {
  throw new Error('bench/scale-worker.js is started by bench/run.js (BENCH_SIM_URL, BENCH_OPS, BENCH_CONCURRENCY, BENCH_REPORT)');
}

const engine = await loadEngine();
const result = await runEngine(engine, {
  text: fanOutRunbook(url, concurrency),
  file: new URL('scale.yaml', import.meta.url).pathname,
  params: { hosts: hostIds(ops) },
  concurrency,
  reportFile,
});
// maxRSS is the peak over the process's whole life, report writing included.
const { maxRSS } = process.resourceUsage();
process.stdout.write(
  `${JSON.stringify({ ms: result.ms, writeMs: result.writeMs, summary: result.summary, runPeakRssMB: result.runPeakRssMB, maxRssMB: maxRSS / 1024 })}\n`,
);
