// Turns ajv's raw errors into one readable problem per real mistake: the anyOf/if-then noise collapsed,
// each pointing at the right node (the unknown key itself, the mapping that lacks a key), in words.

import Ajv2020Module from 'ajv/dist/2020.js';
import type { ErrorObject } from 'ajv';
import type { DocPath, Problem } from './document.js';
import { formatPath } from './document.js';
import { didYouMean } from './suggest.js';
import { isPlainObject } from './plain-data.js';
import {
  CONNECTION_NAME_PATTERN,
  DURATION_PATTERN,
  EXPRESSION_PATTERN,
  ID_PATTERN,
  isExpressionSchema,
  PARAM_NAME_PATTERN,
  PERCENT_PATTERN,
} from './schema.js';

const Ajv2020 = Ajv2020Module.default;
export type Ajv = InstanceType<typeof Ajv2020>;

/** An ajv instance with the options every schema of the format is compiled with. */
export function createAjv(): Ajv {
  // verbose: errors carry their schema, which is how the expression branch of an anyOf is recognised.
  // strict off and formats off: plugin schemas may use keywords or formats this build does not know.
  return new Ajv2020({ allErrors: true, verbose: true, strict: false, validateFormats: false, logger: false });
}

/** How messages name places, which differs between a runbook file and an action's resolved inputs. */
export interface ErrorWording {
  /** A value's name: `steps[0].with.hostId`, or `input 'hostId'`. */
  label(path: DocPath): string;
  /** Where a mapping is, after "unknown key 'x'": `in step 'stop'`, `for action ocp.stop in step 'stop'`. */
  container(path: DocPath): string;
  /** What the keys of the mapping at `path` are called: `key`, `input`, `setting`. */
  keyNoun(path: DocPath): string;
  /** Errors the caller reports better itself (an unknown action name, for example). */
  ignore?(error: ErrorObject, path: DocPath): boolean;
}

/** Collapses and words ajv errors. `data` is the value that was validated. */
export function describeSchemaErrors(errors: readonly ErrorObject[], data: unknown, wording: ErrorWording): Problem[] {
  const dropped = new Set<ErrorObject>();
  const hidden: { instancePath: string; schemaPath: string }[] = [];
  for (const error of errors) {
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf') {
      const branches = Array.isArray(error.schema) ? error.schema : [];
      const expression = branches.findIndex(isExpressionSchema);
      if (expression >= 0 && error.keyword === 'anyOf') {
        // Report the original branch's errors: the value is neither the expected value nor an expression,
        // and the expected value is what the author meant.
        dropped.add(error);
        hidden.push({ instancePath: error.instancePath, schemaPath: `${error.schemaPath}/${expression}/` });
      } else {
        hidden.push({ instancePath: error.instancePath, schemaPath: `${error.schemaPath}/` });
      }
    } else if (error.keyword === 'propertyNames') {
      hidden.push({ instancePath: error.instancePath, schemaPath: `${error.schemaPath}/` });
    } else if (error.keyword === 'if') {
      dropped.add(error);
    }
  }
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (dropped.has(error)) continue;
    if (hidden.some((h) => error.schemaPath.startsWith(h.schemaPath) && error.instancePath.startsWith(h.instancePath))) continue;
    const path = pointerToPath(error.instancePath, data);
    if (wording.ignore?.(error, path)) continue;
    const problem = describeError(error, path, wording);
    const key = `${formatPath(problem.path)}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}

function describeError(error: ErrorObject, path: DocPath, wording: ErrorWording): Problem {
  const params = error.params as Record<string, unknown>;
  const parent = isPlainObject(error.parentSchema) ? error.parentSchema : {};
  const label = wording.label(path);
  const got = `got ${describeValue(error.data)}`;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = isPlainObject(parent.properties) ? Object.keys(parent.properties) : [];
      return {
        code: 'SCHEMA',
        message: `unknown ${wording.keyNoun(path)} '${key}' ${wording.container(path)}${didYouMean(key, known)}`,
        path: [...path, key],
        at: 'key',
      };
    }
    case 'required': {
      const key = String(params.missingProperty);
      return { code: 'SCHEMA', message: `missing required ${wording.keyNoun(path)} '${key}' ${wording.container(path)}`, path };
    }
    case 'propertyNames': {
      const key = String(params.propertyName);
      const pattern = isPlainObject(error.schema) && typeof error.schema.pattern === 'string' ? error.schema.pattern : '';
      const rule = NAME_RULES[pattern] ?? `match the pattern /${pattern}/`;
      return { code: 'SCHEMA', message: `invalid name '${key}' ${wording.container(path)}: names must ${rule}`, path: [...path, key], at: 'key' };
    }
    case 'type': {
      const expected = expectedTypes(parent);
      return { code: 'SCHEMA', message: `${label} must be ${expected}, ${got}${expressionHint(error.data, path)}`, path };
    }
    case 'pattern': {
      const pattern = String(params.pattern);
      const rule = NAME_RULES[pattern];
      if (rule) return { code: 'SCHEMA', message: `${label} must ${rule}, ${got}`, path };
      if (PATTERN_PHRASES[pattern]) return { code: 'SCHEMA', message: `${label} must be ${expectedTypes(parent)}, ${got}`, path };
      return { code: 'SCHEMA', message: `${label} must match the pattern /${pattern}/, ${got}`, path };
    }
    case 'const': {
      const allowed = JSON.stringify(params.allowedValue);
      const note = path.length === 1 && path[0] === 'version' ? ' (the only format version this engine reads)' : '';
      return { code: 'SCHEMA', message: `${label} must be ${allowed}${note}, ${got}`, path };
    }
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues : [];
      const shown = allowed.slice(0, 12).map((v) => JSON.stringify(v)).join(', ');
      const more = allowed.length > 12 ? ', ...' : '';
      const hint = typeof error.data === 'string' ? didYouMean(error.data, allowed.filter((v): v is string => typeof v === 'string')) : '';
      return { code: 'SCHEMA', message: `${label} must be one of ${shown}${more}, ${got}${hint}`, path };
    }
    case 'minItems':
      return { code: 'SCHEMA', message: `${label} must have at least ${String(params.limit)} item(s)`, path };
    case 'maxItems':
      return { code: 'SCHEMA', message: `${label} must have at most ${String(params.limit)} item(s)`, path };
    case 'minLength':
      return { code: 'SCHEMA', message: `${label} must be at least ${String(params.limit)} character(s) long`, path };
    case 'anyOf':
    case 'oneOf':
      return { code: 'SCHEMA', message: `${label} does not match any of the allowed forms, ${got}`, path };
    default:
      return { code: 'SCHEMA', message: `${label} ${error.message ?? 'is not valid'}, ${got}`, path };
  }
}

const NAME_RULES: Record<string, string> = {
  [ID_PATTERN]: "use only lower-case letters, digits and '-'",
  [PARAM_NAME_PATTERN]: "use only letters, digits, '_' and '-', and start with a letter or '_'",
  [CONNECTION_NAME_PATTERN]: "use only letters, digits, '_' and '-', and start with a letter",
};

const PATTERN_PHRASES: Record<string, string> = {
  [EXPRESSION_PATTERN]: 'a ${{ }} expression',
  [PERCENT_PATTERN]: 'a percentage such as "10%"',
  [DURATION_PATTERN]: 'a duration such as 500ms, 30s, 5m or 1h',
};

const TYPE_PHRASES: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  null: 'null',
};

/** "an integer", "a list or a ${{ }} expression", "a duration such as 500ms, ...". */
function expectedTypes(schema: Record<string, unknown>): string {
  const types = Array.isArray(schema.type) ? schema.type.map(String) : typeof schema.type === 'string' ? [schema.type] : [];
  const patternPhrase = typeof schema.pattern === 'string' ? PATTERN_PHRASES[schema.pattern] : undefined;
  const phrases = types.map((t) => (t === 'string' && patternPhrase ? patternPhrase : TYPE_PHRASES[t] ?? t));
  if (phrases.length === 0) return patternPhrase ?? 'a valid value';
  return phrases.length === 1 ? phrases[0]! : `${phrases.slice(0, -1).join(', ')} or ${phrases[phrases.length - 1]}`;
}

/** Names a value for a message without ever cutting it (a cut secret would escape redaction). */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (typeof value === 'string') {
    if (value.length === 0) return 'an empty string';
    return value.length <= 40 && !/[\n\r]/.test(value) ? `string '${value}'` : `a string of ${value.length} characters`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

function expressionHint(value: unknown, path: DocPath): string {
  if (typeof value !== 'string' || !value.includes('${{')) return '';
  const evaluated =
    path[0] === 'connections' ||
    (path[0] === 'steps' && (path[2] === 'with' || path[2] === 'forEach' || path[2] === 'if') && path.length > 3);
  return evaluated ? '' : ' (expressions are evaluated only inside with:, forEach, if and connections)';
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
