// The simulator's public API: start one in-process, load its config file, read its defaults.

export { startSimulator, type Simulator, type SimulatorOptions } from './server.js';
export { loadSimConfig } from './config-file.js';
export {
  defaultSimConfig,
  resolveSimConfig,
  simConfigSchema,
  type SimConfig,
  type SimConfigInput,
  type SimOcpConfig,
  type SimBaoConfig,
  type SimHostConfig,
  type SimHostInput,
  type SimProcessConfig,
  type SimProcessInput,
  type SimPeerConfig,
  type SimPeerInput,
  type SimUser,
  type SimAccessKey,
  type ProcessStatus,
} from './config.js';
export type { FaultConfig, FailFirstRule, LatencySpec } from './faults.js';
export type { RecordedRequest } from './routing.js';
export type { SimOcpView, SimHost, SimProcess, SimTask, SimTaskStatus } from './ocp-state.js';
export type { SimBaoView, SimPeer } from './bao.js';
