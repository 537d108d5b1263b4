// The registry of actions and connection types. Built-ins and plugins enter through the same door:
// `register`, which checks the shape of what it is given and refuses a name that is taken.

import type { ConnectionDefinition } from '../contracts/connection.js';
import type { ActionDefinition } from '../contracts/action.js';
import { RunbookError } from '../errors.js';

const ACTION_NAME = /^[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*$/;
const CONNECTION_TYPE = /^[a-z][a-z0-9-]*$/;

export interface RegisteredAction {
  definition: ActionDefinition;
  /** `builtin`, or the plugin module it came from. */
  source: string;
}

export interface RegisteredConnection {
  definition: ConnectionDefinition;
  source: string;
}

export class Registry {
  readonly #actions = new Map<string, RegisteredAction>();
  readonly #connections = new Map<string, RegisteredConnection>();

  /** Registers an action. Throws PLUGIN_LOAD for a malformed one and PLUGIN_NAME_CLASH for a taken name. */
  registerAction(definition: unknown, source = 'builtin'): void {
    const action = checkActionShape(definition, source);
    const taken = this.#actions.get(action.name);
    if (taken) {
      throw new RunbookError(
        'PLUGIN_NAME_CLASH',
        `action '${action.name}' from ${source} clashes with the one from ${taken.source}; rename it (names are vendor.verb)`,
      );
    }
    this.#actions.set(action.name, { definition: action, source });
  }

  registerConnection(definition: unknown, source = 'builtin'): void {
    const connection = checkConnectionShape(definition, source);
    const taken = this.#connections.get(connection.type);
    if (taken) {
      throw new RunbookError(
        'PLUGIN_NAME_CLASH',
        `connection type '${connection.type}' from ${source} clashes with the one from ${taken.source}`,
      );
    }
    this.#connections.set(connection.type, { definition: connection, source });
  }

  action(name: string): RegisteredAction | undefined {
    return this.#actions.get(name);
  }

  connection(type: string): RegisteredConnection | undefined {
    return this.#connections.get(type);
  }

  actions(): RegisteredAction[] {
    return [...this.#actions.values()].sort((a, b) => byText(a.definition.name, b.definition.name));
  }

  connections(): RegisteredConnection[] {
    return [...this.#connections.values()].sort((a, b) => byText(a.definition.type, b.definition.type));
  }

  actionNames(): string[] {
    return this.actions().map((a) => a.definition.name);
  }
}

function checkActionShape(value: unknown, source: string): ActionDefinition {
  const problem = (what: string): never => {
    throw new RunbookError('PLUGIN_LOAD', `${source}: not a valid action: ${what}`);
  };
  if (value === null || typeof value !== 'object') return problem('expected an object made with defineAction()');
  const a = value as Record<string, unknown>;
  if (typeof a.name !== 'string' || !ACTION_NAME.test(a.name)) {
    return problem(`'name' must look like vendor.verb (got ${JSON.stringify(a.name)})`);
  }
  if (typeof a.description !== 'string') return problem(`${a.name}: 'description' must be a string`);
  if (a.inputs === null || typeof a.inputs !== 'object') return problem(`${a.name}: 'inputs' must be a JSON Schema object`);
  if (typeof a.mutates !== 'boolean') return problem(`${a.name}: 'mutates' must be true or false`);
  if (a.changesNothing !== undefined && typeof a.changesNothing !== 'boolean')
    return problem(`${a.name}: 'changesNothing' must be true or false`);
  if (typeof a.run !== 'function') return problem(`${a.name}: 'run' must be a function`);
  if (a.plan !== undefined && typeof a.plan !== 'function') return problem(`${a.name}: 'plan' must be a function`);
  if (a.probe !== undefined && typeof a.probe !== 'function') return problem(`${a.name}: 'probe' must be a function`);
  if (a.revert !== undefined && typeof a.revert !== 'function') return problem(`${a.name}: 'revert' must be a function`);
  if (a.connection !== undefined && typeof a.connection !== 'string') return problem(`${a.name}: 'connection' must be a string`);
  if (a.pathInputs !== undefined && !(Array.isArray(a.pathInputs) && a.pathInputs.every((n) => typeof n === 'string'))) {
    return problem(`${a.name}: 'pathInputs' must be a list of input names`);
  }
  return value as ActionDefinition;
}

function checkConnectionShape(value: unknown, source: string): ConnectionDefinition {
  const problem = (what: string): never => {
    throw new RunbookError('PLUGIN_LOAD', `${source}: not a valid connection type: ${what}`);
  };
  if (value === null || typeof value !== 'object') return problem('expected an object made with defineConnection()');
  const c = value as Record<string, unknown>;
  if (typeof c.type !== 'string' || !CONNECTION_TYPE.test(c.type)) return problem(`'type' must match ${CONNECTION_TYPE}`);
  if (c.config === null || typeof c.config !== 'object') return problem(`${c.type}: 'config' must be a JSON Schema object`);
  if (typeof c.open !== 'function') return problem(`${c.type}: 'open' must be a function`);
  return value as ConnectionDefinition;
}

/** Plain code-unit order: names are ASCII, and localeCompare would set up a collation on every cold start. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
