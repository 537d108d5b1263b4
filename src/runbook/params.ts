// Resolves a runbook's params from their defaults, typed values (params files, recorded params) and
// `--param k=v` values, checking each value by the param's declared type. Every problem is reported at
// once, as BAD_PARAM.

import { compileSchema } from '../common/ajv.js';
import { ValidationError, type Diagnostic } from '../errors.js';
import { formatPath } from './document.js';
import type { ParamSpec, Runbook } from './model.js';
import { copyData, setOwn } from '../common/plain-data.js';
import { describeSchemaErrors } from './schema-errors.js';
import { didYouMean } from './suggest.js';
import { matchesParamType } from './check-params.js';

/** Splits `--param k=v` values into a map (the last one wins). Throws ValidationError for one without `=`. */
export function parseParamAssignments(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const problems: Diagnostic[] = [];
  for (const item of list) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      problems.push({ code: 'BAD_PARAM', message: `--param '${item}' must be written name=value` });
      continue;
    }
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return out;
}

/**
 * Values for params given with their types, from one source: a `--params-file`, or the params a plan or an
 * earlier run recorded.
 */
export interface ParamValues {
  /** How messages name the source, e.g. `params file hosts.yaml`. */
  source: string;
  values: Record<string, unknown>;
  /** Where a value (or, with 'key', its name) is written in the source: `[name]`, or `[name, 2]` for an item. */
  locate?: (path: (string | number)[], at?: 'key') => Pick<Diagnostic, 'file' | 'line' | 'column' | 'path'>;
}

/**
 * The params of a run: each given value parsed by its declared type and checked against `enum` and
 * `items`; defaults for the rest. `sources` are read in order, a later one overriding an earlier one, and
 * `given` (`--param`) overrides them all; every value of every source is checked. Throws ValidationError
 * listing every problem.
 */
export function resolveParams(
  runbook: Runbook,
  given: Record<string, string>,
  sources: readonly ParamValues[] = [],
): Record<string, unknown> {
  const problems: Diagnostic[] = [];
  const values: Record<string, unknown> = {};
  const declared = Object.keys(runbook.params);
  const unknown = (name: string) => {
    const hint = declared.length > 0 ? didYouMean(name, declared) : '';
    return `unknown param '${name}'${hint || (declared.length > 0 ? `; the runbook declares ${declared.join(', ')}` : '; the runbook declares no params')}`;
  };
  // Each source checked in full, in its own order: a wrong value is reported even where a later one overrides it.
  const typed = new Map<string, unknown>();
  const invalid = new Set<string>();
  for (const source of sources) {
    const prefix = source.locate ? '' : `${source.source}: `;
    for (const [name, value] of Object.entries(source.values)) {
      const spec = Object.hasOwn(runbook.params, name) ? runbook.params[name] : undefined;
      if (spec === undefined) {
        problems.push({ code: 'BAD_PARAM', message: `${prefix}${unknown(name)}`, ...source.locate?.([name], 'key') });
        continue;
      }
      const problem = checkTypedParamValue(spec, value);
      if (problem === undefined) {
        typed.set(name, value);
      } else {
        invalid.add(name);
        const at = problem.item === undefined ? [name] : [name, problem.item];
        problems.push({ code: 'BAD_PARAM', message: `${prefix}param '${name}' ${problem.message}`, ...source.locate?.(at) });
      }
    }
  }
  for (const name of Object.keys(given)) {
    if (!Object.hasOwn(runbook.params, name)) problems.push({ code: 'BAD_PARAM', message: unknown(name) });
  }
  for (const [name, spec] of Object.entries(runbook.params)) {
    const raw = Object.hasOwn(given, name) ? given[name] : undefined;
    if (raw === undefined) {
      if (typed.has(name)) {
        setOwn(values, name, copyData(typed.get(name)));
      } else if (invalid.has(name)) {
        continue;
      } else if (spec.default === undefined) {
        problems.push({
          code: 'BAD_PARAM',
          message: `param '${name}' has no default; give it with --param ${name}=... or in a --params-file`,
        });
      } else {
        setOwn(values, name, copyData(spec.default));
      }
      continue;
    }
    const parsed = parseParamValue(name, spec, raw);
    if (typeof parsed === 'string') problems.push({ code: 'BAD_PARAM', message: parsed });
    else setOwn(values, name, parsed.value);
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return values;
}

const TYPE_WANTED: Record<ParamSpec['type'], string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list, such as [20, 21]',
  object: 'a mapping, such as { a: 1 }',
};

/**
 * Checks a value that comes with its own type (from a params file or a recorded run) against the param's
 * declaration: its type, `items` and `enum`, with no conversion. Returns the problem, worded to follow
 * "param 'name' ", and the index of the list item it is about.
 */
export function checkTypedParamValue(spec: ParamSpec, value: unknown): { message: string; item?: number } | undefined {
  const secret = spec.secret === true;
  if (!matchesParamType(value, spec.type)) {
    return { message: `must be ${TYPE_WANTED[spec.type]} (got ${describeValue(value, secret)})${howToWrite(spec, value)}` };
  }
  if (spec.items && Array.isArray(value)) {
    const problem = checkItems(spec.items, value, secret);
    if (problem) return { message: `has an item that does not fit: ${problem.message}`, item: problem.index };
  }
  if (spec.enum && !spec.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    return { message: `must be one of ${spec.enum.map((e) => JSON.stringify(e)).join(', ')} (got ${describeValue(value, secret)})` };
  }
  return undefined;
}

/** For a quoted "8080" or "20,21", which --param would take: how to write it with its type. */
function howToWrite(spec: ParamSpec, value: unknown): string {
  if (typeof value !== 'string' || spec.type === 'string') return '';
  const parsed = parseParamValue('', spec, value);
  if (typeof parsed === 'string') return '';
  if (spec.type === 'array' || spec.type === 'object')
    return spec.secret ? `; write it as a ${spec.type === 'array' ? 'list' : 'mapping'}` : `; write it as ${JSON.stringify(parsed.value)}`;
  return '; write it without quotes';
}

/** What a value is, for a message: its kind, and the value itself unless it is secret. */
function describeValue(value: unknown, secret: boolean): string {
  const kind =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'a list'
        : typeof value === 'object'
          ? 'a mapping'
          : typeof value === 'string'
            ? 'the string'
            : typeof value === 'boolean'
              ? 'the boolean'
              : 'the number';
  if (secret) return kind.replace(/^the /, 'a ');
  if (value === null || typeof value === 'object') return kind;
  const text = typeof value === 'string' ? `'${value}'` : String(value);
  return `${kind} ${text.length > 60 ? `${text.slice(0, 60)}...` : text}`;
}

/** Parses one value by its declared type; returns the problem as a string. */
export function parseParamValue(name: string, spec: ParamSpec, raw: string): { value: unknown } | string {
  const shown = spec.secret ? 'the given value' : `'${raw.length > 60 ? `${raw.slice(0, 60)}...` : raw}'`;
  const wrong = (what: string) => `--param ${name}: ${shown} is not ${what}`;
  let value: unknown;
  switch (spec.type) {
    case 'string':
      value = raw;
      break;
    case 'integer':
    case 'number': {
      // Number() alone would take '0x10', ' 12 ' and '' (as 0): only plain decimal notation is accepted.
      const pattern = spec.type === 'integer' ? INTEGER : DECIMAL;
      const n = pattern.test(raw) ? Number(raw) : Number.NaN;
      if (!matchesParamType(n, spec.type)) return wrong(spec.type === 'integer' ? 'a whole number' : 'a number');
      value = n;
      break;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') return wrong('true or false');
      value = raw === 'true';
      break;
    case 'array':
      value = parseList(raw, spec.items);
      if (value === undefined) return wrong('a list; write it as [20,21] or 20,21');
      break;
    case 'object':
      value = parseJson(raw);
      if (!matchesParamType(value, 'object')) return wrong('a JSON object such as {"a":1}');
      break;
  }
  if (spec.items && Array.isArray(value)) {
    const problem = checkItems(spec.items, value, spec.secret === true);
    if (problem) return `--param ${name}: ${problem.message}`;
  }
  if (spec.enum && !spec.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    return `--param ${name}: ${shown} is not one of ${spec.enum.map((e) => JSON.stringify(e)).join(', ')}`;
  }
  return { value };
}

const INTEGER = /^[+-]?[0-9]+$/;
const DECIMAL = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;

/**
 * `[20,21]` (JSON), or `20,21` with each element read as a JSON scalar when it is one, unless `items`
 * wants the text as it is: `peers=1,2` with string items gives ["1","2"].
 */
function parseList(raw: string, items: Record<string, unknown> | undefined): unknown[] | undefined {
  const text = raw.trim();
  if (text.startsWith('[')) {
    const parsed = parseJson(text);
    return Array.isArray(parsed) ? parsed : undefined;
  }
  if (text === '') return [];
  const validate = items ? compileSchema(items) : undefined;
  return text.split(',').map((part) => {
    const item = part.trim();
    const scalar = parseJson(item);
    const isScalar = scalar !== undefined && (typeof scalar === 'number' || typeof scalar === 'boolean' || scalar === null);
    if (!isScalar) return item;
    return validate && !validate(scalar) && validate(item) ? item : scalar;
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text, (key, v: unknown) => (key === '__proto__' ? undefined : v));
  } catch {
    return undefined;
  }
}

function checkItems(items: Record<string, unknown>, list: unknown[], secret: boolean): { message: string; index: number } | undefined {
  // Bounded and shared with the loader, which compiled the same items schema when it checked the default.
  const validate = compileSchema(items);
  for (const [i, item] of list.entries()) {
    if (!validate(item)) {
      const element = `item ${i + 1}`;
      // The value of a secret param never appears in a message: messages reach logs and reports.
      if (secret) return { message: `${element} does not match the items schema`, index: i };
      const [problem] = describeSchemaErrors(validate.errors ?? [], item, {
        label: (path) => (path.length === 0 ? element : `${formatPath(path)} of ${element}`),
        container: (path) => `in ${path.length === 0 ? element : `${formatPath(path)} of ${element}`}`,
        keyNoun: () => 'key',
      });
      return { message: problem?.message ?? `${element} does not match the items schema`, index: i };
    }
  }
  return undefined;
}
