// Scenario 4: what an operator waits for `runbook validate` of an example, against `node -e 0`: both
// spawned, as a shell would.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { BARS } from '../bars.js';
import { DIST } from '../drivers.js';
import { log, median } from '../measure.js';
import { REPO } from '../processes.js';
import { judged, ms } from '../table.js';

const RUNS = 9;
const EXAMPLE = 'runbooks/examples/stop-obstat.yaml';

/**
 * @param {import('../scenario.js').ScenarioContext} _context
 * @returns {Promise<import('../scenario.js').ScenarioResult>}
 */
export async function coldStart(_context) {
  const bin = fileURLToPath(new URL('../bin/runbook.js', DIST));
  const validate = [bin, 'validate', EXAMPLE];
  timeOf(['-e', '0']);
  timeOf(validate);
  /** @type {number[]} */
  const nodeMs = [];
  /** @type {number[]} */
  const validateMs = [];
  for (let i = 0; i < RUNS; i += 1) {
    nodeMs.push(timeOf(['-e', '0']));
    validateMs.push(timeOf(validate));
  }
  const ratio = median(validateMs) / median(nodeMs);
  log(`4 cold start: validate ${median(validateMs).toFixed(0)} ms, node -e 0 ${median(nodeMs).toFixed(0)} ms`);
  return {
    rows: [
      judged(
        '4 cold start: runbook validate stop-obstat.yaml',
        ms(median(validateMs)),
        `node -e 0 ${ms(median(nodeMs))}`,
        BARS.coldStart,
        ratio,
      ),
    ],
    details: { command: `node bin/runbook.js validate ${EXAMPLE}`, runs: RUNS, validateMs, nodeMs, ratio },
  };
}

/**
 * Wall time of `node args`, spawned from the repository root; throws when it does not exit 0.
 * @param {string[]} args
 * @param {Record<string, string>} [env]
 */
function timeOf(args, env = {}) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: REPO, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  const elapsed = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status ?? r.signal}: ${r.stderr}`);
  return elapsed;
}
