// A simulator in a process of its own (scenarios 1, 2 and 3): started by bench/processes.js with its
// configuration in BENCH_SIM_CONFIG, it prints its URL and runs until its standard input closes.

import { importDist } from './drivers.js';
import { SIM_RECORDED } from './workloads.js';

const { startSimulator } = /** @type {typeof import('../src/sim/index.js')} */ (await importDist('sim/index.js'));
const sim = await startSimulator({ maxRecordedRequests: SIM_RECORDED, config: JSON.parse(process.env.BENCH_SIM_CONFIG ?? '{}') });
process.stdout.write(`${sim.url}\n`);
// The parent closing our stdin (or dying) ends us: no simulator outlives the bench.
process.stdin.on('end', () => {
  void sim.close().then(() => process.exit(0));
});
process.stdin.resume();
