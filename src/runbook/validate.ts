// Checks a parsed runbook against the format: the JSON Schema (built from the registry), then the rules a
// schema cannot say (unknown actions and connections, duplicate ids, expression syntax and references).
// Every problem is returned at once, each with the document path it concerns.

import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Registry } from '../actions/registry.js';
import type { ActionDefinition } from '../contracts/action.js';
import { RunbookError } from '../errors.js';
import { formatPath, type DocPath, type Problem } from './document.js';
import { EXPRESSION_ROOTS, parseExpression, referencesInString, splitTemplate, type Expr, type Reference } from './expressions.js';
import { DURATION_PATTERN, formatDuration, MAX_DURATION_MS, parseDuration } from '../common/durations.js';
import { isPlainObject, sameData, UNSAFE_KEYS } from '../common/plain-data.js';
import { buildRunbookSchema, PARAM_TYPES } from './schema.js';
import { compileSchema, findValidator } from '../common/ajv.js';
import { describeSchemaErrors, describeValue, isSensitivePath, type ErrorWording } from './schema-errors.js';
import { didYouMean } from './suggest.js';
import { regexInputProblem } from '../common/regex-input.js';

export interface ValidateOptions {
  /** The line of a path, so that a message can name where something was first written. */
  lineOf?: (path: DocPath) => number | undefined;
}

/** The actions and connection types a runbook names, as far as they are registered. */
function usedNames(data: unknown, registry: Registry): { actions: string[]; connectionTypes: string[] } {
  const actions = new Set<string>();
  const connectionTypes = new Set<string>();
  if (isPlainObject(data)) {
    if (Array.isArray(data.steps)) {
      for (const step of data.steps as unknown[]) {
        if (isPlainObject(step) && typeof step.action === 'string' && registry.action(step.action)) actions.add(step.action);
      }
    }
    if (isPlainObject(data.connections)) {
      for (const spec of Object.values(data.connections)) {
        if (isPlainObject(spec) && typeof spec.type === 'string' && registry.connection(spec.type)) connectionTypes.add(spec.type);
      }
    }
  }
  return { actions: [...actions].sort(), connectionTypes: [...connectionTypes].sort() };
}

/**
 * The validator of the runbook schema for this registry: the whole schema when it was compiled at build
 * time (the built-in registry), otherwise one with only the inputs of `used.actions` and the configs of
 * `used.connectionTypes` wired in (all of them when `used` is not given), which compiles much faster.
 */
export function runbookValidator(registry: Registry, used?: { actions: string[]; connectionTypes: string[] }): ValidateFunction {
  return findValidator(buildRunbookSchema(registry)) ?? compileSchema(buildRunbookSchema(registry, used ?? {}));
}

/** Validates parsed runbook data. Returns every problem found (an empty list when the runbook is valid). */
export function validateRunbookData(data: unknown, registry: Registry, options: ValidateOptions = {}): Problem[] {
  const problems: Problem[] = [];
  const prepared = withEmptyInputs(data);
  const validate = runbookValidator(registry, usedNames(data, registry));
  const errors = schemaErrors(validate, prepared);
  for (const p of describeSchemaErrors(errors, prepared, runbookWording(prepared, registry))) problems.push(p);
  for (const p of new SemanticCheck(data, registry, options).run()) problems.push(p);
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.code}\u0000${formatPath(p.path)}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The compiled validator appends the errors of each failing step by copying every error found before it,
 * which is quadratic in the failing steps of a long runbook. The steps are therefore validated a chunk at
 * a time, each chunk in a copy of the runbook, and their error paths shifted back to the whole list; the
 * errors outside the steps are taken from the first chunk.
 */
const STEPS_PER_VALIDATION = 256;

function schemaErrors(validate: ValidateFunction, prepared: unknown): ErrorObject[] {
  if (!isPlainObject(prepared) || !Array.isArray(prepared.steps) || prepared.steps.length <= STEPS_PER_VALIDATION) {
    return validate(prepared) ? [] : [...(validate.errors ?? [])];
  }
  const steps: unknown[] = prepared.steps;
  const errors: ErrorObject[] = [];
  for (let start = 0; start < steps.length; start += STEPS_PER_VALIDATION) {
    if (validate({ ...prepared, steps: steps.slice(start, start + STEPS_PER_VALIDATION) })) continue;
    for (const error of validate.errors ?? []) {
      const inStep = /^\/steps\/(\d+)(?=\/|$)/.exec(error.instancePath);
      if (inStep)
        errors.push({ ...error, instancePath: `/steps/${start + Number(inStep[1])}${error.instancePath.slice(inStep[0].length)}` });
      else if (start === 0) errors.push(error);
    }
  }
  return errors;
}

/** A step without `with:` is checked as if it had an empty one, so that missing inputs are named. */
function withEmptyInputs(data: unknown): unknown {
  if (!isPlainObject(data) || !Array.isArray(data.steps)) return data;
  const steps = data.steps.map((step: unknown) => (isPlainObject(step) && !Object.hasOwn(step, 'with') ? { ...step, with: {} } : step));
  return { ...data, steps };
}

function stepLabel(data: unknown, index: number): string {
  const step = isPlainObject(data) && Array.isArray(data.steps) ? (data.steps[index] as unknown) : undefined;
  return isPlainObject(step) && typeof step.id === 'string' ? `step '${step.id}'` : `steps[${index}]`;
}

function runbookWording(data: unknown, _registry: Registry): ErrorWording {
  const actionOf = (index: number): string | undefined => {
    const step = isPlainObject(data) && Array.isArray(data.steps) ? (data.steps[index] as unknown) : undefined;
    return isPlainObject(step) && typeof step.action === 'string' ? step.action : undefined;
  };
  const isInputs = (path: DocPath): boolean => path.length === 3 && path[0] === 'steps' && path[2] === 'with';
  return {
    label(path) {
      // `input 'hostId' of step 'stop'` reads better than the path, which the diagnostic shows anyway.
      if (path.length === 0) return 'the runbook';
      const [section, name, ...rest] = path;
      if (section === 'steps' && typeof name === 'number') {
        if (rest.length === 0) return stepLabel(data, name);
        if (rest[0] === 'with' && rest.length > 1) return `input '${formatPath(rest.slice(1))}' of ${stepLabel(data, name)}`;
        return `${formatPath(rest)} of ${stepLabel(data, name)}`;
      }
      if ((section === 'connections' || section === 'params') && typeof name === 'string' && rest.length > 0) {
        return `${formatPath(rest)} of ${section === 'connections' ? 'connection' : 'param'} '${name}'`;
      }
      return formatPath(path);
    },
    container(path) {
      if (path.length === 0) return 'at the top level';
      if (path[0] === 'steps' && typeof path[1] === 'number') {
        if (path.length === 2) return `in ${stepLabel(data, path[1])}`;
        if (isInputs(path)) return `for action ${actionOf(path[1]) ?? '?'} in ${stepLabel(data, path[1])}`;
        if (path.length === 3) return `in the ${String(path[2])} of ${stepLabel(data, path[1])}`;
      }
      if (path.length === 2 && path[0] === 'connections') return `in connection '${String(path[1])}'`;
      if (path.length === 2 && path[0] === 'params') return `in param '${String(path[1])}'`;
      if (path.length === 1 && (path[0] === 'params' || path[0] === 'connections')) return `in ${path[0]}`;
      return `in ${formatPath(path)}`;
    },
    keyNoun: (path) => (isInputs(path) ? 'input' : 'key'),
    ignore(error: ErrorObject, path: DocPath) {
      // The loader refuses merge keys wherever they are, with their place.
      if (error.keyword === 'additionalProperties' && (error.params as { additionalProperty?: unknown }).additionalProperty === '<<')
        return true;
      // Named better by the semantic checks, with a suggestion.
      if (error.keyword !== 'enum') return false;
      const unknownAction = path.length === 3 && path[0] === 'steps' && path[2] === 'action';
      const unknownType = path.length === 3 && path[0] === 'connections' && path[2] === 'type';
      return unknownAction || unknownType;
    },
  };
}

// ---------------------------------------------------------------------------------------------------

interface ExpressionPlace {
  /** How to name the place in messages: `in connection 'ocp'`, `in the with: of step 'stop'`. */
  where: string;
  /** Why `item`/`index` cannot be read here; undefined when they can. */
  noItem?: string;
  /** Why step outputs cannot be read here; undefined when they can (from steps before `stepIndex`). */
  noSteps?: string;
  stepIndex: number;
}

const MAX_WALK_DEPTH = 200;
const DURATION_FORM = new RegExp(DURATION_PATTERN);

class SemanticCheck {
  readonly #problems: Problem[] = [];
  readonly #data: Record<string, unknown>;
  readonly #params: Record<string, unknown>;
  readonly #connections: Record<string, unknown>;
  readonly #steps: unknown[];
  readonly #stepIds: string[];

  constructor(
    data: unknown,
    readonly registry: Registry,
    readonly options: ValidateOptions,
  ) {
    this.#data = isPlainObject(data) ? data : {};
    this.#params = isPlainObject(this.#data.params) ? this.#data.params : {};
    this.#connections = isPlainObject(this.#data.connections) ? this.#data.connections : {};
    this.#steps = Array.isArray(this.#data.steps) ? this.#data.steps : [];
    this.#stepIds = this.#steps.map((s) => (isPlainObject(s) && typeof s.id === 'string' ? s.id : ''));
  }

  run(): Problem[] {
    for (const [name, spec] of Object.entries(this.#params)) this.#checkParam(name, spec);
    for (const [name, spec] of Object.entries(this.#connections)) this.#checkConnection(name, spec);
    if (Array.isArray(this.#data.plugins)) {
      this.#data.plugins.forEach((p: unknown, i: number) => this.#refuseExpression(p, ['plugins', i], 'plugins'));
    }
    const firstById = new Map<string, number>();
    this.#steps.forEach((step, index) => {
      if (isPlainObject(step)) this.#checkStep(step, index, firstById);
    });
    return this.#problems;
  }

  #add(problem: Problem): void {
    this.#problems.push(problem);
  }

  #checkParam(name: string, spec: unknown): void {
    const path = ['params', name];
    if (UNSAFE_KEYS.has(name)) {
      this.#add({ code: 'SCHEMA', message: `param name '${name}' is reserved; choose another name`, path, at: 'key' });
      return;
    }
    if (!isPlainObject(spec) || typeof spec.type !== 'string' || !(PARAM_TYPES as readonly string[]).includes(spec.type)) return;
    const type = spec.type as (typeof PARAM_TYPES)[number];
    // The values of a secret param never appear in a message: messages reach logs and reports.
    const secret = spec.secret === true || isSensitivePath([name]);
    const enumValues = Array.isArray(spec.enum) ? spec.enum : undefined;
    enumValues?.forEach((value: unknown, i: number) => {
      if (!matchesParamType(value, type)) {
        this.#add({
          code: 'SCHEMA',
          message: `value ${i + 1} of the enum of param '${name}' must be ${PARAM_TYPE_PHRASES[type]}, got ${describeValue(value, { secret })}`,
          path: [...path, 'enum', i],
        });
      }
    });
    if (spec.items !== undefined && type !== 'array') {
      this.#add({
        code: 'SCHEMA',
        message: `param '${name}' has items but is of type ${type}; items applies to array params only`,
        path: [...path, 'items'],
        at: 'key',
      });
    }
    const itemsCheck = type === 'array' && isPlainObject(spec.items) ? this.#compileItems(name, spec.items) : undefined;
    if (!Object.hasOwn(spec, 'default')) return;
    const value = spec.default;
    const defaultPath = [...path, 'default'];
    if (typeof value === 'string' && value.includes('${{')) {
      this.#add({
        code: 'SCHEMA',
        message: `the default of param '${name}' is a literal value; \${{ }} is not evaluated here`,
        path: defaultPath,
      });
      return;
    }
    if (!matchesParamType(value, type)) {
      this.#add({
        code: 'SCHEMA',
        message: `the default of param '${name}' must be ${PARAM_TYPE_PHRASES[type]}, got ${describeValue(value, { secret })}`,
        path: defaultPath,
      });
      return;
    }
    if (enumValues && !enumValues.some((allowed: unknown) => sameData(allowed, value))) {
      const allowed = secret ? '' : ` ${enumValues.map((v: unknown) => JSON.stringify(v)).join(', ')}`;
      this.#add({ code: 'SCHEMA', message: `the default of param '${name}' must be one of its enum values${allowed}`, path: defaultPath });
    }
    if (itemsCheck && Array.isArray(value)) {
      value.forEach((element: unknown, i: number) => {
        const problem = itemsCheck(element);
        const said = secret ? 'does not match the items schema' : problem;
        if (problem)
          this.#add({ code: 'SCHEMA', message: `element ${i + 1} of the default of param '${name}' ${said}`, path: [...defaultPath, i] });
      });
    }
  }

  #compileItems(name: string, items: Record<string, unknown>): ((value: unknown) => string | undefined) | undefined {
    let validate: ValidateFunction;
    try {
      validate = compileSchema(items);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.#add({
        code: 'SCHEMA',
        message: `items of param '${name}' is not a valid JSON Schema: ${reason}`,
        path: ['params', name, 'items'],
        at: 'key',
      });
      return undefined;
    }
    return (value) => {
      if (validate(value)) return undefined;
      const wording: ErrorWording = { label: () => 'the element', container: () => 'in the element', keyNoun: () => 'key' };
      return describeSchemaErrors(validate.errors ?? [], value, wording)
        .map((p) => p.message.replace(/^the element /, ''))
        .join('; ');
    };
  }

  #checkConnection(name: string, spec: unknown): void {
    const path = ['connections', name];
    if (UNSAFE_KEYS.has(name)) {
      this.#add({ code: 'SCHEMA', message: `connection name '${name}' is reserved; choose another name`, path, at: 'key' });
      return;
    }
    if (!isPlainObject(spec)) return;
    if (typeof spec.type === 'string' && !this.registry.connection(spec.type)) {
      const known = this.registry.connections().map((c) => c.definition.type);
      const list = known.length > 0 ? ` (registered types: ${known.join(', ')})` : ' (no connection type is registered)';
      this.#add({
        code: 'UNKNOWN_CONNECTION_TYPE',
        message: `connection '${name}' has type '${spec.type}', which is not registered${didYouMean(spec.type, known) || list}`,
        path: [...path, 'type'],
      });
    }
    this.#refuseExpression(spec.type, [...path, 'type'], `the type of connection '${name}'`);
    const place: ExpressionPlace = {
      where: `in connection '${name}'`,
      noItem: 'connections can read only params and env',
      noSteps: 'connections can read only params and env',
      stepIndex: 0,
    };
    for (const [key, value] of Object.entries(spec)) {
      if (key !== 'type') this.#checkExpressions(value, [...path, key], place);
    }
  }

  #checkStep(step: Record<string, unknown>, index: number, firstById: Map<string, number>): void {
    const path: DocPath = ['steps', index];
    const label = stepLabel(this.#data, index);
    if (typeof step.id === 'string' && UNSAFE_KEYS.has(step.id)) {
      // Expressions never read prototype keys, so steps.constructor.outputs could not be read.
      this.#add({ code: 'SCHEMA', message: `step id '${step.id}' is reserved; choose another id`, path: [...path, 'id'] });
    } else if (typeof step.id === 'string') {
      const first = firstById.get(step.id);
      if (first === undefined) firstById.set(step.id, index);
      else {
        const line = this.options.lineOf?.(['steps', first, 'id']);
        const where = line === undefined ? `steps[${first}]` : `line ${line}`;
        this.#add({
          code: 'DUPLICATE_STEP_ID',
          message: `step id '${step.id}' is already used by the step on ${where}; step ids must be unique`,
          path: [...path, 'id'],
        });
      }
    }
    const action = this.#checkAction(step, path);
    this.#checkConnectionOf(step, path, label, action);
    if (action?.pathInputs && isPlainObject(step.with)) this.#checkPathInputs(step, step.with, action.pathInputs, path, label);
    if (action && isPlainObject(step.with)) this.#checkRegexInputs(step.with, action, path, label);

    const hasForEach = Object.hasOwn(step, 'forEach') && step.forEach !== undefined && step.forEach !== null;
    if (Object.hasOwn(step, 'rollout') && !hasForEach) {
      this.#add({
        code: 'SCHEMA',
        message: `rollout needs forEach: ${label} has a single operation to run, nothing to batch`,
        path: [...path, 'rollout'],
        at: 'key',
      });
    }
    this.#checkDurationLimits(step, path, label);
    this.#checkRolloutGrows(step, path, label);
    if (isPlainObject(step.retry) && typeof step.retry.delay === 'string' && typeof step.retry.maxDelay === 'string') {
      const delay = parseDuration(step.retry.delay);
      const maxDelay = parseDuration(step.retry.maxDelay);
      if (delay !== undefined && maxDelay !== undefined && delay > maxDelay) {
        this.#add({
          code: 'SCHEMA',
          message: `retry.delay (${step.retry.delay}) is longer than retry.maxDelay (${step.retry.maxDelay}) in ${label}`,
          path: [...path, 'retry', 'delay'],
        });
      }
    }

    const itemOutsideForEach = `'item' and 'index' exist only in the with: of a step that has forEach, and ${label} has none`;
    const stepPlace = (where: string, noItem: string | undefined): ExpressionPlace => ({
      where,
      ...(noItem === undefined ? {} : { noItem }),
      stepIndex: index,
    });
    const itemNotYet = "'item' and 'index' are not defined yet while forEach and if are evaluated (they hold one element of forEach)";
    this.#checkExpressions(step.forEach, [...path, 'forEach'], stepPlace(`in the forEach of ${label}`, itemNotYet));
    this.#checkExpressions(step.if, [...path, 'if'], stepPlace(`in the if of ${label}`, itemNotYet));
    // A with: that is not a mapping is refused by the schema; its expressions would only repeat that.
    if (isPlainObject(step.with))
      this.#checkExpressions(
        step.with,
        [...path, 'with'],
        stepPlace(`in the with: of ${label}`, hasForEach ? undefined : itemOutsideForEach),
      );
    this.#refuseExpression(step.name, [...path, 'name'], `the name of ${label}`);
    this.#refuseExpression(step.connection, [...path, 'connection'], `the connection of ${label}`);
    this.#refuseExpression(step.action, [...path, 'action'], `the action of ${label}`);
  }

  /** Inputs whose schema says `format: regex`: a literal pattern is checked here, one with `\${{ }}` when planned. */
  #checkRegexInputs(inputs: Record<string, unknown>, action: ActionDefinition, path: DocPath, label: string): void {
    const properties = isPlainObject(action.inputs.properties) ? action.inputs.properties : {};
    for (const [name, schema] of Object.entries(properties)) {
      const text = Object.hasOwn(inputs, name) ? inputs[name] : undefined;
      if (!isPlainObject(schema) || schema.format !== 'regex' || typeof text !== 'string' || text.includes('${{')) continue;
      // A pattern too long for the schema's maxLength is reported by the schema.
      const problem = typeof schema.maxLength === 'number' && text.length > schema.maxLength ? undefined : regexInputProblem(text);
      if (problem !== undefined)
        this.#add({ code: 'SCHEMA', message: `input '${name}' of ${label} ${problem}`, path: [...path, 'with', name] });
    }
  }

  /**
   * Path inputs are shaped by the runbook's literal text only: it starts the path and holds no `?` or `#`,
   * and each `${{ }}` must yield a string or a number, which becomes one encoded segment. Values whose type
   * is known before the run (literals, typed params, a literal forEach list) are checked here.
   */
  #checkPathInputs(
    step: Record<string, unknown>,
    inputs: Record<string, unknown>,
    names: readonly string[],
    path: DocPath,
    label: string,
  ): void {
    for (const name of names) {
      const text = inputs[name];
      if (typeof text !== 'string' || !Object.hasOwn(inputs, name)) continue;
      const at = [...path, 'with', name];
      const what = `input '${name}' of ${label}`;
      let parts: ReturnType<typeof splitTemplate>;
      try {
        parts = splitTemplate(text);
      } catch {
        continue; // the expression checks report it
      }
      if (parts[0]?.kind === 'expression') {
        this.#add({
          code: 'SCHEMA',
          message: `${what} must start with the path written out, as in /hosts/\${{ params.host }}: a \${{ }} value fills exactly one path segment`,
          path: at,
        });
      }
      for (const part of parts) {
        if (part.kind === 'text') {
          if (/[?#]/.test(part.text)) {
            this.#add({ code: 'SCHEMA', message: `${what} must not contain '?' or '#'; give query parameters in query:`, path: at });
          }
          continue;
        }
        let expr: Expr;
        try {
          expr = parseExpression(part.source);
        } catch {
          continue;
        }
        const kind = this.#staticKind(expr, step);
        if (kind !== undefined) {
          this.#add({
            code: 'SCHEMA',
            message: `${what}: \${{${part.source}}} is ${kind}; a value in a URL path must be a string or a number, and becomes exactly one path segment`,
            path: at,
            inString: anchorAt(text, part.offset),
          });
        }
      }
    }
  }

  /** What an expression yields when that is known before the run and is neither a string nor a number. */
  #staticKind(expr: Expr, step: Record<string, unknown>): string | undefined {
    if (expr.kind === 'literal') return expr.value === null ? 'null' : typeof expr.value === 'boolean' ? 'true or false' : undefined;
    if (expr.kind === 'not' || (expr.kind === 'binary' && expr.operator !== '??' && expr.operator !== '||' && expr.operator !== '&&'))
      return 'true or false';
    if (expr.kind === 'member' && typeof expr.property === 'string' && expr.object.kind === 'name' && expr.object.name === 'params') {
      const spec = Object.hasOwn(this.#params, expr.property) ? this.#params[expr.property] : undefined;
      const type = isPlainObject(spec) ? spec.type : undefined;
      if (type === 'array' || type === 'object' || type === 'boolean') return `param '${expr.property}', ${PARAM_TYPE_PHRASES[type]}`;
      return undefined;
    }
    if (expr.kind === 'name' && expr.name === 'item' && Array.isArray(step.forEach)) {
      const bad = step.forEach.find((v: unknown) => typeof v !== 'string' && typeof v !== 'number');
      if (bad !== undefined) return `an element of forEach that is ${describeValue(bad)}`;
    }
    return undefined;
  }

  /**
   * Each rollout entry counts the operations started by the end of its batch, so entries of the same kind
   * must grow: `[10, 5]` is most likely written as batch sizes, and the engine would drop the 5.
   */
  #checkRolloutGrows(step: Record<string, unknown>, path: DocPath, label: string): void {
    const batches = isPlainObject(step.rollout) && Array.isArray(step.rollout.batches) ? step.rollout.batches : [];
    const measure = (entry: unknown): { kind: 'count' | 'percent'; amount: number } | undefined => {
      if (typeof entry === 'number') return { kind: 'count', amount: entry };
      if (typeof entry === 'string' && /^[0-9]+(?:\.[0-9]+)?%$/.test(entry)) return { kind: 'percent', amount: Number.parseFloat(entry) };
      return undefined;
    };
    const latest: Partial<Record<'count' | 'percent', { amount: number; index: number }>> = {};
    batches.forEach((entry: unknown, index: number) => {
      const m = measure(entry);
      if (!m) return;
      const before = latest[m.kind];
      if (before && m.amount <= before.amount) {
        this.#add({
          code: 'SCHEMA',
          message: `rollout.batches of ${label}: entry ${index + 1} (${JSON.stringify(entry)}) is not more than entry ${before.index + 1} (${JSON.stringify(batches[before.index])}); each entry is the number of operations started by the end of its batch, so the entries must grow, as in [1, "10%", "100%"]`,
          path: [...path, 'rollout', 'batches', index],
        });
      }
      latest[m.kind] = { amount: m.amount, index };
    });
  }

  /** Durations the schema accepts by their form but that are longer than a timer can wait. */
  #checkDurationLimits(step: Record<string, unknown>, path: DocPath, label: string): void {
    const retry = isPlainObject(step.retry) ? step.retry : {};
    const rollout = isPlainObject(step.rollout) ? step.rollout : {};
    const places: [unknown, DocPath, string][] = [
      [step.timeout, [...path, 'timeout'], 'timeout'],
      [step.operationTimeout, [...path, 'operationTimeout'], 'operationTimeout'],
      [retry.delay, [...path, 'retry', 'delay'], 'retry.delay'],
      [retry.maxDelay, [...path, 'retry', 'maxDelay'], 'retry.maxDelay'],
      [rollout.pauseBetween, [...path, 'rollout', 'pauseBetween'], 'rollout.pauseBetween'],
    ];
    for (const [value, at, name] of places) {
      if (typeof value === 'string' && DURATION_FORM.test(value) && parseDuration(value) === undefined) {
        this.#add({
          code: 'SCHEMA',
          message: `${name} of ${label} is ${value}, longer than the longest wait runbook supports (${formatDuration(MAX_DURATION_MS)}, about 24 days)`,
          path: at,
        });
      }
    }
  }

  #checkAction(step: Record<string, unknown>, path: DocPath): ActionDefinition | undefined {
    if (typeof step.action !== 'string') return undefined;
    const registered = this.registry.action(step.action);
    if (registered) return registered.definition;
    if (step.action.includes('${{')) return undefined;
    const names = this.registry.actionNames();
    const hint = didYouMean(step.action, names);
    const list =
      hint || (names.length === 0 ? '; no action is registered' : names.length <= 12 ? ` (registered: ${names.join(', ')})` : '');
    this.#add({ code: 'UNKNOWN_ACTION', message: `unknown action '${step.action}'${list}`, path: [...path, 'action'] });
    return undefined;
  }

  #checkConnectionOf(step: Record<string, unknown>, path: DocPath, label: string, action: ActionDefinition | undefined): void {
    const name = typeof step.connection === 'string' ? step.connection : undefined;
    const declared = Object.keys(this.#connections);
    if (name !== undefined && !Object.hasOwn(this.#connections, name)) {
      const list =
        declared.length === 0 ? '; declare it under connections:' : didYouMean(name, declared) || ` (declared: ${declared.join(', ')})`;
      this.#add({
        code: 'UNKNOWN_CONNECTION',
        message: `${label} names connection '${name}', which is not declared${list}`,
        path: [...path, 'connection'],
      });
      return;
    }
    if (!action) return;
    const needed = action.connection;
    if (needed === undefined) {
      if (name !== undefined) {
        this.#add({
          code: 'CONNECTION_TYPE_MISMATCH',
          message: `action ${action.name} talks to no server; remove 'connection: ${name}' from ${label}`,
          path: [...path, 'connection'],
        });
      }
      return;
    }
    if (name === undefined) {
      const candidates = declared.filter((n) => {
        const spec = this.#connections[n];
        return isPlainObject(spec) && spec.type === needed;
      });
      const fix =
        candidates.length === 1
          ? `add 'connection: ${candidates[0]}'`
          : candidates.length > 1
            ? `add 'connection: <name>' naming one of ${candidates.join(', ')}`
            : `declare a connection of type ${needed} under connections: and name it with 'connection: <name>'`;
      this.#add({
        code: 'CONNECTION_REQUIRED',
        message: `${label} runs ${action.name}, which needs a connection of type ${needed}; ${fix}`,
        path,
      });
      return;
    }
    const spec = this.#connections[name];
    if (isPlainObject(spec) && typeof spec.type === 'string' && spec.type !== needed) {
      this.#add({
        code: 'CONNECTION_TYPE_MISMATCH',
        message: `${label} uses connection '${name}' of type ${spec.type}, but action ${action.name} needs one of type ${needed}`,
        path: [...path, 'connection'],
      });
    }
  }

  #refuseExpression(value: unknown, path: DocPath, what: string): void {
    if (typeof value === 'string' && value.includes('${{')) {
      this.#add({
        code: 'SCHEMA',
        message: `${what} is not evaluated: \${{ }} is allowed only inside with:, forEach, if and connections`,
        path,
      });
    }
  }

  /** Checks the syntax and the references of every expression in a value. */
  #checkExpressions(value: unknown, path: DocPath, place: ExpressionPlace, depth = 0): void {
    if (depth > MAX_WALK_DEPTH) return;
    if (typeof value === 'string') {
      if (value.includes('${{')) this.#checkString(value, path, place);
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => this.#checkExpressions(v, [...path, i], place, depth + 1));
    } else if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) this.#checkExpressions(v, [...path, k], place, depth + 1);
    }
  }

  #checkString(text: string, path: DocPath, place: ExpressionPlace): void {
    let references: Reference[];
    try {
      references = referencesInString(text);
    } catch (error) {
      if (error instanceof RunbookError && error.code === 'EXPRESSION_SYNTAX') {
        const index = typeof error.details?.offset === 'number' ? error.details.offset : 0;
        const reason = typeof error.details?.reason === 'string' ? error.details.reason : error.message;
        this.#add({
          code: 'EXPRESSION_SYNTAX',
          message: `invalid expression ${place.where}: ${reason}`,
          path,
          inString: anchorAt(text, index),
        });
        return;
      }
      throw error;
    }
    for (const reference of references) {
      const message = this.#referenceProblem(reference, place);
      if (message)
        this.#add({
          code: 'UNKNOWN_REFERENCE',
          message: `${message} (in \${{ ${reference.text} }} ${place.where})`,
          path,
          inString: anchorAt(text, reference.offset),
        });
    }
  }

  /** What is wrong with a reference, or undefined when it may be read here. */
  #referenceProblem(reference: Reference, place: ExpressionPlace): string | undefined {
    const [first, second] = reference.path;
    switch (reference.root) {
      case 'params': {
        if (typeof first !== 'string' && typeof first !== 'number') return undefined;
        const name = String(first);
        if (Object.hasOwn(this.#params, name) && !UNSAFE_KEYS.has(name)) return undefined;
        const declared = Object.keys(this.#params);
        return `unknown param '${name}'${didYouMean(name, declared) || (declared.length === 0 ? '; declare it under params:' : `; declared params: ${declared.join(', ')}`)}`;
      }
      case 'env':
        return reference.path.length === 0 ? 'name the environment variable to read, as in env.NAME' : undefined;
      case 'item':
      case 'index':
        return place.noItem;
      case 'steps':
        return place.noSteps ?? this.#stepReferenceProblem(first, second, place.stepIndex);
      default:
        return `unknown name '${reference.root}'${didYouMean(reference.root, EXPRESSION_ROOTS)}; expressions read ${EXPRESSION_ROOTS.join(', ')}`;
    }
  }

  #stepReferenceProblem(
    id: string | number | null | undefined,
    next: string | number | null | undefined,
    current: number,
  ): string | undefined {
    if (id === null) return undefined;
    if (id === undefined) return 'name a step, as in steps.<id>.outputs.<name>';
    const name = String(id);
    const index = this.#stepIds.indexOf(name);
    const earlier = this.#stepIds.slice(0, current).filter((s) => s !== '');
    if (index < 0)
      return `unknown step '${name}'${
        didYouMean(
          name,
          this.#stepIds.filter((s) => s !== ''),
        ) || (earlier.length > 0 ? `; earlier steps: ${earlier.join(', ')}` : '')
      }`;
    if (index === current) return `a step cannot read its own outputs ('${name}')`;
    if (index > current) return `step '${name}' runs later; a step can read the outputs of earlier steps only`;
    if (next !== undefined && next !== null && next !== 'outputs')
      return `write steps.${name}.outputs.<name> to read an output of step '${name}'`;
    return undefined;
  }
}

/** Where in a string value a problem is, anchored on the text from the enclosing `${{` to the end of its line. */
export function anchorAt(text: string, index: number): Problem['inString'] {
  const open = text.lastIndexOf('${{', index);
  const start = open < 0 ? index : open;
  const end = text.indexOf('\n', index);
  return { anchor: text.slice(start, end < 0 ? text.length : end), anchorIndex: start, index };
}

const PARAM_TYPE_PHRASES: Record<(typeof PARAM_TYPES)[number], string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

/** Whether a value has a param type. */
export function matchesParamType(value: unknown, type: (typeof PARAM_TYPES)[number]): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
  }
}
