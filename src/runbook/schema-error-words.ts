// The words of schema problems: how one ajv error reads, by the family of its keyword, and how values and
// places are named in messages (never showing a secret). schema-errors.ts decides which errors to report.

import type { ErrorObject } from 'ajv';
import type { DocPath, Problem } from './document.js';
import { didYouMean } from './suggest.js';
import { STEP_LISTS, type StepList } from './model.js';
import { isPlainObject } from '../common/plain-data.js';
import { withoutUserInfo } from '../secrets/redactor.js';
import {
  CONNECTION_NAME_PATTERN,
  DURATION_PATTERN,
  EXPRESSION_PATTERN,
  ID_PATTERN,
  TEMPLATE_PATTERN,
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

/** "unknown key 'x'" + "in step 'stop'", or the phrase alone when the caller names no place. */
export function placed(text: string, container: string): string {
  return container === '' ? text : `${text} ${container}`;
}

/** What the words for one ajv error are made of. */
interface ErrorFacts {
  error: ErrorObject;
  params: Record<string, unknown>;
  parent: Record<string, unknown>;
  path: DocPath;
  wording: ErrorWording;
  /** The value's name, such as `steps[0].with.hostId`. */
  label: string;
  /** `got <the value>`, naming only its kind where it may be a secret. */
  got: string;
}

/** Words one ajv error, by the family of its keyword. */
export function describeError(error: ErrorObject, path: DocPath, wording: ErrorWording): Problem {
  const params = error.params as Record<string, unknown>;
  const parent = isPlainObject(error.parentSchema) ? error.parentSchema : {};
  const label = wording.label(path);
  const got = `got ${describeValue(error.data, { secret: isSensitivePath(path) })}`;
  const facts: ErrorFacts = { error, params, parent, path, wording, label, got };
  const problem = describeKeyError(facts) ?? describeValueError(facts) ?? describeLimitError(facts);
  if (problem) return problem;
  if (error.keyword === 'anyOf' || error.keyword === 'oneOf') {
    return { code: 'SCHEMA', message: `${label} does not match any of the allowed forms, ${got}`, path };
  }
  return { code: 'SCHEMA', message: `${label} ${error.message ?? 'is not valid'}, ${got}`, path };
}

/** A key that is unknown, missing or badly named. */
function describeKeyError({ error, params, parent, path, wording }: ErrorFacts): Problem | undefined {
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
    default:
      return undefined;
  }
}

/** A value of the wrong type, shape or content. */
function describeValueError({ error, params, parent, path, label, got }: ErrorFacts): Problem | undefined {
  switch (error.keyword) {
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
    default:
      return undefined;
  }
}

/** A list, string or number beyond its limits. */
function describeLimitError({ error, params, path, label, got }: ErrorFacts): Problem | undefined {
  switch (error.keyword) {
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
    default:
      return undefined;
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
  [TEMPLATE_PATTERN]: 'text with ${{ }} expressions',
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
  const inStep = STEP_LISTS.includes(path[0] as StepList);
  if (path.length === 3 && inStep && path[2] === 'with') {
    return ' (with: itself must be a mapping; put expressions in its values, as in with: { hostId: "${{ item }}" })';
  }
  const evaluated =
    path[0] === 'connections' || (inStep && (path[2] === 'with' || path[2] === 'forEach' || path[2] === 'if') && path.length > 3);
  return evaluated ? '' : ' (expressions are evaluated only inside with:, forEach, if and connections)';
}

/** Whether a path names a credential (`auth.password`, `accessKeySecret`, an `Authorization` header...). */
export function isSensitivePath(path: DocPath): boolean {
  return path.some(
    (segment) => typeof segment === 'string' && /pass(?:word|wd)?$|secret|token|credential|authorization|api[-_]?key/i.test(segment),
  );
}
