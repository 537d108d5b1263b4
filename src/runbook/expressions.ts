// The ${{ }} expression language: a small, safe parser and evaluator over params, env, item, index and
// step outputs. No eval, no Function, no library; lookups read own properties of plain data only.
// This module is the public entry: the grammar is in expression-parser.ts, the evaluation in
// expression-eval.ts, and the static analysis of the references an expression reads is here.

import { RunbookError } from '../errors.js';
import { isPlainObject } from '../common/plain-data.js';
import { splitTemplate } from './expression-eval.js';
import { type Expr, OPEN, parseExpression, syntaxError } from './expression-parser.js';

export {
  evaluateCondition,
  evaluateTemplate,
  evaluateValue,
  hasExpression,
  isWholeExpression,
  splitTemplate,
  type EvaluateOptions,
  type Scope,
  type TemplatePart,
} from './expression-eval.js';
export { EXPRESSION_ROOTS, parseExpression, type BinaryOperator, type Expr } from './expression-parser.js';

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
