// Checks a parsed runbook against the format: the JSON Schema (built from the registry), then the rules a
// schema cannot say (semantic-check.ts: unknown actions and connections, duplicate ids, expression syntax
// and references). Every problem is returned at once, each with the document path it concerns.

import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Registry } from '../actions/registry.js';
import { formatPath, type DocPath, type Problem } from './document.js';
import { isPlainObject } from '../common/plain-data.js';
import { buildRunbookSchema } from './schema.js';
import { compileSchema, findValidator } from '../common/ajv.js';
import { describeSchemaErrors, type ErrorWording } from './schema-errors.js';
import { SemanticCheck, stepLabel, type ValidateOptions } from './semantic-check.js';
import { STEP_LISTS, type StepList } from './model.js';

export type { ValidateOptions } from './semantic-check.js';
export { anchorAt } from './check-expressions.js';
export { matchesParamType } from './check-params.js';

/** The actions and connection types a runbook names, as far as they are registered. */
function usedNames(data: unknown, registry: Registry): { actions: string[]; connectionTypes: string[] } {
  const actions = new Set<string>();
  const connectionTypes = new Set<string>();
  if (isPlainObject(data)) {
    for (const list of STEP_LISTS) {
      if (!Array.isArray(data[list])) continue;
      for (const step of data[list] as unknown[]) {
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
  if (!isPlainObject(data)) return data;
  const prepared = { ...data };
  for (const list of STEP_LISTS) {
    const steps = data[list];
    if (!Array.isArray(steps)) continue;
    prepared[list] = steps.map((step: unknown) => (isPlainObject(step) && !Object.hasOwn(step, 'with') ? { ...step, with: {} } : step));
  }
  return prepared;
}

function runbookWording(data: unknown, _registry: Registry): ErrorWording {
  const actionOf = (list: StepList, index: number): string | undefined => {
    const steps = isPlainObject(data) ? data[list] : undefined;
    const step = Array.isArray(steps) ? (steps[index] as unknown) : undefined;
    return isPlainObject(step) && typeof step.action === 'string' ? step.action : undefined;
  };
  const isStepList = (section: unknown): section is StepList => STEP_LISTS.includes(section as StepList);
  const isInputs = (path: DocPath): boolean => path.length === 3 && isStepList(path[0]) && path[2] === 'with';
  return {
    label(path) {
      // `input 'hostId' of step 'stop'` reads better than the path, which the diagnostic shows anyway.
      if (path.length === 0) return 'the runbook';
      const [section, name, ...rest] = path;
      if (isStepList(section) && typeof name === 'number') {
        if (rest.length === 0) return stepLabel(data, name, section);
        if (rest[0] === 'with' && rest.length > 1) return `input '${formatPath(rest.slice(1))}' of ${stepLabel(data, name, section)}`;
        return `${formatPath(rest)} of ${stepLabel(data, name, section)}`;
      }
      if ((section === 'connections' || section === 'params') && typeof name === 'string' && rest.length > 0) {
        return `${formatPath(rest)} of ${section === 'connections' ? 'connection' : 'param'} '${name}'`;
      }
      return formatPath(path);
    },
    container(path) {
      if (path.length === 0) return 'at the top level';
      const section = path[0];
      if (isStepList(section) && typeof path[1] === 'number') {
        if (path.length === 2) return `in ${stepLabel(data, path[1], section)}`;
        if (isInputs(path)) return `for action ${actionOf(section, path[1]) ?? '?'} in ${stepLabel(data, path[1], section)}`;
        if (path.length === 3) return `in the ${String(path[2])} of ${stepLabel(data, path[1], section)}`;
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
      const unknownAction = path.length === 3 && isStepList(path[0]) && path[2] === 'action';
      const unknownType = path.length === 3 && path[0] === 'connections' && path[2] === 'type';
      return unknownAction || unknownType;
    },
  };
}
