// The processes the benchmark starts: a scenario, a client run (bench/worker.js) and a simulator
// (bench/sim-process.js), each a fresh Node process so that it inherits no heap and no compiled code.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DIST } from './drivers.js';

/** The repository root: every process runs there. */
export const REPO = fileURLToPath(new URL('..', import.meta.url));

/** Longest a child may run before it is killed: a hung run must fail the bench, not stall it. */
const CHILD_TIMEOUT_MS = 20 * 60_000;

/**
 * What bench/worker.js measured in its process: the run's times, and the peak RSS over the process's
 * whole life (report writing included).
 * @typedef {import('./drivers.js').RunTimes & { maxRssMB: number }} WorkerResult
 */

/**
 * Runs bench/worker.js in a fresh process with `env` and returns what it measured.
 * @param {Record<string, string>} env BENCH_CLIENT, BENCH_SIM_URL, BENCH_OPS, BENCH_CONCURRENCY, BENCH_REPORT
 * @returns {Promise<WorkerResult>}
 */
export async function runWorker(env) {
  const out = await runNode([fileURLToPath(new URL('worker.js', import.meta.url))], env);
  return /** @type {WorkerResult} */ (JSON.parse(lastLine(out)));
}

/**
 * Runs node with `args` (its stderr shown as it comes) and resolves with its stdout; rejects when it
 * exits with anything but 0.
 * @param {string[]} args
 * @param {Record<string, string>} env added to this process's environment
 * @returns {Promise<string>}
 */
export function runNode(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: REPO,
      env: { ...process.env, ...env, BENCH_DIST: fileURLToPath(DIST) },
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: CHILD_TIMEOUT_MS,
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (/** @type {string} */ chunk) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => (code === 0 ? resolve(out) : reject(new Error(`node ${args.join(' ')} exited ${code ?? signal}`))));
  });
}

/**
 * The last line of a child's stdout: the JSON it reports.
 * @param {string} out
 */
export function lastLine(out) {
  return out.trim().split('\n').at(-1) ?? '';
}

/**
 * A simulator in a process of its own.
 * @typedef {object} SimProcess
 * @property {string} url
 * @property {() => Promise<void>} resetState puts every host back as configured
 * @property {() => Promise<void>} close
 */

/**
 * Starts a simulator in a child process (bench/sim-process.js), on a core of its own as a real server
 * would be.
 * @param {unknown} config the simulator's configuration
 * @returns {Promise<SimProcess>}
 */
export async function startSimProcess(config) {
  const child = spawn(process.execPath, [fileURLToPath(new URL('sim-process.js', import.meta.url))], {
    cwd: REPO,
    env: { ...process.env, BENCH_SIM_CONFIG: JSON.stringify(config), BENCH_DIST: fileURLToPath(DIST) },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the simulator process exited with ${code}`)));
    child.stdout.setEncoding('utf8');
    child.stdout.once('data', (/** @type {string} */ line) => resolve(line.trim()));
  });
  child.removeAllListeners('exit');
  const closed = new Promise((resolve) => child.once('exit', resolve));
  return {
    url,
    async resetState() {
      const res = await fetch(`${url}/__sim/reset?state=true`, { method: 'POST' });
      if (res.status !== 204) throw new Error(`resetting the simulator answered ${res.status}`);
    },
    async close() {
      child.stdin.end();
      await closed;
    },
  };
}
