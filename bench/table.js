// The table `npm run bench` prints: one row per figure, the bar it is judged against (if any), and the
// number formats the rows share.

/**
 * A regression bar: the figure a row is judged by, and the most it may be.
 * @typedef {object} Bar
 * @property {string} name  what the bar guards, as printed when it is broken
 * @property {number} limit the largest value that passes
 * @property {string} [unit] the unit of the value, when it is not a ratio
 */

/**
 * One row of the table. `verdict` is absent for a figure that is reported, not judged.
 * @typedef {object} Row
 * @property {string} scenario
 * @property {string} measured
 * @property {string} baseline
 * @property {string} ratio
 * @property {string} bar
 * @property {string} result  PASS, FAIL, or '-' for a reported figure
 * @property {{ bar: Bar, value: number, pass: boolean }} [verdict]
 */

/**
 * A row that is reported, not judged.
 * @param {string} scenario
 * @param {string} measured
 * @param {string} baseline
 * @param {number} [ratio]
 * @returns {Row}
 */
export function reported(scenario, measured, baseline, ratio) {
  return { scenario, measured, baseline, ratio: ratio === undefined ? '-' : fixed2(ratio), bar: '-', result: '-' };
}

/**
 * A row judged by `bar`: `value` (a ratio, or a figure in `bar.unit`) passes when at most `bar.limit`.
 * @param {string} scenario
 * @param {string} measured
 * @param {string} baseline
 * @param {Bar} bar
 * @param {number} value
 * @returns {Row}
 */
export function judged(scenario, measured, baseline, bar, value) {
  const pass = value <= bar.limit;
  return {
    scenario,
    measured,
    baseline,
    ratio: bar.unit ? '-' : fixed3(value),
    bar: `<= ${bar.limit}${bar.unit ? ` ${bar.unit}` : ''}`,
    result: pass ? 'PASS' : 'FAIL',
    verdict: { bar, value, pass },
  };
}

/** @type {ReadonlyArray<[keyof Row, string]>} */
const COLUMNS = [
  ['scenario', 'scenario'],
  ['measured', 'measured'],
  ['baseline', 'baseline'],
  ['ratio', 'ratio'],
  ['bar', 'bar'],
  ['result', 'PASS/FAIL'],
];

/**
 * The rows as a Markdown table, padded so that it reads as well in a terminal.
 * @param {Row[]} rows
 * @returns {string}
 */
export function renderTable(rows) {
  const widths = COLUMNS.map(([key, title]) => Math.max(title.length, ...rows.map((r) => String(r[key]).length)));
  /** @param {string[]} cells */
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [
    line(COLUMNS.map(([, title]) => title)),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map((r) => line(COLUMNS.map(([key]) => String(r[key])))),
  ].join('\n');
}

/**
 * The lines that say which bars the rows broke: the bar, the measured value and the limit.
 * @param {Row[]} rows
 * @returns {string[]}
 */
export function brokenBars(rows) {
  return rows.flatMap(({ scenario, verdict }) => {
    if (!verdict || verdict.pass) return [];
    const { bar, value } = verdict;
    const shown = bar.unit ? `${value.toFixed(1)} ${bar.unit}` : fixed3(value);
    return [`BAR BROKEN: ${bar.name}: measured ${shown}, limit ${bar.limit}${bar.unit ? ` ${bar.unit}` : ''} (row "${scenario.trim()}")`];
  });
}

/** @param {number} value */
function fixed2(value) {
  return value.toFixed(2);
}

/**
 * A judged ratio, to three decimals: at two, a ratio just over its limit would read as equal to it.
 * @param {number} value
 */
function fixed3(value) {
  return value.toFixed(3);
}

/**
 * A duration in ms, in seconds from 10 s up.
 * @param {number} value
 */
export function ms(value) {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(0)} ms`;
}

/** @param {number} n */
export function fmtInt(n) {
  return n.toLocaleString('en-US');
}
