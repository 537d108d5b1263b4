// Turns ajv's raw errors into one readable problem per real mistake: the anyOf/if-then noise collapsed,
// each pointing at the right node (the unknown key itself, the mapping that lacks a key), in words.

import type { ErrorObject } from 'ajv';
import type { DocPath, Problem } from './document.js';
import { formatPath } from './document.js';
import { didYouMean } from './suggest.js';
import { isPlainObject } from '../common/plain-data.js';
import { isExpressionSchema } from './schema.js';
import { describeError, describeValue, type ErrorWording, placed } from './schema-error-words.js';

export { describeValue, isSensitivePath, type ErrorWording } from './schema-error-words.js';

/** Collapses and words ajv errors. `data` is the value that was validated. */
export function describeSchemaErrors(errors: readonly ErrorObject[], data: unknown, wording: ErrorWording): Problem[] {
  const dropped = new Set<ErrorObject>();
  const replaced = new Map<ErrorObject, Problem>();
  const hidden: { instancePath: string; schemaPath: string }[] = [];
  const hide = (error: ErrorObject, schemaPath: string): void => {
    hidden.push({ instancePath: error.instancePath, schemaPath });
  };
  for (const error of errors) {
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf') {
      const branches = Array.isArray(error.schema) ? error.schema : [];
      const expression = branches.findIndex(isExpressionSchema);
      if (expression >= 0 && error.keyword === 'anyOf') {
        // Report the original branch's errors: the value is neither the expected value nor an expression,
        // and the expected value is what the author meant.
        dropped.add(error);
        hide(error, `${error.schemaPath}/${expression}/`);
        continue;
      }
      const path = pointerToPath(error.instancePath, data);
      const choice = chooseBranch(error, errors, path, wording);
      if (choice.kind === 'branch') {
        // The author plainly meant this branch: its own errors say what is wrong, the others are noise.
        dropped.add(error);
        branches.forEach((_, i) => {
          if (i !== choice.index) hide(error, `${error.schemaPath}/${i}/`);
        });
      } else {
        if (choice.kind === 'problem') replaced.set(error, choice.problem);
        if (choice.kind === 'silent') dropped.add(error);
        hide(error, `${error.schemaPath}/`);
      }
    } else if (error.keyword === 'propertyNames') {
      hide(error, `${error.schemaPath}/`);
    } else if (error.keyword === 'if') {
      dropped.add(error);
    }
  }
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (dropped.has(error)) continue;
    if (hidden.some((h) => error.schemaPath.startsWith(h.schemaPath) && isSameOrInside(error.instancePath, h.instancePath))) continue;
    const path = pointerToPath(error.instancePath, data);
    if (wording.ignore?.(error, path)) continue;
    const problem = replaced.get(error) ?? describeError(error, path, wording);
    const key = `${formatPath(problem.path)}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

/** Whether a JSON pointer is `parent` or below it (`/steps/10` is not below `/steps/1`). */
function isSameOrInside(pointer: string, parent: string): boolean {
  return pointer === parent || parent === '' || pointer.startsWith(`${parent}/`);
}

type BranchChoice = { kind: 'branch'; index: number } | { kind: 'problem'; problem: Problem } | { kind: 'silent' } | { kind: 'generic' };

/**
 * Decides how to word a failed oneOf/anyOf: the branch the value evidently means (by a `type`-like key
 * with a constant value, or the one with fewest errors), or one message for the whole (a choice between
 * required keys, or a discriminating key with an unknown value).
 */
function chooseBranch(error: ErrorObject, errors: readonly ErrorObject[], path: DocPath, wording: ErrorWording): BranchChoice {
  const branches: unknown[] = Array.isArray(error.schema) ? error.schema : [];
  const passing = (error.params as { passingSchemas?: unknown }).passingSchemas;
  const label = wording.label(path);
  const where = (text: string): string => placed(text, wording.container(path));
  const noun = wording.keyNoun(path);

  const alternatives = branches.map(requiredOnly);
  if (alternatives.every((keys): keys is string[] => keys !== undefined && keys.length === 1)) {
    // `required` holds trivially for a value that is not a mapping; its type error says what is wrong.
    if (!isPlainObject(error.data)) return { kind: 'silent' };
    const names = alternatives.map((keys) => `'${keys[0]}'`);
    const listed = names.length === 2 ? `${names[0]} or ${names[1]}` : `one of ${names.join(', ')}`;
    if (Array.isArray(passing)) {
      const given = passing.map((i) => names[Number(i)]).filter((n): n is string => n !== undefined);
      const both = given.length === 2 ? `${given[0]} and ${given[1]}` : given.join(', ');
      return { kind: 'problem', problem: { code: 'SCHEMA', message: where(`give only one of ${noun} ${both}`), path } };
    }
    return { kind: 'problem', problem: { code: 'SCHEMA', message: where(`give ${noun} ${listed}`), path } };
  }
  if (Array.isArray(passing)) {
    return {
      kind: 'problem',
      problem: { code: 'SCHEMA', message: `${label} matches more than one of the allowed forms; make it match exactly one`, path },
    };
  }

  const discriminator = findDiscriminator(branches);
  if (discriminator && isPlainObject(error.data)) {
    const { key, values } = discriminator;
    const value = error.data[key];
    const index = values.indexOf(value);
    if (index >= 0) return { kind: 'branch', index };
    const shown = values.map((v) => JSON.stringify(v)).join(', ');
    if (!Object.hasOwn(error.data, key)) {
      return {
        kind: 'problem',
        problem: { code: 'SCHEMA', message: `${where(`missing required ${noun} '${key}'`)} (one of ${shown})`, path },
      };
    }
    if (typeof value !== 'string' || !value.includes('${{')) {
      const keyPath = [...path, key];
      const hint =
        typeof value === 'string'
          ? didYouMean(
              value,
              values.filter((v): v is string => typeof v === 'string'),
            )
          : '';
      return {
        kind: 'problem',
        problem: {
          code: 'SCHEMA',
          message: `${wording.label(keyPath)} must be one of ${shown}, got ${describeValue(value)}${hint}`,
          path: keyPath,
        },
      };
    }
  }

  // Otherwise the branch that comes closest is most likely the one meant.
  const counts = branches.map(
    (_, i) =>
      errors.filter((e) => e.schemaPath.startsWith(`${error.schemaPath}/${i}/`) && isSameOrInside(e.instancePath, error.instancePath))
        .length,
  );
  const fewest = counts.reduce((a, b) => Math.min(a, b), Infinity);
  const best = counts.indexOf(fewest);
  if (best >= 0 && fewest > 0 && counts.filter((c) => c === fewest).length === 1) return { kind: 'branch', index: best };
  return { kind: 'generic' };
}

/** The keys a schema requires when that is all it says (`{ required: ['alias'] }`), else undefined. */
function requiredOnly(schema: unknown): string[] | undefined {
  if (!isPlainObject(schema) || !Array.isArray(schema.required)) return undefined;
  const other = Object.keys(schema).filter((k) => k !== 'required' && k !== 'description' && k !== 'title');
  return other.length === 0 ? schema.required.map(String) : undefined;
}

/** A key every branch gives a different constant value (`type: basic` / `type: accessKey`). */
function findDiscriminator(branches: unknown[]): { key: string; values: unknown[] } | undefined {
  if (branches.length < 2 || !branches.every(isPlainObject)) return undefined;
  const first = branches[0] as Record<string, unknown>;
  const candidates = isPlainObject(first.properties) ? Object.keys(first.properties) : [];
  for (const key of candidates) {
    const values = branches.map((b) => constOf(isPlainObject(b.properties) ? b.properties[key] : undefined));
    if (values.every((v) => v !== undefined) && new Set(values).size === values.length) return { key, values };
  }
  return undefined;
}

/** The one value a schema allows (`const`, a one-value `enum`), looking through the expression wrapper. */
function constOf(schema: unknown): unknown {
  if (!isPlainObject(schema)) return undefined;
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length === 1) return schema.enum[0];
  if (Array.isArray(schema.anyOf)) {
    const others = schema.anyOf.filter((b) => !isExpressionSchema(b));
    return others.length === 1 ? constOf(others[0]) : undefined;
  }
  return undefined;
}

/** Converts a JSON pointer to a path, with numbers where the data holds a list. */
export function pointerToPath(pointer: string, data: unknown): DocPath {
  if (pointer === '') return [];
  const path: DocPath = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^(?:0|[1-9][0-9]*)$/.test(segment)) {
      const index = Number(segment);
      path.push(index);
      node = node[index];
    } else {
      path.push(segment);
      node = isPlainObject(node) && Object.hasOwn(node, segment) ? node[segment] : undefined;
    }
  }
  return path;
}
