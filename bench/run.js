// `npm run bench`: regression bars for the engine's cost, each a ratio to a baseline measured in the same
// run on the same machine (see bench/README.md and bench/bars.js). Runs every scenario in a fresh process
// (bench/scenario.js), prints one table, writes bench/results.json, and exits 1 when a bar is broken or a
// scenario fails, saying which.
//
// Usage: npm run bench [-- --only 1,3]     (BENCH_DIST=/path/to/dist measures another build)

import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { DIST } from './drivers.js';
import { lastLine, runNode } from './processes.js';
import { brokenBars, renderTable } from './table.js';

const ALL = [1, 2, 3, 4, 5];

const scenarios = parseOnly(process.argv.slice(2));
const startedAt = { when: new Date().toISOString(), loadavgAtStart: loadavg() };
/** @type {import('./table.js').Row[]} */
const table = [];
/** @type {Record<string, unknown>} */
const details = {};
/** @type {string[]} */
const failures = [];
for (const n of scenarios) {
  try {
    const out = await runNode(['--expose-gc', fileURLToPath(new URL('scenario.js', import.meta.url)), String(n)], {});
    const child = /** @type {{ rows: import('./table.js').Row[], scenarios: Record<string, unknown> }} */ (JSON.parse(lastLine(out)));
    table.push(...child.rows);
    Object.assign(details, child.scenarios);
  } catch (error) {
    failures.push(`SCENARIO FAILED: ${n}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const machine = { node: process.version, cpus: cpus().length, ...startedAt, loadavgAtEnd: loadavg() };
writeFileSync(
  new URL('results.json', import.meta.url),
  `${JSON.stringify({ ...machine, dist: fileURLToPath(DIST), table, scenarios: details }, null, 2)}\n`,
);
console.log(renderTable(table));
const load = (/** @type {number[]} */ l) => l.map((x) => x.toFixed(1)).join(' ');
console.log(
  `\nnode ${machine.node}, ${machine.cpus} CPUs, load average ${load(machine.loadavgAtStart)} at start, ${load(machine.loadavgAtEnd)} at end; details in bench/results.json`,
);
failures.push(...brokenBars(table));
for (const line of failures) console.error(line);
if (failures.length > 0) process.exitCode = 1;

/**
 * The scenarios `--only 1,3` asks for (all without it); exits 2 on anything but numbers 1 to 5.
 * @param {string[]} argv
 * @returns {number[]}
 */
function parseOnly(argv) {
  const i = argv.indexOf('--only');
  if (i === -1) return ALL;
  const wanted = String(argv[i + 1] ?? '')
    .split(',')
    .map(Number);
  if (wanted.length === 0 || !wanted.every((n) => ALL.includes(n))) {
    console.error(`--only takes scenario numbers among ${ALL.join(',')}, e.g. --only 1,3; got ${argv[i + 1] ?? 'nothing'}`);
    process.exit(2);
  }
  return ALL.filter((n) => wanted.includes(n));
}
