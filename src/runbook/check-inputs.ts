// The checks of action inputs that their schema marks: `format: regex` inputs hold a pattern that compiles
// safely, and path inputs (`pathInputs`) are shaped by the runbook's literal text.

import type { ActionDefinition } from '../contracts/action.js';
import type { DocPath, Problem } from './document.js';
import { parseExpression, splitTemplate, type Expr } from './expressions.js';
import { isPlainObject } from '../common/plain-data.js';
import { describeValue } from './schema-errors.js';
import { regexInputProblem } from '../common/regex-input.js';
import { PARAM_TYPE_PHRASES } from './check-params.js';
import { anchorAt } from './check-expressions.js';

/** Inputs whose schema says `format: regex`: a literal pattern is checked here, one with `\${{ }}` when planned. */
export function checkRegexInputs(
  inputs: Record<string, unknown>,
  action: ActionDefinition,
  path: DocPath,
  label: string,
  add: (problem: Problem) => void,
): void {
  const properties = isPlainObject(action.inputs.properties) ? action.inputs.properties : {};
  for (const [name, schema] of Object.entries(properties)) {
    const text = Object.hasOwn(inputs, name) ? inputs[name] : undefined;
    if (!isPlainObject(schema) || schema.format !== 'regex' || typeof text !== 'string' || text.includes('${{')) continue;
    // A pattern too long for the schema's maxLength is reported by the schema.
    const problem = typeof schema.maxLength === 'number' && text.length > schema.maxLength ? undefined : regexInputProblem(text);
    if (problem !== undefined) add({ code: 'SCHEMA', message: `input '${name}' of ${label} ${problem}`, path: [...path, 'with', name] });
  }
}

/**
 * Path inputs are shaped by the runbook's literal text only: it starts the path and holds no `?` or `#`,
 * and each `${{ }}` must yield a string or a number, which becomes one encoded segment. Values whose type
 * is known before the run (literals, typed params, a literal forEach list) are checked here.
 */
export function checkPathInputs(
  step: Record<string, unknown>,
  inputs: Record<string, unknown>,
  names: readonly string[],
  where: { path: DocPath; label: string; params: Record<string, unknown> },
  add: (problem: Problem) => void,
): void {
  const { path, label, params } = where;
  for (const name of names) {
    const text = inputs[name];
    if (typeof text !== 'string' || !Object.hasOwn(inputs, name)) continue;
    const at = [...path, 'with', name];
    const what = `input '${name}' of ${label}`;
    let parts: ReturnType<typeof splitTemplate>;
    try {
      parts = splitTemplate(text);
    } catch {
      continue; // the expression checks report it
    }
    if (parts[0]?.kind === 'expression') {
      add({
        code: 'SCHEMA',
        message: `${what} must start with the path written out, as in /hosts/\${{ params.host }}: a \${{ }} value fills exactly one path segment`,
        path: at,
      });
    }
    for (const part of parts) {
      if (part.kind === 'text') {
        if (/[?#]/.test(part.text)) {
          add({ code: 'SCHEMA', message: `${what} must not contain '?' or '#'; give query parameters in query:`, path: at });
        }
        continue;
      }
      let expr: Expr;
      try {
        expr = parseExpression(part.source);
      } catch {
        continue;
      }
      const kind = staticKind(expr, step, params);
      if (kind !== undefined) {
        add({
          code: 'SCHEMA',
          message: `${what}: \${{${part.source}}} is ${kind}; a value in a URL path must be a string or a number, and becomes exactly one path segment`,
          path: at,
          inString: anchorAt(text, part.offset),
        });
      }
    }
  }
}

/** What an expression yields when that is known before the run and is neither a string nor a number. */
function staticKind(expr: Expr, step: Record<string, unknown>, params: Record<string, unknown>): string | undefined {
  if (expr.kind === 'literal') return expr.value === null ? 'null' : typeof expr.value === 'boolean' ? 'true or false' : undefined;
  if (expr.kind === 'not' || (expr.kind === 'binary' && expr.operator !== '??' && expr.operator !== '||' && expr.operator !== '&&'))
    return 'true or false';
  if (expr.kind === 'member' && typeof expr.property === 'string' && expr.object.kind === 'name' && expr.object.name === 'params') {
    const spec = Object.hasOwn(params, expr.property) ? params[expr.property] : undefined;
    const type = isPlainObject(spec) ? spec.type : undefined;
    if (type === 'array' || type === 'object' || type === 'boolean') return `param '${expr.property}', ${PARAM_TYPE_PHRASES[type]}`;
    return undefined;
  }
  if (expr.kind === 'name' && expr.name === 'item' && Array.isArray(step.forEach)) {
    const bad = step.forEach.find((v: unknown) => typeof v !== 'string' && typeof v !== 'number');
    if (bad !== undefined) return `an element of forEach that is ${describeValue(bad)}`;
  }
  return undefined;
}
