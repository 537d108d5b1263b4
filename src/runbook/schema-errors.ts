// Turns ajv's raw errors into one readable problem per real mistake: the anyOf/if-then noise collapsed,
// each pointing at the right node (the unknown key itself, the mapping that lacks a key), in words.

import type { ErrorObject } from 'ajv';
import type { DocPath, Problem } from './document.js';
import { formatPath } from './document.js';
import { didYouMean } from './suggest.js';
import { isPlainObject } from '../common/plain-data.js';
import { withoutUserInfo } from '../secrets/redactor.js';
import {
  CONNECTION_NAME_PATTERN,
  DURATION_PATTERN,
  EXPRESSION_PATTERN,
  ID_PATTERN,
  isExpressionSchema,
  NOT_HOST_HEADER_PATTERN,
  PARAM_NAME_PATTERN,
  PERCENT_PATTERN,
} from './schema.js';

/** How messages name places, which differs between a runbook file and an action's resolved inputs. */
export interface ErrorWording {
  /** A value's name: `steps[0].with.hostId`, or `input 'hostId'`. */
  label(path: DocPath): string;
  /** Where a mapping is, after "unknown key 'x'": `in step 'stop'`, `for action ocp.stop in step 'stop'`; '' for no place. */
  container(path: DocPath): string;
  /** What the keys of the mapping at `path` are called: `key`, `input`, `setting`. */
  keyNoun(path: DocPath): string;
  /** Errors the caller reports better itself (an unknown action name, for example). */
  ignore?(error: ErrorObject, path: DocPath): boolean;
}

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

/** "unknown key 'x'" + "in step 'stop'", or the phrase alone when the caller names no place. */
function placed(text: string, container: string): string {
  return container === '' ? text : `${text} ${container}`;
}

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

function describeError(error: ErrorObject, path: DocPath, wording: ErrorWording): Problem {
  const params = error.params as Record<string, unknown>;
  const parent = isPlainObject(error.parentSchema) ? error.parentSchema : {};
  const label = wording.label(path);
  const got = `got ${describeValue(error.data, { secret: isSensitivePath(path) })}`;
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const known = isPlainObject(parent.properties) ? Object.keys(parent.properties) : [];
      return {
        code: 'SCHEMA',
        message: `${placed(`unknown ${wording.keyNoun(path)} '${key}'`, wording.container(path))}${key === '<<' ? '; YAML merge keys are not supported, write the keys out' : didYouMean(key, known)}`,
        path: [...path, key],
        at: 'key',
      };
    }
    case 'required': {
      const key = String(params.missingProperty);
      return { code: 'SCHEMA', message: placed(`missing required ${wording.keyNoun(path)} '${key}'`, wording.container(path)), path };
    }
    case 'propertyNames': {
      const key = String(params.propertyName);
      const pattern = isPlainObject(error.schema) && typeof error.schema.pattern === 'string' ? error.schema.pattern : '';
      const rule = NAME_RULES[pattern] ?? `match the pattern /${pattern}/`;
      return {
        code: 'SCHEMA',
        message: `${placed(`invalid name '${key}'`, wording.container(path))}: names must ${rule}`,
        path: [...path, key],
        at: 'key',
      };
    }
    case 'type': {
      const expected = expectedTypes(parent);
      return { code: 'SCHEMA', message: `${label} must be ${expected}, ${got}${typeHint(error.data, parent, path)}`, path };
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
      const shown = allowed
        .slice(0, 12)
        .map((v) => JSON.stringify(v))
        .join(', ');
      const more = allowed.length > 12 ? ', ...' : '';
      const hint =
        typeof error.data === 'string'
          ? didYouMean(
              error.data,
              allowed.filter((v): v is string => typeof v === 'string'),
            )
          : '';
      return { code: 'SCHEMA', message: `${label} must be one of ${shown}${more}, ${got}${hint}`, path };
    }
    case 'minItems':
      return { code: 'SCHEMA', message: `${label} must have at least ${counted(params.limit, 'item')}`, path };
    case 'maxItems':
      return { code: 'SCHEMA', message: `${label} must have at most ${counted(params.limit, 'item')}`, path };
    case 'uniqueItems': {
      const [i = 0, j = 0] = [Number(params.j), Number(params.i)].sort((a, b) => a - b);
      return { code: 'SCHEMA', message: `${label} must not list the same value twice (items ${i + 1} and ${j + 1} are the same)`, path };
    }
    case 'minLength':
      return { code: 'SCHEMA', message: `${label} must be at least ${counted(params.limit, 'character')} long`, path };
    case 'maxLength':
      return { code: 'SCHEMA', message: `${label} must be at most ${counted(params.limit, 'character')} long`, path };
    case 'minimum':
      return { code: 'SCHEMA', message: `${label} must be at least ${String(params.limit)}, ${got}`, path };
    case 'maximum':
      return { code: 'SCHEMA', message: `${label} must be at most ${String(params.limit)}, ${got}`, path };
    case 'exclusiveMinimum':
      return { code: 'SCHEMA', message: `${label} must be more than ${String(params.limit)}, ${got}`, path };
    case 'exclusiveMaximum':
      return { code: 'SCHEMA', message: `${label} must be less than ${String(params.limit)}, ${got}`, path };
    case 'anyOf':
    case 'oneOf':
      return { code: 'SCHEMA', message: `${label} does not match any of the allowed forms, ${got}`, path };
    default:
      return { code: 'SCHEMA', message: `${label} ${error.message ?? 'is not valid'}, ${got}`, path };
  }
}

/** `1 item`, `2 items`. */
function counted(limit: unknown, noun: string): string {
  return `${String(limit)} ${noun}${limit === 1 ? '' : 's'}`;
}

const NAME_RULES: Record<string, string> = {
  [ID_PATTERN]: "use only lower-case letters, digits and '-'",
  [PARAM_NAME_PATTERN]: "use only letters, digits, '_' and '-', and start with a letter or '_'",
  [CONNECTION_NAME_PATTERN]: "use only letters, digits, '_' and '-', and start with a letter",
  [NOT_HOST_HEADER_PATTERN]: "not be Host: the connection's url decides where a request goes; remove the header",
};

const PATTERN_PHRASES: Record<string, string> = {
  [EXPRESSION_PATTERN]: 'a ${{ }} expression',
  [PERCENT_PATTERN]: 'a percentage from 0% to 100% such as "10%"',
  '^https?://': 'a URL that starts with http:// or https://',
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
  const phrases = types.map((t) => (t === 'string' && patternPhrase ? patternPhrase : (TYPE_PHRASES[t] ?? t)));
  if (phrases.length === 0) return patternPhrase ?? 'a valid value';
  return phrases.length === 1 ? phrases[0]! : `${phrases.slice(0, -1).join(', ')} or ${phrases[phrases.length - 1]}`;
}

/**
 * Names a value for a message without ever cutting it (a cut secret would escape redaction). With
 * `secret`, only its kind is named: messages end up in logs and reports, which must not hold credentials.
 */
export function describeValue(value: unknown, options: { secret?: boolean } = {}): string {
  if (value === null || value === undefined) return 'an empty value';
  if (options.secret && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')) {
    return typeof value === 'string' && value.length === 0 ? 'an empty string' : `a ${typeof value} (not shown: it may be a secret)`;
  }
  if (typeof value === 'string') {
    if (value.length === 0) return 'an empty string';
    // A URL's user info may be a password: it is never shown.
    const named = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? withoutUserInfo(value) : value;
    return named.length <= 40 && !/[\n\r]/.test(named) ? `string '${named}'` : `a string of ${value.length} characters`;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

/** A hint for the usual causes of a wrong type: YAML 1.1 booleans, and expressions where none is evaluated. */
function typeHint(value: unknown, schema: Record<string, unknown>, path: DocPath): string {
  const types = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (typeof value === 'string' && types.includes('boolean') && /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$/.test(value)) {
    return ' (write true or false)';
  }
  if (typeof value !== 'string' || !value.includes('${{')) return '';
  if (path.length === 3 && path[0] === 'steps' && path[2] === 'with') {
    return ' (with: itself must be a mapping; put expressions in its values, as in with: { hostId: "${{ item }}" })';
  }
  const evaluated =
    path[0] === 'connections' ||
    (path[0] === 'steps' && (path[2] === 'with' || path[2] === 'forEach' || path[2] === 'if') && path.length > 3);
  return evaluated ? '' : ' (expressions are evaluated only inside with:, forEach, if and connections)';
}

/** Whether a path names a credential (`auth.password`, `accessKeySecret`, an `Authorization` header...). */
export function isSensitivePath(path: DocPath): boolean {
  return path.some(
    (segment) => typeof segment === 'string' && /pass(?:word|wd)?$|secret|token|credential|authorization|api[-_]?key/i.test(segment),
  );
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
