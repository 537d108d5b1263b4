// The environment variables a runbook reads, found without running it, so that a run can refuse to
// start (exit code 2) while one of them is not set, rather than fail halfway when a step reads it.

import type { Diagnostic } from '../errors.js';
import { formatPath, type DocPath } from './document.js';
import { parseExpression, splitTemplate, type Expr } from './expressions.js';
import { STEP_LISTS, allSteps, type ConnectionSpec, type Runbook } from './model.js';
import { isPlainObject } from '../common/plain-data.js';
import { anchorAt } from './check-expressions.js';

/** One `env.NAME` read, where it stands in the document. */
export interface EnvReference {
  name: string;
  path: DocPath;
  /** Index of the reference in the string value at `path`. */
  index: number;
  /** The string value that holds it. */
  text: string;
}

export interface EnvCheckOptions {
  /** Whether the `auth` blocks of connections are read (an offline preview does without credentials). */
  credentials: boolean;
  /** Connections whose entry is replaced before it is read (`--sim`), and whose env reads do not count. */
  replaced?: (name: string, spec: ConnectionSpec) => boolean;
  /** Whether the steps' `if`, `forEach` and `with` are read (not by `apply`: the plan holds their values). */
  steps?: boolean;
}

/**
 * Every `env.NAME` the runbook reads where a value is required: in the connections its steps use, and in
 * every step's `if`, `forEach` and `with` (unless `steps` is false). A read on the left of `??` has a default and is left out, and so
 * is a name computed at run time (`env[params.name]`). Expressions that do not parse were refused when the
 * runbook was validated; they are skipped here.
 */
export function requiredEnvReferences(runbook: Runbook, options: EnvCheckOptions): EnvReference[] {
  const out: EnvReference[] = [];
  const used = new Set(allSteps(runbook).map((s) => s.connection));
  for (const [name, spec] of Object.entries(runbook.connections)) {
    if (!used.has(name) || options.replaced?.(name, spec)) continue;
    for (const [key, value] of Object.entries(spec)) {
      if (key !== 'auth' || options.credentials) collect(value, ['connections', name, key], out);
    }
  }
  if (options.steps === false) return out;
  for (const list of STEP_LISTS) {
    (runbook[list] ?? []).forEach((step, i) => {
      if (step.if !== undefined) collect(step.if, [list, i, 'if'], out);
      if (step.forEach !== undefined) collect(step.forEach, [list, i, 'forEach'], out);
      collect(step.with, [list, i, 'with'], out);
    });
  }
  return out;
}

/** One ENV_MISSING diagnostic, at its file:line:col, for every required `env.NAME` that is not set. */
export function missingEnvironment(runbook: Runbook, env: Record<string, string | undefined>, options: EnvCheckOptions): Diagnostic[] {
  return requiredEnvReferences(runbook, options)
    .filter((ref) => !(Object.hasOwn(env, ref.name) && env[ref.name] !== undefined))
    .map((ref) => {
      const at = runbook.locate(ref.path, anchorAt(ref.text, ref.index));
      return {
        code: 'ENV_MISSING',
        message: `environment variable ${ref.name} is not set; set it, or give a default: \${{ env.${ref.name} ?? 'value' }}`,
        file: runbook.file,
        ...(at ? { line: at.line, column: at.column } : {}),
        path: formatPath(ref.path),
      };
    });
}

function collect(value: unknown, path: DocPath, out: EnvReference[]): void {
  if (typeof value === 'string') {
    if (value.includes('${{')) collectInString(value, path, out);
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) collect(v, [...path, i], out);
  } else if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) collect(v, [...path, k], out);
  }
}

function collectInString(text: string, path: DocPath, out: EnvReference[]): void {
  let parts: ReturnType<typeof splitTemplate>;
  try {
    parts = splitTemplate(text);
  } catch {
    return;
  }
  for (const part of parts) {
    if (part.kind !== 'expression') continue;
    let expr: Expr;
    try {
      expr = parseExpression(part.source);
    } catch {
      continue;
    }
    const base = part.offset + '${{'.length;
    for (const { name, start } of envReads(expr, false)) out.push({ name, path, index: base + start, text });
  }
}

/** The `env.NAME` reads of an expression that need a value: not under the left side of `??`. */
function envReads(expr: Expr, defaulted: boolean): { name: string; start: number }[] {
  switch (expr.kind) {
    case 'literal':
    case 'name':
      return [];
    case 'not':
      return envReads(expr.operand, defaulted);
    case 'binary':
      return [...envReads(expr.left, defaulted || expr.operator === '??'), ...envReads(expr.right, defaulted)];
    case 'member': {
      if (expr.object.kind === 'name' && expr.object.name === 'env') {
        const property = expr.property;
        const name =
          typeof property === 'string'
            ? property
            : property.kind === 'literal' && typeof property.value === 'string'
              ? property.value
              : undefined;
        return name === undefined || defaulted ? [] : [{ name, start: expr.start }];
      }
      const inProperty = typeof expr.property === 'string' ? [] : envReads(expr.property, defaulted);
      return [...envReads(expr.object, defaulted), ...inProperty];
    }
  }
}
