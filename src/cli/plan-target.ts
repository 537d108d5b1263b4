// Where a run's connections point, as a saved plan records it and as `apply` compares it.

import type { OpenConnections } from '../engine/connections.js';
import type { PlanConnection } from '../plan/plan-file.js';
import type { Runbook } from '../runbook/model.js';
import type { Redactor } from '../secrets/redactor.js';
import type { RunSimulator } from './with-sim.js';

/** Each open connection's URL by name, marked where `--sim` pointed it at the simulator. */
export function plannedConnections(
  open: OpenConnections,
  runbook: Runbook,
  simulator: RunSimulator | undefined,
  redactor: Redactor,
): Record<string, PlanConnection> {
  const out: Record<string, PlanConnection> = {};
  for (const { name, type, url } of open.list()) {
    const spec = runbook.connections[name];
    const simulated = simulator !== undefined && spec !== undefined && simulator.simulates(spec);
    out[name] = simulated ? { type, url: redactor.redact(url), simulator: true } : { type, url: redactor.redact(url) };
  }
  return out;
}
