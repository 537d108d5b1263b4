// A preview and a run, driven as the CLI drives them: a preview gives its findings as new objects and
// leaves the expansion alone; a run executes a saved plan's steps without changing them.

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../src/actions/builtins.js';
import { openRunbookConnections } from '../../src/engine/connections.js';
import { executeRunbook, type ExecuteContext } from '../../src/engine/executor.js';
import { previewRunbook } from '../../src/engine/preview.js';
import type { ResolvedStep } from '../../src/plan/types.js';
import { RunRecorder } from '../../src/report/builder.js';
import type { JournalEvent } from '../../src/report/events.js';
import { parseRunbook } from '../../src/runbook/load.js';
import { Redactor } from '../../src/secrets/redactor.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { OCP_ENV_CONNECTION } from '../helpers/runbooks.js';

let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, config: { ocp: { hosts: [{ ids: { from: 1, to: 5 } }] } } });
});
afterAll(() => sim.close());

const RUNBOOK = `version: 1
name: preview-and-run
${OCP_ENV_CONNECTION}
steps:
  - id: stop
    action: ocp.stopAgentProcess
    connection: ocp
    forEach: [1, 2, 3]
    with: { hostId: "\${{ item }}", alias: obstat2 }
`;

async function contextFor(): Promise<{ ctx: ExecuteContext; close(): Promise<void> }> {
  const registry = createRegistry();
  const env = { OCP_URL: sim.url, OCP_USER: 'admin', OCP_PASSWORD: 'sim-password' };
  const runbook = await parseRunbook(RUNBOOK, '/tmp/preview-and-run.yaml', { registry });
  const redactor = new Redactor();
  const log = pino({ level: 'silent' });
  const connections = openRunbookConnections({ runbook, registry, scope: { params: {}, env }, redactor, log, maxConnections: 4 });
  return { ctx: { runbook, registry, params: {}, env, connections: connections.map, log, redactor }, close: () => connections.closeAll() };
}

describe('preview and run', () => {
  it('an online preview predicts each operation with GET requests only; the run of the steps it planned changes none of them', async () => {
    const { ctx, close } = await contextFor();
    try {
      const planned: ResolvedStep[] = [];
      const events: JournalEvent[] = [];
      const status = await previewRunbook({ ...ctx, online: true }, { emit: (e) => events.push(e), stepPlanned: (s) => planned.push(s) });
      expect(status).toBe('succeeded');
      expect(sim.requests.every((r) => r.method === 'GET')).toBe(true);
      const step = planned[0]!;
      expect(step.operations.map((o) => o.prediction?.outcome)).toEqual(['would change', 'would change', 'would change']);
      // The probe found the process behind the alias: the request is exact, nothing is left unresolved.
      expect(step.operations.every((o) => o.unresolved === undefined && o.requests.length === 1)).toBe(true);
      expect(events.filter((e) => e.type === 'op')).toHaveLength(3);

      const before = structuredClone(planned);
      const recorder = new RunRecorder();
      const ran = await executeRunbook({ ...ctx, planned: new Map(planned.map((s) => [s.id, s])) }, recorder);
      expect(ran).toBe('succeeded');
      expect(recorder.build().summary).toMatchObject({ total: 3, changed: 3 });
      expect(planned).toEqual(before);
    } finally {
      await close();
    }
  });
});
