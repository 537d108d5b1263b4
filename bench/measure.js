// How the scenarios repeat and summarise their measurements.

/** Timed runs of each client per scenario, unless the scenario says otherwise; the table shows medians. */
export const REPEATS = 3;

/**
 * The median of `values` (not empty).
 * @param {number[]} values
 * @returns {number}
 */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const at = (/** @type {number} */ i) => /** @type {number} */ (sorted[i]);
  return sorted.length % 2 === 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
}

/**
 * The median of the ratios `engine[i] / bare[i]` of runs taken back to back: a pair shares the state of
 * the machine at its moment, so a slow patch raises both of its runs rather than one side's median.
 * @param {number[]} engine
 * @param {number[]} bare
 * @returns {number}
 */
export function pairedRatio(engine, bare) {
  return median(engine.map((e, i) => e / /** @type {number} */ (bare[i])));
}

/**
 * Collects the garbage the previous run left in the young generation, where a run leaves almost all of
 * it, so that no run pays for another's. Only a young-generation collection: a full one also deoptimizes
 * the compiled code that refers to objects of the previous run, which V8 then drops, so every
 * run after it would start partly cold and spend its first part compiling again, the engine (far more
 * code) more than the baseline. Scenarios run with `--expose-gc` (bench/run.js starts them so); without
 * it this throws rather than measure unsettled heaps.
 */
export function settleHeap() {
  if (typeof globalThis.gc !== 'function') throw new Error('bench scenarios run with node --expose-gc: use npm run bench');
  globalThis.gc({ type: 'minor' });
}

/**
 * Runs the engine and the baseline `times` times each, alternating which goes first, so that a slow patch
 * of the machine does not always hit the same one, each from a settled heap; `each` sees every pair as it
 * comes.
 * @template T
 * @param {number} times
 * @param {() => Promise<T>} engineRun
 * @param {() => Promise<T>} bareRun
 * @param {(engine: T, bare: T) => void} each
 * @returns {Promise<{ engine: T[], bare: T[] }>}
 */
export async function alternating(times, engineRun, bareRun, each) {
  /** @type {{ engine: T[], bare: T[] }} */
  const runs = { engine: [], bare: [] };
  for (let i = 0; i < times; i += 1) {
    let engine;
    let bare;
    if (i % 2 === 0) {
      settleHeap();
      engine = await engineRun();
      settleHeap();
      bare = await bareRun();
    } else {
      settleHeap();
      bare = await bareRun();
      settleHeap();
      engine = await engineRun();
    }
    runs.engine.push(engine);
    runs.bare.push(bare);
    each(engine, bare);
  }
  return runs;
}

/**
 * Progress on stderr, so that stdout carries only results.
 * @param {string} text
 */
export function log(text) {
  process.stderr.write(`${text}\n`);
}
