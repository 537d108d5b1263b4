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
 * Runs the engine and the baseline `times` times each, alternating which goes first, so that a slow patch
 * of the machine does not always hit the same one; `each` sees every pair as it comes.
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
      engine = await engineRun();
      bare = await bareRun();
    } else {
      bare = await bareRun();
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
