// The built-in actions and connection types. They register through the same public registry as plugins.

import type { ActionDefinition } from './define.js';
import type { ConnectionDefinition } from '../connections/types.js';
import { Registry } from './registry.js';
import ocpRestartAgentProcess from './ocp/restart-agent-process.js';
import ocpStopAgentProcess from './ocp/stop-agent-process.js';

/** Every built-in action, one module each. */
export const builtinActions: ActionDefinition[] = [ocpStopAgentProcess, ocpRestartAgentProcess];

/** Every built-in connection type, one module each. */
export const builtinConnections: ConnectionDefinition<any>[] = [];

/** A registry holding the built-ins, ready for plugins to be added. */
export function createRegistry(): Registry {
  const registry = new Registry();
  for (const c of builtinConnections) registry.registerConnection(c);
  for (const a of builtinActions) registry.registerAction(a);
  return registry;
}
