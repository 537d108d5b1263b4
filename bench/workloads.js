// The workloads of the benchmark: runbook texts, simulator configurations, and the facts that tie them
// together (which process every operation stops), shared by the engine run and its bare baseline.

/** The process every benchmark operation stops: each simulated host has exactly this one, STARTED. */
export const PROCESS_ID = 185;

/**
 * How many requests an in-process simulator keeps: enough to compare what the engine and the baseline
 * send, without its bookkeeping growing with the workload.
 */
export const SIM_RECORDED = 16;

/** Credentials of the simulator's default OCP user. */
export const SIM_USER = { username: 'admin', password: 'sim-password' };

/** The `Authorization` header the engine sends for SIM_USER (the baseline must send the same). */
export const BASIC_AUTHORIZATION = `Basic ${Buffer.from(`${SIM_USER.username}:${SIM_USER.password}`).toString('base64')}`;

/**
 * A simulator with `hosts` hosts (ids 1..hosts), each with one operable STARTED process, so that every
 * operation is a real stop: one GET of the process list, then one POST.
 * @param {number} hosts
 * @param {number} [latencyMs] added to every answer
 * @returns {import('../src/sim/index.js').SimConfigInput}
 */
export function simConfig(hosts, latencyMs = 0) {
  return {
    faults: latencyMs > 0 ? { latency: latencyMs } : {},
    ocp: { hosts: [{ ids: { from: 1, to: hosts }, processes: [{ id: PROCESS_ID, alias: 'obstat2' }] }] },
  };
}

/**
 * Host ids first..first + n - 1.
 * @param {number} n
 * @param {number} [first]
 * @returns {number[]}
 */
export function hostIds(n, first = 1) {
  return Array.from({ length: n }, (_, i) => first + i);
}

/**
 * The lines every benchmark runbook opens with: its name, the simulator's OCP connection, its concurrency.
 * @param {string} name
 * @param {string} url
 * @param {number} concurrency
 */
function header(name, url, concurrency) {
  return [
    'version: 1',
    `name: ${name}`,
    'connections:',
    '  ocp:',
    '    type: ocp',
    `    url: ${url}`,
    `    auth: { type: basic, username: ${SIM_USER.username}, password: ${SIM_USER.password} }`,
    `concurrency: ${concurrency}`,
  ];
}

/**
 * One step that stops the process on every host of `params.hosts`.
 * @param {string} url
 * @param {number} concurrency
 */
export function fanOutRunbook(url, concurrency) {
  return [
    ...header('bench-fan-out', url, concurrency),
    'params:',
    '  hosts: { type: array, items: { type: integer } }',
    'steps:',
    '  - id: stop',
    '    action: ocp.stopAgentProcess',
    '    connection: ocp',
    '    forEach: ${{ params.hosts }}',
    `    with: { hostId: "\${{ item }}", agentProcessId: ${PROCESS_ID} }`,
    '',
  ].join('\n');
}

/**
 * The whole window as an operator writes it: find every host with `ocp.listHosts`, then stop the process
 * on each host found.
 * @param {string} url
 * @param {number} concurrency
 */
export function discoverAndStopRunbook(url, concurrency) {
  return [
    ...header('bench-discover-and-stop', url, concurrency),
    'steps:',
    '  - id: find',
    '    action: ocp.listHosts',
    '    connection: ocp',
    '    with: { pageSize: 2000 }',
    '  - id: stop',
    '    action: ocp.stopAgentProcess',
    '    connection: ocp',
    '    forEach: ${{ steps.find.outputs.hosts }}',
    `    with: { hostId: "\${{ item.id }}", agentProcessId: ${PROCESS_ID} }`,
    '',
  ].join('\n');
}

/**
 * `steps` steps of `perStep` operations each, every step on its own hosts (literal forEach lists).
 * @param {string} url
 * @param {number} concurrency
 * @param {number} steps
 * @param {number} perStep
 */
export function manyStepsRunbook(url, concurrency, steps, perStep) {
  const lines = [...header('bench-many-steps', url, concurrency), 'steps:'];
  for (let s = 0; s < steps; s += 1) {
    lines.push(
      `  - id: stop-${s + 1}`,
      '    action: ocp.stopAgentProcess',
      '    connection: ocp',
      `    forEach: [${hostIds(perStep, s * perStep + 1).join(', ')}]`,
      `    with: { hostId: "\${{ item }}", agentProcessId: ${PROCESS_ID} }`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
