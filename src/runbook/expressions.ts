// The ${{ }} expression language: a small, safe parser and evaluator over params, env, item, index and
// step outputs. No eval, no Function, no library; lookups read own properties of plain data only.

import { RunbookError } from '../errors.js';
import { isPlainObject, readProperty, sameData, setOwn } from '../common/plain-data.js';

/** What an expression can read while a step runs. */
export interface Scope {
  params: Record<string, unknown>;
  env: Record<string, string | undefined>;
  item?: unknown;
  index?: number;
  steps: Record<string, { outputs: Record<string, unknown> }>;
}

export interface EvaluateOptions {
  /** Called for every environment variable an expression reads (for example to redact its value). */
  onEnvRead?: (name: string, value: string) => void;
}

/** The names an expression may start with. */
export const EXPRESSION_ROOTS = ['params', 'env', 'item', 'index', 'steps'] as const;

export type BinaryOperator = '??' | '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A parsed expression. Offsets are 0-based indexes into the expression text. */
export type Expr =
  | { kind: 'literal'; value: string | number | boolean | null; start: number; end: number }
  | { kind: 'name'; name: string; start: number; end: number }
  | { kind: 'member'; object: Expr; property: string | Expr; start: number; end: number }
  | { kind: 'not'; operand: Expr; start: number; end: number }
  | { kind: 'binary'; operator: BinaryOperator; left: Expr; right: Expr; start: number; end: number };

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

/** A read of scope data found by `collectReferences`, for the static checks. */
export interface Reference {
  /** The name the path starts with (`params`, `env`, `item`, `index`, `steps`, or an unknown name). */
  root: string;
  /** The segments after the root as far as they are literal; a computed index is null. */
  path: (string | number | null)[];
  /** The source text of the reference, such as `params.hosts`. */
  text: string;
  /** Index of the reference in the string value that holds it. */
  offset: number;
}

const MAX_NESTING = 64;
/** Bounds the size of the tree, so that evaluating it cannot exhaust the stack. */
const MAX_TOKENS = 500;
const OPEN = '${{';

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
// Tokenizer

type Token =
  | { type: 'number'; value: number; start: number; end: number }
  | { type: 'string'; value: string; start: number; end: number }
  | { type: 'name'; value: string; start: number; end: number }
  | { type: 'punct'; value: string; start: number; end: number }
  | { type: 'end'; value: ''; start: number; end: number };

const TWO_CHAR = new Set(['==', '!=', '<=', '>=', '&&', '||', '??']);
const ONE_CHAR = new Set(['.', '[', ']', '(', ')', '!', '<', '>']);
const MISTAKES: Record<string, string> = {
  '=': "use '==' to compare",
  '&': "use '&&' for 'and'",
  '|': "use '||' for 'or'",
  '?': "use '??' for a default value",
  '+': 'arithmetic is not supported',
  '-': 'arithmetic is not supported',
  '*': 'arithmetic is not supported',
  '/': 'arithmetic is not supported',
  '%': 'arithmetic is not supported',
  ',': 'lists and function calls are not supported',
  '{': 'mapping literals are not supported',
  '}': 'a lone } is not allowed here',
  $: '${{ cannot be nested inside another expression',
};

const NAME_START = /[A-Za-z_]/;
const NAME_AFTER_DOT = /[A-Za-z0-9_]/;
const NAME_PART = /[A-Za-z0-9_-]/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (tokens.length > MAX_TOKENS) {
      throw syntaxError(`the expression is too long (more than ${MAX_TOKENS} parts); split the work over params or steps`, { offset: 0 });
    }
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const start = i;
    const previous = tokens[tokens.length - 1];
    const afterDot = previous?.type === 'punct' && previous.value === '.' && previous.end === start;
    if (afterDot && NAME_AFTER_DOT.test(c)) {
      while (i < text.length && NAME_PART.test(text[i]!)) i++;
      tokens.push({ type: 'name', value: text.slice(start, i), start, end: i });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '-' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const match = /^-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i))!;
      i += match[0].length;
      if (i < text.length && NAME_PART.test(text[i]!)) {
        throw syntaxError(`'${text.slice(start, i + 1)}' is not a number`, { offset: start });
      }
      const value = Number(match[0]);
      if (!Number.isFinite(value)) throw syntaxError(`the number ${match[0]} is too large`, { offset: start });
      tokens.push({ type: 'number', value, start, end: i });
      continue;
    }
    if (c === "'" || c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length)
          throw syntaxError(`the string that starts at column ${start + 1} is not closed; close it with ${c}`, { offset: start });
        const d = text[i]!;
        if (d === c) break;
        if (d === '\\') {
          const escaped = ESCAPES[text[i + 1] ?? ''];
          if (escaped === undefined)
            throw syntaxError(`unknown escape '\\${text[i + 1] ?? ''}' in a string; write \\\\ for a backslash`, { offset: i });
          value += escaped;
          i += 2;
        } else {
          value += d;
          i++;
        }
      }
      i++;
      tokens.push({ type: 'string', value, start, end: i });
      continue;
    }
    if (NAME_START.test(c)) {
      while (i < text.length && NAME_PART.test(text[i]!)) i++;
      tokens.push({ type: 'name', value: text.slice(start, i), start, end: i });
      continue;
    }
    const two = text.slice(i, i + 2);
    if (TWO_CHAR.has(two)) {
      tokens.push({ type: 'punct', value: two, start, end: i + 2 });
      i += 2;
      continue;
    }
    if (ONE_CHAR.has(c)) {
      tokens.push({ type: 'punct', value: c, start, end: i + 1 });
      i++;
      continue;
    }
    const hint = MISTAKES[c];
    throw syntaxError(`unexpected '${c}'${hint ? `: ${hint}` : ''}`, { offset: start });
  }
  tokens.push({ type: 'end', value: '', start: text.length, end: text.length });
  return tokens;
}

// ---------------------------------------------------------------------------------------------------
// Parser

/**
 * Parses one expression. `text` is what stands between `${{` and `}}` (a whole `${{ ... }}` is accepted
 * too). Throws RunbookError EXPRESSION_SYNTAX whose details hold the 1-based `column` inside `text`.
 */
export function parseExpression(text: string): Expr {
  let source = text;
  let shift = 0;
  const trimmed = text.trim();
  if (trimmed.startsWith(OPEN) && trimmed.endsWith('}}')) {
    shift = text.indexOf(OPEN) + OPEN.length;
    source = text.slice(shift, text.lastIndexOf('}}'));
  }
  try {
    return new Parser(source).parseAll();
  } catch (error) {
    if (error instanceof RunbookError && typeof error.details?.offset === 'number') {
      const column = error.details.offset + shift + 1;
      throw syntaxError(`${error.message} (column ${column} of '${clip(text)}')`, {
        offset: error.details.offset + shift,
        column,
        reason: error.message,
      });
    }
    throw error;
  }
}

class Parser {
  readonly #tokens: Token[];
  #at = 0;
  #depth = 0;

  constructor(readonly text: string) {
    this.#tokens = tokenize(text);
  }

  parseAll(): Expr {
    if (this.#peek().type === 'end') throw syntaxError('empty expression: write something between ${{ and }}', { offset: 0 });
    const expr = this.#coalesce();
    const next = this.#peek();
    if (next.type !== 'end') {
      const hint = next.type === 'punct' && next.value === '(' ? ': function calls are not supported' : '';
      throw syntaxError(`unexpected ${describeToken(next)} after a complete expression${hint}`, { offset: next.start });
    }
    return expr;
  }

  #peek(): Token {
    return this.#tokens[this.#at]!;
  }

  #take(): Token {
    return this.#tokens[this.#at++]!;
  }

  #isPunct(...values: string[]): boolean {
    const t = this.#peek();
    return t.type === 'punct' && values.includes(t.value);
  }

  #binary(next: () => Expr, operators: BinaryOperator[]): Expr {
    let left = next();
    while (this.#isPunct(...operators)) {
      const operator = this.#take().value as BinaryOperator;
      const right = next();
      left = { kind: 'binary', operator, left, right, start: left.start, end: right.end };
    }
    return left;
  }

  #coalesce = (): Expr => this.#binary(this.#or, ['??']);
  #or = (): Expr => this.#binary(this.#and, ['||']);
  #and = (): Expr => this.#binary(this.#equality, ['&&']);
  #equality = (): Expr => this.#binary(this.#relational, ['==', '!=']);
  #relational = (): Expr => this.#binary(this.#unary, ['<', '<=', '>', '>=']);

  #unary = (): Expr => {
    if (this.#isPunct('!')) {
      const bang = this.#take();
      const operand = this.#nested(this.#unary, bang.start);
      return { kind: 'not', operand, start: bang.start, end: operand.end };
    }
    return this.#postfix();
  };

  #nested(parse: () => Expr, offset: number): Expr {
    if (++this.#depth > MAX_NESTING) throw syntaxError(`the expression nests more than ${MAX_NESTING} levels deep`, { offset });
    try {
      return parse();
    } finally {
      this.#depth--;
    }
  }

  #postfix(): Expr {
    let expr = this.#primary();
    for (;;) {
      if (this.#isPunct('.')) {
        const dot = this.#take();
        const name = this.#peek();
        if (name.type !== 'name' || name.start !== dot.end) {
          throw syntaxError(`expected a name right after '.', found ${describeToken(name)}`, { offset: name.start });
        }
        this.#take();
        expr = { kind: 'member', object: expr, property: name.value, start: expr.start, end: name.end };
      } else if (this.#isPunct('[')) {
        const open = this.#take();
        if (this.#isPunct(']')) throw syntaxError("expected an index or a quoted key inside '[]'", { offset: this.#peek().start });
        const index = this.#nested(this.#coalesce, open.start);
        const close = this.#take();
        if (close.type !== 'punct' || close.value !== ']') {
          throw syntaxError(`expected ']' to close the '[' at column ${open.start + 1}, found ${describeToken(close)}`, {
            offset: close.start,
          });
        }
        const property = index.kind === 'literal' && typeof index.value === 'string' ? index.value : index;
        expr = { kind: 'member', object: expr, property, start: expr.start, end: close.end };
      } else if (this.#isPunct('(')) {
        throw syntaxError('function calls are not supported', { offset: this.#peek().start });
      } else {
        return expr;
      }
    }
  }

  #primary(): Expr {
    const token = this.#take();
    const { start, end } = token;
    switch (token.type) {
      case 'number':
        return { kind: 'literal', value: token.value, start, end };
      case 'string':
        return { kind: 'literal', value: token.value, start, end };
      case 'name':
        if (token.value === 'true' || token.value === 'false') return { kind: 'literal', value: token.value === 'true', start, end };
        if (token.value === 'null') return { kind: 'literal', value: null, start, end };
        return { kind: 'name', name: token.value, start, end };
      case 'punct':
        if (token.value === '(') {
          const inner = this.#nested(this.#coalesce, start);
          const close = this.#take();
          if (close.type !== 'punct' || close.value !== ')') {
            throw syntaxError(`expected ')' to close the '(' at column ${start + 1}, found ${describeToken(close)}`, {
              offset: close.start,
            });
          }
          return { ...inner, start, end: close.end };
        }
        throw syntaxError(`unexpected ${describeToken(token)}; expected a value, a name or '('`, { offset: start });
      case 'end':
        throw syntaxError('the expression ends too early; a value is missing', { offset: start });
    }
  }
}

function describeToken(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'the end of the expression';
    case 'string':
      return `string ${JSON.stringify(token.value)}`;
    case 'number':
      return `number ${token.value}`;
    default:
      return `'${token.value}'`;
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
 * expression takes the expression's value and type; inside longer text the value is interpolated
 * (lists and mappings as JSON). Throws RunbookError EXPRESSION, or ENV_MISSING for an unset variable.
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
    const result = evaluateSource(part.source, scope, options);
    if (result === undefined) {
      throw new RunbookError(
        'EXPRESSION',
        `\${{${part.source}}} has no value inside the text '${clip(text)}'; check the name, or give a default with ??`,
      );
    }
    out += interpolate(result);
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

function interpolate(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
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

// ---------------------------------------------------------------------------------------------------
// Static analysis

/**
 * Every scope read in the expressions of a value (deep). Throws EXPRESSION_SYNTAX (details.offset =
 * index in the string) for an expression that does not parse.
 */
export function collectReferences(value: unknown): Reference[] {
  const out: Reference[] = [];
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      if (v.includes(OPEN)) for (const reference of referencesInString(v)) out.push(reference);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (isPlainObject(v)) Object.values(v).forEach(visit);
  };
  visit(value);
  return out;
}

/** The references of one string value, with offsets into that string. Throws EXPRESSION_SYNTAX. */
export function referencesInString(text: string): Reference[] {
  const out: Reference[] = [];
  for (const part of splitTemplate(text)) {
    if (part.kind !== 'expression') continue;
    const base = part.offset + OPEN.length;
    let expr: Expr;
    try {
      expr = parseExpression(part.source);
    } catch (error) {
      if (error instanceof RunbookError && typeof error.details?.offset === 'number') {
        throw syntaxError(error.message, { offset: base + error.details.offset, reason: error.details.reason ?? error.message });
      }
      throw error;
    }
    collectFromExpr(expr, part.source, base, out);
  }
  return out;
}

function collectFromExpr(expr: Expr, source: string, base: number, out: Reference[]): void {
  switch (expr.kind) {
    case 'literal':
      return;
    case 'not':
      return collectFromExpr(expr.operand, source, base, out);
    case 'binary':
      collectFromExpr(expr.left, source, base, out);
      return collectFromExpr(expr.right, source, base, out);
    case 'name':
    case 'member': {
      const chain: (string | number | null)[] = [];
      let node: Expr = expr;
      while (node.kind === 'member') {
        const property = node.property;
        if (typeof property === 'string') chain.unshift(property);
        else {
          chain.unshift(property.kind === 'literal' && typeof property.value === 'number' ? property.value : null);
          collectFromExpr(property, source, base, out);
        }
        node = node.object;
      }
      if (node.kind === 'name') {
        out.push({ root: node.name, path: chain, text: source.slice(expr.start, expr.end), offset: base + expr.start });
      } else {
        collectFromExpr(node, source, base, out);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------

function syntaxError(message: string, details: Record<string, unknown>): RunbookError {
  return new RunbookError('EXPRESSION_SYNTAX', message, { details });
}

function clip(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
