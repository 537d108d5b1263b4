// A step's outputs, as later steps read them through `steps.<id>.outputs`.

import { collectReferences } from '../runbook/expressions.js';
import type { StepSpec } from '../runbook/model.js';

/**
 * A step without `forEach` exposes its single operation's outputs as they are. A fan-out step exposes
 * `items` (each operation's outputs, in operation order) and, for every output that is a list, the
 * concatenation of those lists under the same name, so that `forEach: ${{ steps.list.outputs.processes }}`
 * works whether the listing step ran once or once per host.
 */
export function stepOutputs(
  step: StepSpec,
  outputs: readonly (Record<string, unknown> | undefined)[],
): Record<string, unknown> | undefined {
  if (step.forEach === undefined) {
    if (outputs.length !== 1) return outputs.length === 0 ? undefined : { items: outputs.map((o) => o ?? {}) };
    return outputs[0];
  }
  const items = outputs.map((o) => o ?? {});
  const merged: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const outputs of items) {
    for (const [name, value] of Object.entries(outputs)) {
      if (!Array.isArray(value)) continue;
      const list = (merged[name] as unknown[] | undefined) ?? [];
      for (const element of value) list.push(element);
      merged[name] = list;
    }
  }
  return { ...merged, items };
}

/**
 * The ids of the steps whose outputs some step's `if`, `forEach` or `with` reads (`steps.<id>`). When an
 * expression cannot be read, every step counts as read: keeping outputs is always safe.
 */
export function stepsReadByOthers(steps: readonly StepSpec[]): { has(id: string): boolean } {
  const read = new Set<string>();
  try {
    for (const step of steps) {
      for (const ref of collectReferences([step.if, step.forEach, step.with])) {
        const [id, field] = ref.path;
        // `.status` and `.changed` need none of the outputs.
        if (ref.root === 'steps' && typeof id === 'string' && field !== 'status' && field !== 'changed') read.add(id);
      }
    }
  } catch {
    return { has: () => true };
  }
  return read;
}

/**
 * What a plugin returned, made plain JSON data once, where it enters the engine: a fresh copy (later
 * changes the plugin makes to its own objects reach nothing), with what JSON has no form for dropped or
 * converted as JSON.stringify does. Returns the reason instead when it cannot become JSON at all (a cycle,
 * a BigInt, a toJSON or getter that throws).
 */
export function toPlainJson(value: unknown): { data: unknown } | { reason: string } {
  try {
    const text = JSON.stringify(value);
    return { data: text === undefined ? undefined : (JSON.parse(text) as unknown) };
  } catch (e) {
    const text =
      e instanceof Error && typeof e.message === 'string'
        ? e.message
        : typeof e === 'string'
          ? e
          : 'a value that is not an Error was thrown';
    return { reason: text.split('\n')[0] ?? text };
  }
}
