// Checks an operation's inputs once its expressions are evaluated, against the action's own input schema
// (the one without the expression alternatives): the run-time half of input validation.

import type { ValidateFunction } from 'ajv';
import type { Registry } from '../actions/registry.js';
import { formatPath } from './document.js';
import { loadOrCompile } from './schema-code-cache.js';
import { FORMAT_SCHEMA_COMPILER, describeSchemaErrors } from './schema-errors.js';

// Compiled once per registry and action name: expansion calls this for every operation.
const compiled = new WeakMap<Registry, Map<string, ValidateFunction>>();

function validatorFor(registry: Registry, actionName: string): ValidateFunction | undefined {
  let byName = compiled.get(registry);
  if (!byName) {
    byName = new Map();
    compiled.set(registry, byName);
  }
  let validate = byName.get(actionName);
  if (!validate) {
    const action = registry.action(actionName)?.definition;
    if (!action) return undefined;
    validate = loadOrCompile(action.inputs, FORMAT_SCHEMA_COMPILER);
    byName.set(actionName, validate);
  }
  return validate;
}

/**
 * Returns a readable message when the resolved inputs do not match the action's input schema, or
 * undefined when they do (or the action is unknown: validation reports that earlier).
 */
export function checkInputs(registry: Registry, actionName: string, inputs: unknown): string | undefined {
  const validate = validatorFor(registry, actionName);
  if (!validate || validate(inputs)) return undefined;
  const problems = describeSchemaErrors(validate.errors ?? [], inputs, {
    label: (path) => (path.length === 0 ? 'the inputs' : `input '${formatPath(path)}'`),
    // The message starts with the action's name already.
    container: (path) => (path.length === 0 ? '' : `in input '${formatPath(path)}'`),
    keyNoun: () => 'input',
  });
  const messages = problems.map((p) => p.message);
  return messages.length > 0 ? `${actionName}: ${messages.join('; ')}` : `${actionName}: the inputs do not match its schema`;
}
