// Expands one step into concrete operations: evaluates `if`, `forEach` and `with` against the scope,
// checks the resolved inputs, and asks the action's `plan` for the requests. Pure: sends nothing.

import type { ActionDefinition, PlannedOperation } from '../contracts/action.js';
import type { Registry } from '../actions/registry.js';
import { encodePathSegment } from '../connections/encode-path.js';
import type { HttpRequest } from '../contracts/connection.js';
import { RunbookError, isRunbookError } from '../errors.js';
import type { StepSpec } from '../runbook/model.js';
import {
  collectReferences,
  evaluateCondition,
  evaluateTemplate,
  evaluateValue,
  type EvaluateOptions,
  type Scope,
} from '../runbook/expressions.js';
import { checkInputs } from '../runbook/inputs.js';
import { copyData, isPlainObject, setOwn } from '../common/plain-data.js';
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
  /**
   * Called, before the operation is returned, for every environment value of `with:` that is a secret:
   * one under a secret-looking key, under `headers` or `body`, or found in a request's headers or body.
   */
  onSecretInput?: (found: SecretInput) => void;
}

/** An environment value that reaches an operation's inputs as a secret. */
export interface SecretInput {
  step: string;
  /** The operation's key (before `#2` suffixes are added). */
  key: string;
  /** Where in `with:` it was read, such as `headers.Authorization`. */
  input: string;
  /** The environment variable. */
  env: string;
  value: string;
}

/** An environment variable read while `with:` was evaluated, and where. */
interface EnvRead {
  path: (string | number)[];
  env: string;
  value: string;
  reported?: boolean;
}

/** Input keys whose values are credentials, at any depth of `with:`. */
const SECRET_INPUT_KEY = /pass(word|wd)?|secret|token|credential|api[-_]?key|private[-_]?key|auth|cookie|session/i;
/** Top-level inputs that hold what goes on the wire as headers or body (`http.request`, plugins alike). */
const WIRE_INPUT = /^(headers|body)$/;

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
    // Most steps read no environment in `with:`, and are evaluated without tracing where values go.
    const onSecretInput = ctx.onSecretInput && collectReferences([step.with]).some((r) => r.root === 'env') ? ctx.onSecretInput : undefined;
    for (let index = 0; index < items.length; index += 1) {
      const item = items[index];
      const itemScope: Scope = step.forEach === undefined ? ctx.scope : { params, env, steps, item, index };
      for (const op of expandItem(
        step,
        registered.definition,
        itemScope,
        connection,
        ctx.registry,
        item,
        index,
        ctx.previews !== false,
        onSecretInput,
      ))
        operations.push(op);
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
    const [id, field] = ref.path;
    // A step's status and changed operations are known whatever happened to it; its outputs may not be.
    const readsOutputs = field === undefined || field === null || field === 'outputs';
    if (ref.root === 'steps' && typeof id === 'string' && unknown.has(id) && readsOutputs) ids.add(id);
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
  onSecretInput: ((found: SecretInput) => void) | undefined,
): ResolvedOperation[] {
  const fanned = step.forEach !== undefined;
  const fallbackKey = fanned ? `${step.id}[${index}]` : step.id;
  const where = fanned ? { item, index } : {};
  let inputs: Record<string, unknown>;
  const envReads: EnvRead[] = [];
  // Secrets are reported before anything returns: an operation that fails still shows its inputs.
  const report = (requests: readonly HttpRequest[]): void => {
    if (envReads.length > 0 && onSecretInput) reportSecretInputs(envReads, requests, { step: step.id, key: fallbackKey }, onSecretInput);
  };
  try {
    inputs = evaluateInputs(step.with, action, scope, onSecretInput ? envReads : undefined);
  } catch (e) {
    report([]);
    return [{ key: fallbackKey, inputs: {}, ...where, requests: [], error: toOperationError(e) }];
  }
  report([]);
  const invalid = checkInputs(registry, action.name, inputs);
  if (invalid !== undefined) {
    return [{ key: fallbackKey, inputs, ...where, requests: [], error: { code: 'INVALID_INPUT', message: invalid } }];
  }
  let planned: PlannedOperation[];
  try {
    // A plugin's plan() gets its own copy: what it changes in it reaches no param or other operation.
    planned = action.plan
      ? action.plan(pluginNameOf(registry, action.name) !== undefined ? copyData(inputs) : inputs, {
          step: { id: step.id },
          ...(connection ? { connection: { name: connection.name, type: connection.type, url: connection.url } } : {}),
        })
      : [{ inputs }];
    if (!Array.isArray(planned)) throw new TypeError('plan() must return an array of operations');
    report(planned.flatMap((p) => (p.request === undefined ? [] : Array.isArray(p.request) ? p.request : [p.request])));
  } catch (e) {
    return [{ key: fallbackKey, inputs, ...where, requests: [], error: toOperationError(e, pluginNameOf(registry, action.name)) }];
  }
  return planned.map((p, n) => {
    const key = p.key !== undefined ? `${step.id}/${p.key}` : planned.length > 1 ? `${fallbackKey}#${n + 1}` : fallbackKey;
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

/** A step's `with:` for one item: path inputs as templates of encoded segments, the rest evaluated as they are. */
function evaluateInputs(withBlock: unknown, action: ActionDefinition, scope: Scope, envReads?: EnvRead[]): Record<string, unknown> {
  const pathInputs = action.pathInputs ?? [];
  if (!isPlainObject(withBlock)) return evaluateTracingEnv(withBlock, scope, [], envReads) as Record<string, unknown>;
  const inputs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(withBlock)) {
    const evaluated =
      typeof value === 'string' && pathInputs.includes(name)
        ? evaluatePath(value, name, action.name, scope, tracingEnv([name], envReads))
        : evaluateTracingEnv(value, scope, [name], envReads);
    setOwn(inputs, name, evaluated);
  }
  return inputs;
}

/** Options that record each environment variable read, with the path of the input that read it. */
function tracingEnv(path: (string | number)[], reads: EnvRead[] | undefined): EvaluateOptions {
  return reads === undefined ? {} : { onEnvRead: (env, value) => reads.push({ path, env, value }) };
}

/**
 * A path input: the runbook's literal text as written, each `${{ }}` value percent-encoded as one segment.
 * The message names the expression, never the value (it may be a secret).
 */
function evaluatePath(text: string, input: string, actionName: string, scope: Scope, options: EvaluateOptions): string {
  const encode = (value: unknown, source: string): string => {
    if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) {
      try {
        return encodePathSegment(value);
      } catch (e) {
        throw new RunbookError('INVALID_INPUT', `${actionName}: input '${input}': \${{${source}}}: ${messageOf(e)}`);
      }
    }
    throw new RunbookError(
      'INVALID_INPUT',
      `${actionName}: input '${input}': \${{${source}}} is ${value === undefined ? 'undefined (it has no value)' : describeKind(value)}; a value in a URL path must be a string or a number, and becomes exactly one path segment`,
    );
  };
  return evaluateTemplate(text, scope, encode, options);
}

function describeKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

/**
 * Evaluates `with:` as `evaluateValue` does, and records every environment variable read with the path
 * of the input that read it.
 */
function evaluateTracingEnv(value: unknown, scope: Scope, path: (string | number)[], reads: EnvRead[] | undefined): unknown {
  if (reads === undefined) return evaluateValue(value, scope);
  if (typeof value === 'string') return evaluateValue(value, scope, tracingEnv(path, reads));
  if (Array.isArray(value)) return value.map((v, i) => evaluateTracingEnv(v, scope, [...path, i], reads));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, evaluateTracingEnv(v, scope, [...path, k], reads));
    return out;
  }
  return value;
}

/**
 * Reports the environment values that are secrets, each once: read under a secret-looking key or under
 * `headers` or `body`, or found in a string of a request's headers or body (an action may build either
 * from any input).
 */
function reportSecretInputs(
  reads: readonly EnvRead[],
  requests: readonly HttpRequest[],
  where: { step: string; key: string },
  onSecretInput: (found: SecretInput) => void,
): void {
  for (const read of reads) {
    if (read.value === '' || read.reported) continue;
    const byPath = WIRE_INPUT.test(String(read.path[0])) || read.path.some((p) => typeof p === 'string' && SECRET_INPUT_KEY.test(p));
    if (byPath || requests.some((r) => containsText(r.headers, read.value) || containsText(r.body, read.value))) {
      read.reported = true;
      onSecretInput({ ...where, input: read.path.join('.') || 'with', env: read.env, value: read.value });
    }
  }
}

/** True when `text` occurs in a string (or a key) anywhere inside `value`. */
function containsText(value: unknown, text: string): boolean {
  if (typeof value === 'string') return value.includes(text);
  if (Array.isArray(value)) return value.some((v) => containsText(v, text));
  if (isPlainObject(value)) return Object.entries(value).some(([k, v]) => k.includes(text) || containsText(v, text));
  return false;
}

/** Shared by every operation whose requests are not worked out (a run): never added to. */
const NO_REQUESTS: RequestPreview[] = [];

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
