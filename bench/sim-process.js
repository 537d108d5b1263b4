// A simulator in a process of its own (scenarios 2 and 3): started by bench/run.js with its configuration
// in BENCH_SIM_CONFIG, it prints its URL and runs until its standard input closes.

import { DIST } from './drivers.js';

const { startSimulator } = await import(new URL('sim/index.js', DIST).href);
const sim = await startSimulator({ maxRecordedRequests: 16, config: JSON.parse(process.env.BENCH_SIM_CONFIG ?? '{}') });
process.stdout.write(`${sim.url}\n`);
// The parent closing our stdin (or dying) ends us: no simulator outlives the bench.
process.stdin.on('end', () => {
  void sim.close().then(() => process.exit(0));
});
process.stdin.resume();
