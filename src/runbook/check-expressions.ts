// The checks of `${{ }}` expressions in a runbook: their syntax, and that every name they read exists and
// may be read where the expression is (params, env, item and index, the outputs of earlier steps).

import { RunbookError } from '../errors.js';
import type { DocPath, Problem } from './document.js';
import { EXPRESSION_ROOTS, referencesInString, type Reference } from './expressions.js';
import { isPlainObject, UNSAFE_KEYS } from '../common/plain-data.js';
import { didYouMean } from './suggest.js';
import type { StepList } from './model.js';

export interface ExpressionPlace {
  /** How to name the place in messages: `in connection 'ocp'`, `in the with: of step 'stop'`. */
  where: string;
  /** Why `item`/`index` cannot be read here; undefined when they can. */
  noItem?: string;
  /** Why step outputs cannot be read here; undefined when they can (from steps before `stepIndex`). */
  noSteps?: string;
  stepIndex: number;
  /** The list of the step the expression is in (`steps` by default); `run.*` is read in onFailure and finally only. */
  list?: StepList;
}

/** What an expression may read of a step. */
const STEP_FIELDS = ['outputs', 'status', 'changed'];

const MAX_WALK_DEPTH = 200;

/** Checks expressions against the params and step ids of one runbook; problems go to `add`. */
export class ExpressionCheck {
  constructor(
    readonly params: Record<string, unknown>,
    readonly stepIds: Record<StepList, string[]>,
    readonly add: (problem: Problem) => void,
  ) {}

  /** Checks the syntax and the references of every expression in a value. */
  check(value: unknown, path: DocPath, place: ExpressionPlace, depth = 0): void {
    if (depth > MAX_WALK_DEPTH) return;
    if (typeof value === 'string') {
      if (value.includes('${{')) this.#checkString(value, path, place);
    } else if (Array.isArray(value)) {
      for (const [i, v] of value.entries()) this.check(v, [...path, i], place, depth + 1);
    } else if (isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) this.check(v, [...path, k], place, depth + 1);
    }
  }

  #checkString(text: string, path: DocPath, place: ExpressionPlace): void {
    let references: Reference[];
    try {
      references = referencesInString(text);
    } catch (error) {
      if (error instanceof RunbookError && error.code === 'EXPRESSION_SYNTAX') {
        const index = typeof error.details?.offset === 'number' ? error.details.offset : 0;
        const reason = typeof error.details?.reason === 'string' ? error.details.reason : error.message;
        this.add({
          code: 'EXPRESSION_SYNTAX',
          message: `invalid expression ${place.where}: ${reason}`,
          path,
          inString: anchorAt(text, index),
        });
        return;
      }
      throw error;
    }
    for (const reference of references) {
      const message = this.#referenceProblem(reference, place);
      if (message)
        this.add({
          code: 'UNKNOWN_REFERENCE',
          message: `${message} (in \${{ ${reference.text} }} ${place.where})`,
          path,
          inString: anchorAt(text, reference.offset),
        });
    }
  }

  /** What is wrong with a reference, or undefined when it may be read here. */
  #referenceProblem(reference: Reference, place: ExpressionPlace): string | undefined {
    const [first, second] = reference.path;
    switch (reference.root) {
      case 'params': {
        if (typeof first !== 'string' && typeof first !== 'number') return undefined;
        const name = String(first);
        if (Object.hasOwn(this.params, name) && !UNSAFE_KEYS.has(name)) return undefined;
        const declared = Object.keys(this.params);
        return `unknown param '${name}'${didYouMean(name, declared) || (declared.length === 0 ? '; declare it under params:' : `; declared params: ${declared.join(', ')}`)}`;
      }
      case 'env':
        return reference.path.length === 0 ? 'name the environment variable to read, as in env.NAME' : undefined;
      case 'item':
      case 'index':
        return place.noItem;
      case 'steps':
        return place.noSteps ?? this.#stepReferenceProblem(first, second, place.stepIndex, place.list ?? 'steps');
      case 'run':
        if (place.list === undefined || place.list === 'steps')
          return "'run' is read only in the steps of onFailure: and finally: (it holds the status of the main steps)";
        return first === 'status' ? undefined : "write run.status: it is the only field of 'run'";
      default:
        return `unknown name '${reference.root}'${didYouMean(reference.root, EXPRESSION_ROOTS)}; expressions read ${EXPRESSION_ROOTS.join(', ')}`;
    }
  }

  #stepReferenceProblem(
    id: string | number | null | undefined,
    next: string | number | null | undefined,
    current: number,
    list: StepList,
  ): string | undefined {
    if (id === null) return undefined;
    if (id === undefined) return 'name a step, as in steps.<id>.outputs.<name>';
    const name = String(id);
    const main = this.stepIds.steps;
    const index = main.indexOf(name);
    const own = this.stepIds[list];
    const earlier = own.slice(0, current).filter((s) => s !== '');
    const handler = index >= 0 ? undefined : (['onFailure', 'finally'] as const).find((l) => this.stepIds[l].includes(name));
    if (index < 0 && handler === undefined) {
      const known = [...main, ...this.stepIds.onFailure, ...this.stepIds.finally].filter((s) => s !== '');
      return `unknown step '${name}'${didYouMean(name, known) || (earlier.length > 0 ? `; earlier steps: ${earlier.join(', ')}` : '')}`;
    }
    const problem = this.#orderProblem(name, list, current, handler);
    if (problem !== undefined) return problem;
    if (next === 'changed' && index < 0) return `steps.${name}.changed is read of main steps only; '${name}' is a ${handler} step`;
    if (next !== undefined && next !== null && !STEP_FIELDS.includes(String(next)))
      return `unknown field '${String(next)}' of step '${name}': write steps.${name}.outputs.<name> to read an output of it, or steps.${name}.status, steps.${name}.changed`;
    return undefined;
  }

  /** Why the step `name` has not run yet where the expression is, or undefined when it has. */
  #orderProblem(name: string, list: StepList, current: number, handler: StepList | undefined): string | undefined {
    if (handler === undefined) {
      // A main step: every one has run by the time onFailure and finally run.
      if (list !== 'steps') return undefined;
      const index = this.stepIds.steps.indexOf(name);
      if (index === current) return `a step cannot read its own outputs ('${name}')`;
      if (index > current) return `step '${name}' runs later; a step can read the outputs of earlier steps only`;
      return undefined;
    }
    if (list === 'steps') return `step '${name}' is a ${handler} step, which runs after the main steps; a main step cannot read it`;
    if (handler !== list) {
      // finally runs after onFailure (whose steps may have been skipped); onFailure runs before finally.
      return list === 'finally'
        ? undefined
        : `step '${name}' is a finally step, which runs after onFailure; an onFailure step cannot read it`;
    }
    const index = this.stepIds[list].indexOf(name);
    if (index === current) return `a step cannot read its own outputs ('${name}')`;
    if (index > current) return `${list} step '${name}' runs later; a step can read the steps that ran before it only`;
    return undefined;
  }
}

/** Where in a string value a problem is, anchored on the text from the enclosing `${{` to the end of its line. */
export function anchorAt(text: string, index: number): Problem['inString'] {
  const open = text.lastIndexOf('${{', index);
  const start = open < 0 ? index : open;
  const end = text.indexOf('\n', index);
  return { anchor: text.slice(start, end < 0 ? text.length : end), anchorIndex: start, index };
}
