// The ${{ }} expression language, its meaning: templates (text with ${{ }} parts) and the evaluation of an
// expression over params, env, item, index and step outputs. No eval, no Function, no library; lookups
// read own properties of plain data only.

import { RunbookError } from '../errors.js';
import { isPlainObject, readProperty, sameData, setOwn } from '../common/plain-data.js';
import { clip, EXPRESSION_ROOTS, type Expr, OPEN, parseExpression, syntaxError } from './expression-parser.js';

/** What an expression can read while a step runs. */
export interface Scope {
  params: Record<string, unknown>;
  env: Record<string, string | undefined>;
  item?: unknown;
  index?: number;
  /**
   * What the steps that ran left: their outputs, their status and, for the main steps some expression or
   * core.revert reads, the items of their operations that ended `changed`.
   */
  steps: Record<string, { outputs?: Record<string, unknown>; status?: string; changed?: unknown[] }>;
  /** In onFailure and finally: the status of the main steps (`succeeded`, `failed` or `cancelled`). */
  run?: { status: string };
}

export interface EvaluateOptions {
  /** Called for every environment variable an expression reads (for example to redact its value). */
  onEnvRead?: (name: string, value: string) => void;
}

/** A piece of a string value: literal text, or one `${{ }}` expression. */
export type TemplatePart =
  | { kind: 'text'; text: string }
  | {
      kind: 'expression';
      /** The text between `${{` and `}}`. */
      source: string;
      /** Index of `${{` in the whole string. */
      offset: number;
      /** Index just after `}}`. */
      end: number;
    };

// ---------------------------------------------------------------------------------------------------
// Templates

/** True when the value, or anything inside it, is a string containing `${{`. */
export function hasExpression(value: unknown): boolean {
  if (typeof value === 'string') return value.includes(OPEN);
  if (Array.isArray(value)) return value.some(hasExpression);
  if (isPlainObject(value)) return Object.values(value).some(hasExpression);
  return false;
}

/**
 * Splits a string into text and `${{ }}` parts. A `}}` inside a quoted string does not close the
 * expression. Throws EXPRESSION_SYNTAX (details.offset = index in the string) when one is not closed.
 */
export function splitTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let from = 0;
  for (;;) {
    const open = text.indexOf(OPEN, from);
    if (open < 0) {
      if (from < text.length) parts.push({ kind: 'text', text: text.slice(from) });
      return parts;
    }
    if (open > from) parts.push({ kind: 'text', text: text.slice(from, open) });
    let quote: string | undefined;
    let quoteAt = 0;
    let close = -1;
    for (let j = open + OPEN.length; j < text.length; j++) {
      const c = text[j];
      if (quote !== undefined) {
        if (c === '\\') j++;
        else if (c === quote) quote = undefined;
      } else if (c === "'" || c === '"') {
        quote = c;
        quoteAt = j;
      } else if (c === '}' && text[j + 1] === '}') {
        close = j;
        break;
      }
    }
    if (close < 0) {
      const [where, what] =
        quote !== undefined
          ? [quoteAt, `the string that starts at column ${quoteAt + 1} is not closed; close it with ${quote}`]
          : [open, `the expression that starts at column ${open + 1} is not closed; end it with }}`];
      throw syntaxError(what, { offset: where });
    }
    parts.push({ kind: 'expression', source: text.slice(open + OPEN.length, close), offset: open, end: close + 2 });
    from = close + 2;
  }
}

/** True when the string is exactly one `${{ }}` expression, so that its value keeps its type. */
export function isWholeExpression(text: string): boolean {
  if (!text.startsWith(OPEN)) return false;
  try {
    const parts = splitTemplate(text);
    return parts.length === 1 && parts[0]!.kind === 'expression';
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// Evaluation

interface EvalState {
  scope: Scope;
  options: EvaluateOptions;
  /** Inside the left side of `??`: a missing env var is undefined instead of an error. */
  lenient: boolean;
  /** The whole `${{ }}` text, for messages. */
  text: string;
}

/**
 * Evaluates every `${{ }}` in a value, deeply over arrays and mappings. A string that is exactly one
 * expression takes the expression's value and type; inside longer text the value, a string, a number or
 * true/false, is interpolated. Throws RunbookError EXPRESSION (for a list, a mapping, null or no value
 * inside text, too), or ENV_MISSING for an unset variable.
 */
export function evaluateValue(value: unknown, scope: Scope, options: EvaluateOptions = {}): unknown {
  if (typeof value === 'string') return value.includes(OPEN) ? evaluateString(value, scope, options) : value;
  if (Array.isArray(value)) return value.map((v) => evaluateValue(v, scope, options));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, evaluateValue(v, scope, options));
    return out;
  }
  return value;
}

/**
 * Evaluates a step's `if`: undefined means run; a literal boolean is itself; an expression is true when
 * its value is truthy (not false, 0, '', null or undefined).
 */
export function evaluateCondition(value: unknown, scope: Scope, options: EvaluateOptions = {}): boolean {
  if (value === undefined) return true;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && value.includes(OPEN)) return truthy(evaluateValue(value, scope, options));
  throw new RunbookError('EXPRESSION', `'if' must be true, false or a \${{ }} expression, got ${JSON.stringify(value)}`);
}

/**
 * Parsed templates and expressions, by their text: a step's `with:` is evaluated once per item, and a
 * step may have 100,000 items. Bounded: emptied when full (a runbook has a few hundred expressions).
 */
const PARSE_CACHE_LIMIT = 2_000;
const parsedTemplates = new Map<string, readonly TemplatePart[]>();
const parsedSources = new Map<string, { expr: Expr; text: string }>();

function remember<V>(cache: Map<string, V>, key: string, parse: () => V): V {
  let value = cache.get(key);
  if (value === undefined) {
    value = parse(); // a parse error is thrown, and not remembered
    if (cache.size >= PARSE_CACHE_LIMIT) cache.clear();
    cache.set(key, value);
  }
  return value;
}

function evaluateString(text: string, scope: Scope, options: EvaluateOptions): unknown {
  let parts: readonly TemplatePart[];
  try {
    parts = remember(parsedTemplates, text, () => splitTemplate(text));
  } catch (error) {
    throw asEvaluationError(error, text);
  }
  const single = parts.length === 1 ? parts[0]! : undefined;
  if (single?.kind === 'expression') return evaluateSource(single.source, scope, options);
  let out = '';
  for (const part of parts) {
    if (part.kind === 'text') {
      out += part.text;
      continue;
    }
    out += interpolate(evaluateSource(part.source, scope, options), part.source, text);
  }
  return out;
}

/**
 * Evaluates a string as a template whose literal text is kept as written and whose every `${{ }}` value
 * (a whole-string expression too) is turned into text by `encode`, which receives the value and the
 * expression's source and throws to refuse it. Used where a value must never shape more than its own
 * place in the text, such as a URL path segment.
 */
export function evaluateTemplate(
  text: string,
  scope: Scope,
  encode: (value: unknown, source: string) => string,
  options: EvaluateOptions = {},
): string {
  if (!text.includes(OPEN)) return text;
  let parts: readonly TemplatePart[];
  try {
    parts = remember(parsedTemplates, text, () => splitTemplate(text));
  } catch (error) {
    throw asEvaluationError(error, text);
  }
  let out = '';
  for (const part of parts) {
    out += part.kind === 'text' ? part.text : encode(evaluateSource(part.source, scope, options), part.source);
  }
  return out;
}

function evaluateSource(source: string, scope: Scope, options: EvaluateOptions): unknown {
  let parsed: { expr: Expr; text: string };
  try {
    parsed = remember(parsedSources, source, () => ({ expr: parseExpression(source), text: `\${{${source}}}` }));
  } catch (error) {
    throw asEvaluationError(error, `\${{${source}}}`);
  }
  return evaluate(parsed.expr, { scope, options, lenient: false, text: parsed.text });
}

function asEvaluationError(error: unknown, text: string): RunbookError {
  const message = error instanceof Error ? error.message : String(error);
  return new RunbookError('EXPRESSION', `cannot evaluate '${clip(text)}': ${message}`);
}

/** The text of a value inside a longer string. The message names the expression, never a value (it may be a secret). */
function interpolate(value: unknown, source: string, text: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  const expression = `\${{${source}}}`;
  const inText = `inside the text '${clip(text)}'`;
  if (value === undefined) {
    throw new RunbookError('EXPRESSION', `${expression} has no value ${inText}; check the name, or give a default with ??`);
  }
  if (value === null) throw new RunbookError('EXPRESSION', `${expression} is null ${inText}; give a default with ??`);
  throw new RunbookError(
    'EXPRESSION',
    `${expression} is ${Array.isArray(value) ? 'a list' : 'a mapping'} ${inText}, which cannot be written into text; pick one value from it, or make the expression the whole value`,
  );
}

function evaluate(expr: Expr, state: EvalState): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'name':
      return readRoot(expr.name, state);
    case 'member':
      return evaluateMember(expr, state);
    case 'not':
      return !truthy(evaluate(expr.operand, state));
    case 'binary':
      return evaluateBinary(expr, state);
  }
}

function readRoot(name: string, state: EvalState): unknown {
  switch (name) {
    case 'params':
      return state.scope.params;
    case 'steps':
      return state.scope.steps;
    case 'run':
      return state.scope.run;
    case 'item':
      return state.scope.item;
    case 'index':
      return state.scope.index;
    case 'env':
      throw new RunbookError('EXPRESSION', `in '${clip(state.text)}': name the variable to read, as in env.NAME`);
    default:
      throw new RunbookError(
        'EXPRESSION',
        `in '${clip(state.text)}': unknown name '${name}'; expressions read ${EXPRESSION_ROOTS.join(', ')}`,
      );
  }
}

function evaluateMember(expr: Extract<Expr, { kind: 'member' }>, state: EvalState): unknown {
  const key = propertyKey(expr.property, state);
  if (expr.object.kind === 'name' && expr.object.name === 'env') return readEnv(String(key), state);
  return readProperty(evaluate(expr.object, state), key);
}

function propertyKey(property: string | Expr, state: EvalState): string | number {
  if (typeof property === 'string') return property;
  const key = evaluate(property, state);
  if (typeof key === 'string' || (typeof key === 'number' && Number.isFinite(key))) return key;
  throw new RunbookError('EXPRESSION', `in '${clip(state.text)}': an index must be a number or a string, got ${typeName(key)}`);
}

function readEnv(name: string, state: EvalState): string | undefined {
  const value = Object.hasOwn(state.scope.env, name) ? state.scope.env[name] : undefined;
  if (value === undefined) {
    if (state.lenient) return undefined;
    throw new RunbookError(
      'ENV_MISSING',
      `environment variable ${name} is not set; set it, or give a default: \${{ env.${name} ?? 'value' }}`,
      { details: { variable: name } },
    );
  }
  state.options.onEnvRead?.(name, value);
  return value;
}

function evaluateBinary(expr: Extract<Expr, { kind: 'binary' }>, state: EvalState): unknown {
  switch (expr.operator) {
    case '??': {
      const left = evaluate(expr.left, { ...state, lenient: true });
      return left === undefined || left === null ? evaluate(expr.right, state) : left;
    }
    case '||': {
      const left = evaluate(expr.left, state);
      return truthy(left) ? left : evaluate(expr.right, state);
    }
    case '&&': {
      const left = evaluate(expr.left, state);
      return truthy(left) ? evaluate(expr.right, state) : left;
    }
    case '==':
      return sameData(evaluate(expr.left, state), evaluate(expr.right, state));
    case '!=':
      return !sameData(evaluate(expr.left, state), evaluate(expr.right, state));
    default:
      return compare(expr.operator, evaluate(expr.left, state), evaluate(expr.right, state), state);
  }
}

function compare(operator: '<' | '<=' | '>' | '>=', left: unknown, right: unknown, state: EvalState): boolean {
  const comparable = (typeof left === 'number' && typeof right === 'number') || (typeof left === 'string' && typeof right === 'string');
  if (!comparable) {
    throw new RunbookError(
      'EXPRESSION',
      `in '${clip(state.text)}': '${operator}' compares two numbers or two strings, got ${typeName(left)} and ${typeName(right)}`,
    );
  }
  const [a, b] = [left as number | string, right as number | string];
  switch (operator) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

function truthy(value: unknown): boolean {
  return Boolean(value);
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}
