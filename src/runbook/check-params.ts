// The checks of `params:` a schema cannot say: reserved names, enum values and defaults of the declared
// type, and an `items:` schema that compiles and that the default's elements match.

import type { ValidateFunction } from 'ajv';
import type { Problem } from './document.js';
import { isPlainObject, sameData, UNSAFE_KEYS } from '../common/plain-data.js';
import { PARAM_TYPES } from './schema.js';
import { compileSchema } from '../common/ajv.js';
import { describeSchemaErrors, describeValue, isSensitivePath, type ErrorWording } from './schema-errors.js';

/** Checks one entry of `params:`; the schema has checked its shape. */
export function checkParam(name: string, spec: unknown, add: (problem: Problem) => void): void {
  const path = ['params', name];
  if (UNSAFE_KEYS.has(name)) {
    add({ code: 'SCHEMA', message: `param name '${name}' is reserved; choose another name`, path, at: 'key' });
    return;
  }
  if (!isPlainObject(spec) || typeof spec.type !== 'string' || !(PARAM_TYPES as readonly string[]).includes(spec.type)) return;
  const type = spec.type as (typeof PARAM_TYPES)[number];
  // The values of a secret param never appear in a message: messages reach logs and reports.
  const secret = spec.secret === true || isSensitivePath([name]);
  const enumValues = Array.isArray(spec.enum) ? spec.enum : undefined;
  enumValues?.forEach((value: unknown, i: number) => {
    if (!matchesParamType(value, type)) {
      add({
        code: 'SCHEMA',
        message: `value ${i + 1} of the enum of param '${name}' must be ${PARAM_TYPE_PHRASES[type]}, got ${describeValue(value, { secret })}`,
        path: [...path, 'enum', i],
      });
    }
  });
  if (spec.items !== undefined && type !== 'array') {
    add({
      code: 'SCHEMA',
      message: `param '${name}' has items but is of type ${type}; items applies to array params only`,
      path: [...path, 'items'],
      at: 'key',
    });
  }
  const itemsCheck = type === 'array' && isPlainObject(spec.items) ? compileItems(name, spec.items, add) : undefined;
  if (!Object.hasOwn(spec, 'default')) return;
  const value = spec.default;
  const defaultPath = [...path, 'default'];
  if (typeof value === 'string' && value.includes('${{')) {
    add({ code: 'SCHEMA', message: `the default of param '${name}' is a literal value; \${{ }} is not evaluated here`, path: defaultPath });
    return;
  }
  if (!matchesParamType(value, type)) {
    add({
      code: 'SCHEMA',
      message: `the default of param '${name}' must be ${PARAM_TYPE_PHRASES[type]}, got ${describeValue(value, { secret })}`,
      path: defaultPath,
    });
    return;
  }
  if (enumValues && !enumValues.some((allowed: unknown) => sameData(allowed, value))) {
    const allowed = secret ? '' : ` ${enumValues.map((v: unknown) => JSON.stringify(v)).join(', ')}`;
    add({ code: 'SCHEMA', message: `the default of param '${name}' must be one of its enum values${allowed}`, path: defaultPath });
  }
  if (itemsCheck && Array.isArray(value)) {
    value.forEach((element: unknown, i: number) => {
      const problem = itemsCheck(element);
      const said = secret ? 'does not match the items schema' : problem;
      if (problem)
        add({ code: 'SCHEMA', message: `element ${i + 1} of the default of param '${name}' ${said}`, path: [...defaultPath, i] });
    });
  }
}

function compileItems(
  name: string,
  items: Record<string, unknown>,
  add: (problem: Problem) => void,
): ((value: unknown) => string | undefined) | undefined {
  let validate: ValidateFunction;
  try {
    validate = compileSchema(items);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    add({
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

export const PARAM_TYPE_PHRASES: Record<(typeof PARAM_TYPES)[number], string> = {
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
