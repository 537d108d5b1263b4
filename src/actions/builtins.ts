// The built-in actions and connection types. They register through the same public registry as plugins.

import type { ActionDefinition } from '../contracts/action.js';
import type { ConnectionDefinition } from '../contracts/connection.js';
import { Registry } from './registry.js';
import coreAssert from './core/assert.js';
import coreFail from './core/fail.js';
import coreRevert from './core/revert.js';
import coreSleep from './core/sleep.js';
import httpRequest from './http/request.js';
import { baoConnection } from '../connections/bao.js';
import { httpConnection } from '../connections/http.js';
import { ocpConnection } from '../connections/ocp.js';
import ocpRestartAgentProcess from './ocp/restart-agent-process.js';
import ocpStopAgentProcess from './ocp/stop-agent-process.js';
import ocpListAgentProcesses from './ocp/list-agent-processes.js';
import ocpListHosts from './ocp/list-hosts.js';
import ocpStopAgent from './ocp/stop-agent.js';
import ocpRestartAgent from './ocp/restart-agent.js';
import baoStopPeer from './bao/stop-peer.js';
import baoStartPeer from './bao/start-peer.js';
import baoStopPeers from './bao/stop-peers.js';
import baoStartPeers from './bao/start-peers.js';
import baoWaitForPeers from './bao/wait-for-peers.js';
import baoListPeers from './bao/list-peers.js';

/** Every built-in action, one module each. */
export const builtinActions: ActionDefinition[] = [
  ocpStopAgentProcess,
  ocpRestartAgentProcess,
  ocpListAgentProcesses,
  ocpStopAgent,
  ocpRestartAgent,
  coreSleep,
  coreFail,
  coreAssert,
  coreRevert,
  httpRequest,
  baoStopPeer,
  baoStartPeer,
  baoStopPeers,
  baoStartPeers,
  baoWaitForPeers,
  ocpListHosts,
  baoListPeers,
];

/** Every built-in connection type, one module each. */
// biome-ignore lint/suspicious/noExplicitAny: each connection type has its own config type; the registry checks configs against their schemas
export const builtinConnections: ConnectionDefinition<any>[] = [ocpConnection, baoConnection, httpConnection];

/** A registry holding the built-ins, ready for plugins to be added. */
export function createRegistry(): Registry {
  const registry = new Registry();
  for (const c of builtinConnections) registry.registerConnection(c);
  for (const a of builtinActions) registry.registerAction(a);
  return registry;
}
