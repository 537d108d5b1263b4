// The ${{ }} expression language, its grammar: the expression tree, the tokenizer and the parser. What an
// expression means when it runs is in expression-eval.ts; src/runbook/expressions.ts is the public entry.

import { RunbookError } from '../errors.js';

/** The names an expression may start with. */
export const EXPRESSION_ROOTS = ['params', 'env', 'item', 'index', 'steps', 'run'] as const;

export type BinaryOperator = '??' | '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=';

/** A parsed expression. Offsets are 0-based indexes into the expression text. */
export type Expr =
  | { kind: 'literal'; value: string | number | boolean | null; start: number; end: number }
  | { kind: 'name'; name: string; start: number; end: number }
  | { kind: 'member'; object: Expr; property: string | Expr; start: number; end: number }
  | { kind: 'not'; operand: Expr; start: number; end: number }
  | { kind: 'binary'; operator: BinaryOperator; left: Expr; right: Expr; start: number; end: number };

const MAX_NESTING = 64;
/** Bounds the size of the tree, so that evaluating it cannot exhaust the stack. */
const MAX_TOKENS = 500;
export const OPEN = '${{';

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

export function syntaxError(message: string, details: Record<string, unknown>): RunbookError {
  return new RunbookError('EXPRESSION_SYNTAX', message, { details });
}

/** The text shortened for a message. */
export function clip(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
