// A step's outputs, as later steps read them through `steps.<id>.outputs`.

import type { StepSpec } from '../runbook/model.js';
import type { OperationRecord } from '../report/types.js';

/**
 * A step without `forEach` exposes its single operation's outputs as they are. A fan-out step exposes
 * `items` (each operation's outputs, in operation order) and, for every output that is a list, the
 * concatenation of those lists under the same name, so that `forEach: ${{ steps.list.outputs.processes }}`
 * works whether the listing step ran once or once per host.
 */
export function stepOutputs(step: StepSpec, records: readonly OperationRecord[]): Record<string, unknown> | undefined {
  if (step.forEach === undefined) {
    if (records.length !== 1) return records.length === 0 ? undefined : { items: records.map((r) => r.outputs ?? {}) };
    return records[0]?.outputs;
  }
  const items = records.map((r) => r.outputs ?? {});
  const merged: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const outputs of items) {
    for (const [name, value] of Object.entries(outputs)) {
      if (!Array.isArray(value)) continue;
      const list = (merged[name] as unknown[] | undefined) ?? [];
      list.push(...value);
      merged[name] = list;
    }
  }
  return { ...merged, items };
}
