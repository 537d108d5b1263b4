// Every report is the fold of the run's events: the report a run writes as it goes and the one
// `runbook report JOURNAL` rebuilds from its journal are the same, byte for byte (JSON, JUnit and
// Markdown), on a run with failures, retries, a step large enough to leave its records in the journal,
// and a step cancelled by SIGTERM.

import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_OPERATIONS_WITH_OUTPUTS, type RunReport } from '../../src/report/types.js';
import { runCli } from '../helpers/cli.js';
import { OCP_ENV_CONNECTION } from '../helpers/runbooks.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace | undefined;
afterEach(() => ws?.remove());

const LARGE = MAX_OPERATIONS_WITH_OUTPUTS + 200;

/**
 * `tolerant`: some hosts do not exist (failures within the budget), and the first stops answer 503 (retried).
 * `large`: more operations than a report keeps in memory. `slow`: one at a time, stopped by SIGTERM.
 * `after`: never started.
 */
const RUNBOOK = `version: 1
name: one-path
${OCP_ENV_CONNECTION}
steps:
  - id: tolerant
    action: ocp.stopAgentProcess
    connection: ocp
    forEach: [1, 2, 3, 4, 5, 6, 900001, 900002]
    with: { hostId: "\${{ item }}", agentProcessId: 185 }
    maxErrors: 2
    retry: { attempts: 3, delay: 10ms, maxDelay: 20ms }
  - id: large
    action: ocp.stopAgentProcess
    connection: ocp
    forEach: \${{ params.hosts }}
    with: { hostId: "\${{ item }}", agentProcessId: 186 }
    concurrency: 16
  - id: slow
    action: ocp.stopAgentProcess
    connection: ocp
    forEach: \${{ params.hosts }}
    with: { hostId: "\${{ item }}", agentProcessId: 187 }
    concurrency: 1
  - id: after
    action: ocp.stopAgentProcess
    connection: ocp
    forEach: [1, 2]
    with: { hostId: "\${{ item }}", agentProcessId: 188 }
params:
  hosts: { type: array }
`;

const SIM_CONFIG = `ocp:
  hosts: [{ ids: { from: 1, to: ${LARGE} } }]
faults:
  latency: 2
  failFirst: [{ method: POST, path: "/processes/185/stop$", count: 3 }]
`;

describe('one report path', () => {
  it('gives the same report live and rebuilt from the journal: failures, retries, a large step, a cancelled step', async () => {
    ws = createWorkspace();
    const w = ws;
    const file = w.write('rb.yaml', RUNBOOK);
    const simConfig = w.write('sim.yaml', SIM_CONFIG);
    const hosts = JSON.stringify(Array.from({ length: LARGE }, (_, i) => i + 1));
    const live = { report: w.path('live.json'), junit: w.path('live.xml'), md: w.path('live.md') };
    const journal = `${live.report}.journal.jsonl`;
    const run = await runCli(
      [
        'run',
        file,
        '--sim',
        '--sim-config',
        simConfig,
        '--param',
        `hosts=${hosts}`,
        '--report',
        live.report,
        '--junit',
        live.junit,
        '--summary-md',
        live.md,
        '--grace',
        '10s',
      ],
      {
        timeoutMs: 120_000,
        onSpawn: (child) => {
          // Once the slow step has finished a few operations, stop the run.
          const poll = setInterval(() => {
            const text = existsSync(journal) ? readFileSync(journal, 'utf8') : '';
            if ((text.match(/"type":"op","step":"slow"/g) ?? []).length >= 3) {
              clearInterval(poll);
              child.kill('SIGTERM');
            }
          }, 20);
          child.on('close', () => clearInterval(poll));
        },
      },
    );
    expect(run.code, run.stderr).toBe(143);

    const rebuilt = { report: w.path('rebuilt.json'), junit: w.path('rebuilt.xml'), md: w.path('rebuilt.md') };
    const again = await runCli(['report', journal, '--out', rebuilt.report, '--junit', rebuilt.junit, '--summary-md', rebuilt.md]);
    expect(again.code, again.stderr).toBe(0);

    // The run is what the test says it is.
    const report = JSON.parse(readFileSync(live.report, 'utf8')) as RunReport;
    const [tolerant, large, slow, after] = report.steps;
    expect(report.status).toBe('cancelled');
    expect(tolerant!.status).toBe('succeeded');
    expect(tolerant!.summary.failed).toBe(2);
    expect(tolerant!.operations.some((o) => o.attempts > 1 && o.status === 'changed')).toBe(true);
    expect(large!.summary).toMatchObject({ total: LARGE, changed: LARGE });
    expect(large!.operations).toHaveLength(LARGE);
    expect(slow!.status).toBe('cancelled');
    expect(slow!.summary.changed).toBeGreaterThanOrEqual(3);
    expect(slow!.summary.skipped).toBeGreaterThan(0);
    expect(after!.status).toBe('cancelled');

    // Nothing differs: no field of a report depends on whether it was made live or from the journal.
    expect(readFileSync(rebuilt.report, 'utf8')).toBe(readFileSync(live.report, 'utf8'));
    expect(readFileSync(rebuilt.junit, 'utf8')).toBe(readFileSync(live.junit, 'utf8'));
    expect(readFileSync(rebuilt.md, 'utf8')).toBe(readFileSync(live.md, 'utf8'));
  }, 150_000);
});
