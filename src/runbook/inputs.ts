// Checks an operation's inputs once its expressions are evaluated, against the action's own input schema
// (the one without the expression alternatives): the run-time half of input validation.

import type { Registry } from '../actions/registry.js';
import { compileSchema } from '../common/ajv.js';
import { formatPath } from './document.js';
import { describeSchemaErrors } from './schema-errors.js';

/**
 * Returns a readable message when the resolved inputs do not match the action's input schema, or
 * undefined when they do (or the action is unknown: validation reports that earlier).
 */
export function checkInputs(registry: Registry, actionName: string, inputs: unknown): string | undefined {
  const action = registry.action(actionName)?.definition;
  if (!action) return undefined;
  // Compiled once per schema: the cache finds an action's inputs by identity for each of its operations.
  const validate = compileSchema(action.inputs);
  if (validate(inputs)) return undefined;
  const problems = describeSchemaErrors(validate.errors ?? [], inputs, {
    label: (path) => (path.length === 0 ? 'the inputs' : `input '${formatPath(path)}'`),
    // The message starts with the action's name already.
    container: (path) => (path.length === 0 ? '' : `in input '${formatPath(path)}'`),
    keyNoun: () => 'input',
  });
  const messages = problems.map((p) => p.message);
  return messages.length > 0 ? `${actionName}: ${messages.join('; ')}` : `${actionName}: the inputs do not match its schema`;
}
