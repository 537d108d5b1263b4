// The rules a schema cannot say, checked over a parsed runbook: reserved names, unknown actions and
// connections, the connection a step's action needs, duplicate step ids, where `${{ }}` is allowed and what
// it may read, and the checks of params, action inputs and step timing in the check-*.ts files.

import type { Registry } from '../actions/registry.js';
import type { ActionDefinition } from '../contracts/action.js';
import { formatPath, type DocPath, type Problem } from './document.js';
import { STEP_LISTS, type StepList } from './model.js';
import { isPlainObject, UNSAFE_KEYS } from '../common/plain-data.js';
import { didYouMean } from './suggest.js';
import { ExpressionCheck, type ExpressionPlace } from './check-expressions.js';
import { checkParam } from './check-params.js';
import { checkPathInputs, checkRegexInputs } from './check-inputs.js';
import { checkDurationLimits, checkRetryDelays, checkRolloutGrows } from './check-schedule.js';

export interface ValidateOptions {
  /** The line of a path, so that a message can name where something was first written. */
  lineOf?: (path: DocPath) => number | undefined;
}

/** How messages name a step: by its id, or by its place when it has none; a handler step by its list too. */
export function stepLabel(data: unknown, index: number, list: StepList = 'steps'): string {
  const steps = isPlainObject(data) ? data[list] : undefined;
  const step = Array.isArray(steps) ? (steps[index] as unknown) : undefined;
  const prefix = list === 'steps' ? '' : `${list} `;
  return isPlainObject(step) && typeof step.id === 'string' ? `${prefix}step '${step.id}'` : `${list}[${index}]`;
}

/** The built-in action that undoes what the run changed; allowed in onFailure and finally only. */
export const REVERT_ACTION = 'core.revert';

export class SemanticCheck {
  readonly #problems: Problem[] = [];
  readonly #data: Record<string, unknown>;
  readonly #params: Record<string, unknown>;
  readonly #connections: Record<string, unknown>;
  readonly #lists: Record<StepList, unknown[]>;
  readonly #expressions: ExpressionCheck;

  constructor(
    data: unknown,
    readonly registry: Registry,
    readonly options: ValidateOptions,
  ) {
    this.#data = isPlainObject(data) ? data : {};
    this.#params = isPlainObject(this.#data.params) ? this.#data.params : {};
    this.#connections = isPlainObject(this.#data.connections) ? this.#data.connections : {};
    const listOf = (list: StepList): unknown[] => {
      const steps = this.#data[list];
      return Array.isArray(steps) ? steps : [];
    };
    this.#lists = { steps: listOf('steps'), onFailure: listOf('onFailure'), finally: listOf('finally') };
    const idsOf = (list: StepList): string[] => this.#lists[list].map((s) => (isPlainObject(s) && typeof s.id === 'string' ? s.id : ''));
    this.#expressions = new ExpressionCheck(
      this.#params,
      { steps: idsOf('steps'), onFailure: idsOf('onFailure'), finally: idsOf('finally') },
      (problem) => this.#add(problem),
    );
  }

  run(): Problem[] {
    const add = (problem: Problem): void => this.#add(problem);
    for (const [name, spec] of Object.entries(this.#params)) checkParam(name, spec, add);
    for (const [name, spec] of Object.entries(this.#connections)) this.#checkConnection(name, spec);
    if (Array.isArray(this.#data.plugins)) {
      for (const [i, p] of (this.#data.plugins as unknown[]).entries()) this.#refuseExpression(p, ['plugins', i], 'plugins');
    }
    const firstById = new Map<string, DocPath>();
    for (const list of STEP_LISTS) {
      this.#lists[list].forEach((step, index) => {
        if (isPlainObject(step)) this.#checkStep(step, list, index, firstById);
      });
    }
    return this.#problems;
  }

  #add(problem: Problem): void {
    this.#problems.push(problem);
  }

  #checkConnection(name: string, spec: unknown): void {
    const path = ['connections', name];
    if (UNSAFE_KEYS.has(name)) {
      this.#add({ code: 'SCHEMA', message: `connection name '${name}' is reserved; choose another name`, path, at: 'key' });
      return;
    }
    if (!isPlainObject(spec)) return;
    if (typeof spec.type === 'string' && !this.registry.connection(spec.type)) {
      const known = this.registry.connections().map((c) => c.definition.type);
      const list = known.length > 0 ? ` (registered types: ${known.join(', ')})` : ' (no connection type is registered)';
      this.#add({
        code: 'UNKNOWN_CONNECTION_TYPE',
        message: `connection '${name}' has type '${spec.type}', which is not registered${didYouMean(spec.type, known) || list}`,
        path: [...path, 'type'],
      });
    }
    this.#refuseExpression(spec.type, [...path, 'type'], `the type of connection '${name}'`);
    const place: ExpressionPlace = {
      where: `in connection '${name}'`,
      noItem: 'connections can read only params and env',
      noSteps: 'connections can read only params and env',
      stepIndex: 0,
    };
    for (const [key, value] of Object.entries(spec)) {
      if (key !== 'type') this.#expressions.check(value, [...path, key], place);
    }
  }

  #checkStep(step: Record<string, unknown>, list: StepList, index: number, firstById: Map<string, DocPath>): void {
    const path: DocPath = [list, index];
    const label = stepLabel(this.#data, index, list);
    const add = (problem: Problem): void => this.#add(problem);
    this.#checkStepId(step, path, firstById);
    const action = this.#checkAction(step, path);
    if (step.action === REVERT_ACTION) this.#checkRevert(step, list, path, label);
    this.#checkConnectionOf(step, path, label, action);
    if (action?.pathInputs && isPlainObject(step.with))
      checkPathInputs(step, step.with, action.pathInputs, { path, label, params: this.#params }, add);
    if (action && isPlainObject(step.with)) checkRegexInputs(step.with, action, path, label, add);

    const hasForEach = Object.hasOwn(step, 'forEach') && step.forEach !== undefined && step.forEach !== null;
    if (Object.hasOwn(step, 'rollout') && !hasForEach) {
      this.#add({
        code: 'SCHEMA',
        message: `rollout needs forEach: ${label} has a single operation to run, nothing to batch`,
        path: [...path, 'rollout'],
        at: 'key',
      });
    }
    checkDurationLimits(step, path, label, add);
    checkRolloutGrows(step, path, label, add);
    checkRetryDelays(step, path, label, add);

    const itemOutsideForEach = `'item' and 'index' exist only in the with: of a step that has forEach, and ${label} has none`;
    const stepPlace = (where: string, noItem: string | undefined): ExpressionPlace => ({
      where,
      ...(noItem === undefined ? {} : { noItem }),
      stepIndex: index,
      list,
    });
    const itemNotYet = "'item' and 'index' are not defined yet while forEach and if are evaluated (they hold one element of forEach)";
    this.#expressions.check(step.forEach, [...path, 'forEach'], stepPlace(`in the forEach of ${label}`, itemNotYet));
    this.#expressions.check(step.if, [...path, 'if'], stepPlace(`in the if of ${label}`, itemNotYet));
    // A with: that is not a mapping is refused by the schema; its expressions would only repeat that.
    if (isPlainObject(step.with))
      this.#expressions.check(
        step.with,
        [...path, 'with'],
        stepPlace(`in the with: of ${label}`, hasForEach ? undefined : itemOutsideForEach),
      );
    this.#refuseExpression(step.name, [...path, 'name'], `the name of ${label}`);
    this.#refuseExpression(step.connection, [...path, 'connection'], `the connection of ${label}`);
    this.#refuseExpression(step.action, [...path, 'action'], `the action of ${label}`);
  }

  #checkStepId(step: Record<string, unknown>, path: DocPath, firstById: Map<string, DocPath>): void {
    if (typeof step.id === 'string' && UNSAFE_KEYS.has(step.id)) {
      // Expressions never read prototype keys, so steps.constructor.outputs could not be read.
      this.#add({ code: 'SCHEMA', message: `step id '${step.id}' is reserved; choose another id`, path: [...path, 'id'] });
    } else if (typeof step.id === 'string') {
      const first = firstById.get(step.id);
      if (first === undefined) firstById.set(step.id, path);
      else {
        const line = this.options.lineOf?.([...first, 'id']);
        const where = line === undefined ? formatPath(first) : `line ${line}`;
        this.#add({
          code: 'DUPLICATE_STEP_ID',
          message: `step id '${step.id}' is already used by the step on ${where}; step ids must be unique${first[0] === 'steps' && path[0] === 'steps' ? '' : ' across steps, onFailure and finally'}`,
          path: [...path, 'id'],
        });
      }
    }
  }

  /**
   * core.revert: only in onFailure and finally; `with.steps` names main steps; every step it would undo
   * has an action that can be undone, unless `with.skipIrreversible` is true.
   */
  #checkRevert(step: Record<string, unknown>, list: StepList, path: DocPath, label: string): void {
    if (list === 'steps') {
      this.#add({
        code: 'SCHEMA',
        message: `${label} runs ${REVERT_ACTION}, which undoes what the run changed: put it under onFailure: or finally:, not steps:`,
        path: [...path, 'action'],
      });
      return;
    }
    const inputs = isPlainObject(step.with) ? step.with : {};
    const mainSteps = this.#lists.steps.filter(isPlainObject);
    const mainIds = mainSteps.map((s) => (typeof s.id === 'string' ? s.id : ''));
    let undone = mainSteps;
    if (Array.isArray(inputs.steps)) {
      undone = [];
      for (const [i, id] of (inputs.steps as unknown[]).entries()) {
        if (typeof id !== 'string') continue;
        const at = mainIds.indexOf(id);
        if (at >= 0) {
          undone.push(mainSteps[at]!);
          continue;
        }
        const elsewhere = [...this.#lists.onFailure, ...this.#lists.finally].some((s) => isPlainObject(s) && s.id === id);
        this.#add({
          code: 'UNKNOWN_REFERENCE',
          message: elsewhere
            ? `${label} names step '${id}', which is not a main step: ${REVERT_ACTION} undoes steps of steps: only`
            : `${label} names step '${id}', which is not a step of this runbook${
                didYouMean(
                  id,
                  mainIds.filter((s) => s !== ''),
                ) || `; main steps: ${mainIds.filter((s) => s !== '').join(', ')}`
              }`,
          path: [...path, 'with', 'steps', i],
        });
      }
    }
    if (inputs.skipIrreversible === true) return;
    for (const target of undone) {
      if (typeof target.action !== 'string') continue;
      const action = this.registry.action(target.action)?.definition;
      if (!action?.mutates || action.changesNothing === true || action.revert !== undefined) continue;
      this.#add({
        code: 'IRREVERSIBLE',
        message: `${label} would undo step '${String(target.id)}', but its action ${action.name} changes things and declares no inverse; name only the steps to undo in with.steps, or give with: { skipIrreversible: true } to leave its changes as they are`,
        path: [...path, 'action'],
      });
    }
  }

  #checkAction(step: Record<string, unknown>, path: DocPath): ActionDefinition | undefined {
    if (typeof step.action !== 'string') return undefined;
    const registered = this.registry.action(step.action);
    if (registered) return registered.definition;
    if (step.action.includes('${{')) return undefined;
    const names = this.registry.actionNames();
    const hint = didYouMean(step.action, names);
    const list =
      hint || (names.length === 0 ? '; no action is registered' : names.length <= 12 ? ` (registered: ${names.join(', ')})` : '');
    this.#add({ code: 'UNKNOWN_ACTION', message: `unknown action '${step.action}'${list}`, path: [...path, 'action'] });
    return undefined;
  }

  #checkConnectionOf(step: Record<string, unknown>, path: DocPath, label: string, action: ActionDefinition | undefined): void {
    const name = typeof step.connection === 'string' ? step.connection : undefined;
    const declared = Object.keys(this.#connections);
    if (name !== undefined && !Object.hasOwn(this.#connections, name)) {
      const list =
        declared.length === 0 ? '; declare it under connections:' : didYouMean(name, declared) || ` (declared: ${declared.join(', ')})`;
      this.#add({
        code: 'UNKNOWN_CONNECTION',
        message: `${label} names connection '${name}', which is not declared${list}`,
        path: [...path, 'connection'],
      });
      return;
    }
    if (!action) return;
    const needed = action.connection;
    if (needed === undefined) {
      if (name !== undefined) {
        this.#add({
          code: 'CONNECTION_TYPE_MISMATCH',
          message: `action ${action.name} talks to no server; remove 'connection: ${name}' from ${label}`,
          path: [...path, 'connection'],
        });
      }
      return;
    }
    if (name === undefined) {
      const candidates = declared.filter((n) => {
        const spec = this.#connections[n];
        return isPlainObject(spec) && spec.type === needed;
      });
      const fix =
        candidates.length === 1
          ? `add 'connection: ${candidates[0]}'`
          : candidates.length > 1
            ? `add 'connection: <name>' naming one of ${candidates.join(', ')}`
            : `declare a connection of type ${needed} under connections: and name it with 'connection: <name>'`;
      this.#add({
        code: 'CONNECTION_REQUIRED',
        message: `${label} runs ${action.name}, which needs a connection of type ${needed}; ${fix}`,
        path,
      });
      return;
    }
    const spec = this.#connections[name];
    if (isPlainObject(spec) && typeof spec.type === 'string' && spec.type !== needed) {
      this.#add({
        code: 'CONNECTION_TYPE_MISMATCH',
        message: `${label} uses connection '${name}' of type ${spec.type}, but action ${action.name} needs one of type ${needed}`,
        path: [...path, 'connection'],
      });
    }
  }

  #refuseExpression(value: unknown, path: DocPath, what: string): void {
    if (typeof value === 'string' && value.includes('${{')) {
      this.#add({
        code: 'SCHEMA',
        message: `${what} is not evaluated: \${{ }} is allowed only inside with:, forEach, if and connections`,
        path,
      });
    }
  }
}
