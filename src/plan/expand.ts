// Expands one step into concrete operations: evaluates `if`, `forEach` and `with` against the scope,
// checks the resolved inputs, and asks the action's `plan` for the requests. Pure: sends nothing.

import type { ActionDefinition, PlannedOperation } from '../actions/define.js';
import type { Registry } from '../actions/registry.js';
import type { HttpRequest } from '../connections/types.js';
import { RunbookError, isRunbookError } from '../errors.js';
import type { StepSpec } from '../runbook/model.js';
import { collectReferences, evaluateCondition, evaluateValue, type Scope } from '../runbook/expressions.js';
import { checkInputs } from '../runbook/inputs.js';
import type { OperationError, RequestPreview, ResolvedOperation, ResolvedStep } from './types.js';

/** What expansion needs to know about a connection: enough to print the exact URL. */
export interface ConnectionView {
  name: string;
  type: string;
  url: string;
  urlFor(req: HttpRequest): string;
}

export interface ExpandContext {
  registry: Registry;
  scope: Scope;
  connections: ReadonlyMap<string, ConnectionView>;
  /**
   * Steps whose outputs are not there, with why: a dry run did not execute them, or (in a run) they
   * failed with no operation that succeeded, or were skipped or cancelled.
   */
  unknownOutputs: ReadonlyMap<string, string>;
  /**
   * True in a run: a step that reads outputs that are not there fails with UNRESOLVED_INPUT. In a
   * preview, the step is `unknown until run`.
   */
  running?: boolean;
  /**
   * Whether to work out each operation's `requests` (default true). Plans and previews show them; a run
   * does not, and skipping them saves a URL per operation (100,000 of them in a large step).
   */
  previews?: boolean;
}

/** Expands a step; never throws for a problem of the runbook, which becomes the step's `error`. */
export function expandStep(step: StepSpec, ctx: ExpandContext): ResolvedStep {
  const base = {
    id: step.id,
    ...(step.name !== undefined ? { name: step.name } : {}),
    action: step.action,
    ...(step.connection !== undefined ? { connection: step.connection } : {}),
  };
  const pending = stepsWhoseOutputsAreUnknown(step, ctx.unknownOutputs);
  if (pending.length > 0 && ctx.running === true) {
    const why = pending.map((s) => `step '${s}' ${ctx.unknownOutputs.get(s) ?? 'has none'}`).join('; ');
    const error: OperationError = {
      code: 'UNRESOLVED_INPUT',
      message: `step '${step.id}' reads the outputs of ${pending.map((s) => `'${s}'`).join(', ')}, which are not there: ${why}`,
      details: { steps: pending },
    };
    return { ...base, disposition: 'failed', reason: error.message, error, operations: [] };
  }
  if (pending.length > 0) {
    return {
      ...base,
      disposition: 'unresolved',
      reason: `unknown until run: depends on the outputs of step ${pending.map((s) => `'${s}'`).join(', ')}`,
      operations: [],
    };
  }
  try {
    if (step.if !== undefined && !evaluateCondition(step.if, ctx.scope)) {
      return { ...base, disposition: 'skipped', reason: 'its if: condition is false', operations: [] };
    }
    const registered = ctx.registry.action(step.action);
    if (!registered) throw new RunbookError('UNKNOWN_ACTION', `unknown action '${step.action}'`);
    const items = fanOutItems(step, ctx.scope);
    const connection = step.connection === undefined ? undefined : ctx.connections.get(step.connection);
    const operations: ResolvedOperation[] = [];
    const { params, env, steps } = ctx.scope;
    for (let index = 0; index < items.length; index += 1) {
      const item = items[index];
      const itemScope: Scope = step.forEach === undefined ? ctx.scope : { params, env, steps, item, index };
      for (const op of expandItem(step, registered.definition, itemScope, connection, ctx.registry, item, index, ctx.previews !== false)) operations.push(op);
    }
    return { ...base, disposition: 'planned', operations: withUniqueKeys(operations) };
  } catch (e) {
    return { ...base, disposition: 'failed', reason: messageOf(e), error: toOperationError(e), operations: [] };
  }
}

function stepsWhoseOutputsAreUnknown(step: StepSpec, unknown: ReadonlyMap<string, string>): string[] {
  if (unknown.size === 0) return [];
  const refs = collectReferences([step.if, step.forEach, step.with]);
  const ids = new Set<string>();
  for (const ref of refs) {
    const id = ref.path[0];
    if (ref.root === 'steps' && typeof id === 'string' && unknown.has(id)) ids.add(id);
  }
  return [...ids];
}

function fanOutItems(step: StepSpec, scope: Scope): unknown[] {
  if (step.forEach === undefined) return [undefined];
  const items = evaluateValue(step.forEach, scope);
  if (!Array.isArray(items)) {
    throw new RunbookError('EXPRESSION', `forEach of step '${step.id}' must be a list, got ${describeType(items)}`);
  }
  return items;
}

function expandItem(
  step: StepSpec,
  action: ActionDefinition,
  scope: Scope,
  connection: ConnectionView | undefined,
  registry: Registry,
  item: unknown,
  index: number,
  previews: boolean,
): ResolvedOperation[] {
  const fanned = step.forEach !== undefined;
  const fallbackKey = fanned ? `${step.id}[${index}]` : step.id;
  const where = fanned ? { item, index } : {};
  let inputs: Record<string, unknown>;
  try {
    inputs = evaluateValue(step.with, scope) as Record<string, unknown>;
  } catch (e) {
    return [{ key: fallbackKey, inputs: {}, ...where, requests: [], error: toOperationError(e) }];
  }
  const invalid = checkInputs(registry, action.name, inputs);
  if (invalid !== undefined) {
    return [{ key: fallbackKey, inputs, ...where, requests: [], error: { code: 'INVALID_INPUT', message: invalid } }];
  }
  let planned: PlannedOperation[];
  try {
    planned = action.plan
      ? action.plan(inputs, {
          step: { id: step.id },
          ...(connection ? { connection: { name: connection.name, type: connection.type, url: connection.url } } : {}),
        })
      : [{ inputs }];
    if (!Array.isArray(planned)) throw new TypeError('plan() must return an array of operations');
  } catch (e) {
    return [{ key: fallbackKey, inputs, ...where, requests: [], error: toOperationError(e, pluginNameOf(registry, action.name)) }];
  }
  return planned.map((p, n) => {
    const key = flat(p.key !== undefined ? `${step.id}/${p.key}` : planned.length > 1 ? `${fallbackKey}#${n + 1}` : fallbackKey);
    const inputs = p.inputs as Record<string, unknown>;
    let requests: RequestPreview[] = NO_REQUESTS;
    if (connection && previews && p.request !== undefined) {
      requests = (Array.isArray(p.request) ? p.request : [p.request]).map((r) => previewRequest(r, connection));
    }
    // One literal per shape: properties added later, or spread in, would sit in a separate array, and a
    // step may hold 100,000 of these.
    const op: ResolvedOperation = fanned ? { key, inputs, item, index, requests } : { key, inputs, requests };
    if (p.unresolved !== undefined) op.unresolved = p.unresolved;
    return op;
  });
}

/** Shared by every operation whose requests are not worked out (a run): never added to. */
const NO_REQUESTS: RequestPreview[] = [];

/**
 * The same text, made one flat string. A key built from pieces is a tree of them (`stop/` + `host=` +
 * ...), three times the memory of the text, and an operation keeps its key to the end of the run.
 * Reading a character makes the engine flatten the tree in place (the garbage collector then drops
 * the pieces).
 */
function flat(text: string): string {
  text.charCodeAt(0);
  return text;
}

/** A request as a preview shows it: method, full URL (redacted), body. */
export function previewRequest(req: HttpRequest, connection: ConnectionView): RequestPreview {
  const preview: RequestPreview = { method: req.method, url: connection.urlFor(req) };
  if (req.body !== undefined) preview.body = req.body;
  return preview;
}

/** Two operations of one step never share a key: later ones get `#2`, `#3`. */
function withUniqueKeys(operations: ResolvedOperation[]): ResolvedOperation[] {
  const seen = new Map<string, number>();
  for (const op of operations) {
    const n = (seen.get(op.key) ?? 0) + 1;
    seen.set(op.key, n);
    if (n > 1) op.key = `${op.key}#${n}`;
  }
  return operations;
}

/** The action's name when it comes from a plugin (its unexpected errors are PLUGIN_ERROR, not INTERNAL). */
export function pluginNameOf(registry: Registry, actionName: string): string | undefined {
  const registered = registry.action(actionName);
  return registered && registered.source !== 'builtin' ? actionName : undefined;
}

export function toOperationError(e: unknown, pluginName?: string): OperationError {
  if (isRunbookError(e)) {
    const err: OperationError = { code: e.code, message: e.message };
    if (e.details !== undefined) err.details = e.details;
    return err;
  }
  const message = messageOf(e);
  return pluginName
    ? { code: 'PLUGIN_ERROR', message: `action ${pluginName} failed: ${message}`, details: { action: pluginName } }
    : { code: 'INTERNAL', message };
}

export function messageOf(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : `non-error value thrown: ${describeType(e)}`;
}

export function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  return `${typeof v} ${String(v)}`;
}
