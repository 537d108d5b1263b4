// `runbook` as an operator starts it, from the build being measured (BENCH_DIST), with the arguments
// given after this file; when the process exits, its peak RSS (MB) is written to BENCH_PEAK_FILE.
// Started by scenario 3 (bench/scenarios/scale.js) through bench/processes.js.

import { writeFileSync } from 'node:fs';

const peakFile = process.env.BENCH_PEAK_FILE;
const dist = process.env.BENCH_DIST;
if (!peakFile || !dist) throw new Error('bench/cli-peak.js is started by bench/scenarios/scale.js (BENCH_PEAK_FILE, BENCH_DIST)');
process.on('exit', () => writeFileSync(peakFile, String(process.resourceUsage().maxRSS / 1024)));
const { run } = /** @type {typeof import('../src/cli/main.js')} */ (
  await import(new URL('bin/main.js', `file://${dist.replace(/\/?$/, '/')}`).href)
);
await run();
