// One client run in a process of its own, started by bench/processes.js: scenario 3 (so that the peak RSS
// is the engine's alone) and the cold runs of scenario 2 (a fresh process, nothing compiled yet, as when
// an operator starts `runbook run`). Stops the process on hosts 1..BENCH_OPS against the simulator at
// BENCH_SIM_URL with BENCH_CLIENT (engine or bare), and prints one JSON line with what it measured. With
// BENCH_REPORT, the engine writes the journal and the report like `runbook run --report`.

import { fileURLToPath } from 'node:url';
import { loadEngine, runBare, runEngine } from './drivers.js';
import { fanOutRunbook, hostIds } from './workloads.js';

const client = process.env.BENCH_CLIENT ?? 'engine';
const url = process.env.BENCH_SIM_URL;
const ops = Number(process.env.BENCH_OPS);
const concurrency = Number(process.env.BENCH_CONCURRENCY);
const reportFile = process.env.BENCH_REPORT;
if (!url || !Number.isInteger(ops) || !Number.isInteger(concurrency) || (client !== 'engine' && client !== 'bare')) {
  throw new Error(
    'bench/worker.js is started by bench/processes.js (BENCH_CLIENT, BENCH_SIM_URL, BENCH_OPS, BENCH_CONCURRENCY, BENCH_REPORT)',
  );
}

const hosts = hostIds(ops);
const result =
  client === 'engine'
    ? await runEngine(await loadEngine(), {
        text: fanOutRunbook(url, concurrency),
        file: fileURLToPath(new URL('worker.yaml', import.meta.url)),
        params: { hosts },
        concurrency,
        ...(reportFile ? { reportFile } : {}),
      })
    : await runBare({ origin: url, batches: [hosts], concurrency });
// maxRSS is the peak over the process's whole life, report writing included.
const { maxRSS } = process.resourceUsage();
process.stdout.write(`${JSON.stringify({ ...result, maxRssMB: maxRSS / 1024 })}\n`);
