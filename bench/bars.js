// The regression bars `npm run bench` enforces. Each compares two figures measured in the same run, on
// the same machine, so that the bar holds whatever the machine's speed; a broken bar fails the run.

/** @typedef {import('./table.js').Bar} Bar */

/** @satisfies {Record<string, Bar>} */
export const BARS = {
  /** Scenario 1: what the engine adds to requests that cost nothing. */
  overhead: { name: 'no-latency overhead, engine / bare undici', limit: 1.25 },
  /** Scenario 2: where the server's latency sets the pace, the engine keeps up with a bare client. */
  latencyBound: { name: 'latency-bound, engine / bare undici on the same requests (warm)', limit: 1.05 },
  /** Scenario 3: peak RSS of a run of 100,000 operations, report written. */
  scale: { name: '100,000 operations, peak RSS', limit: 300, unit: 'MB' },
  /** Scenario 4: what an operator waits for `runbook validate`, against Node's own start. */
  coldStart: { name: 'validate cold start, runbook validate / node -e 0', limit: 2.5 },
};
