// The simulator's configuration: the documented defaults, the checks of a SimConfigInput (its JSON
// Schema, then the rules a schema cannot say), and the resolution of one into a fully required SimConfig.
// The schema and the types read from it are in config-schema.ts.

import type { ErrorObject } from 'ajv';
import { compileSchema } from '../common/ajv.js';
import { RunbookError } from '../errors.js';
import type { DocPath } from '../runbook/document.js';
import { describeSchemaErrors, type ErrorWording } from '../runbook/schema-errors.js';
import { faultConfigProblem, faultConfigSchema, type FaultConfig } from './faults.js';
import {
  simConfigSchema,
  type SimConfig,
  type SimConfigInput,
  type SimHostConfig,
  type SimHostInput,
  type SimPeerConfig,
  type SimPeerInput,
  type SimProcessConfig,
  type SimProcessInput,
} from './config-schema.js';

export {
  simConfigSchema,
  type ProcessStatus,
  type SimAccessKey,
  type SimBaoConfig,
  type SimConfig,
  type SimConfigInput,
  type SimHostConfig,
  type SimHostInput,
  type SimOcpConfig,
  type SimPeerConfig,
  type SimPeerInput,
  type SimProcessConfig,
  type SimProcessInput,
  type SimUser,
} from './config-schema.js';

/** Aliases of the default processes; the first four are operable. */
const DEFAULT_PROCESSES: Array<{ alias: string; operable: boolean; ports: string }> = [
  { alias: 'obstat2', operable: true, ports: '' },
  { alias: 'node_exporter', operable: true, ports: '62889' },
  { alias: 'ob_logtailer', operable: true, ports: '62983' },
  { alias: 'ob_cleaner', operable: true, ports: '' },
  { alias: 'ocp_agentd', operable: false, ports: '62888' },
  { alias: 'ocp_mgragent', operable: false, ports: '62887' },
  { alias: 'ocp_monagent', operable: false, ports: '62889' },
  { alias: 'pos_proxy', operable: false, ports: '62890' },
];

/** Most hosts one simulator serves (all ranges together). */
export const MAX_HOSTS = 100_000;

/** Id of the first default process (obstat2) on every host; the others follow. */
export const FIRST_DEFAULT_PROCESS_ID = 185;

const NOT_OPERABLE_ALIASES = new Set(DEFAULT_PROCESSES.filter((p) => !p.operable).map((p) => p.alias));

function processDefaults(input: SimProcessInput): SimProcessConfig {
  const known = DEFAULT_PROCESSES.find((p) => p.alias === input.alias);
  return {
    id: input.id,
    alias: input.alias,
    status: input.status ?? 'STARTED',
    operable: input.operable ?? !NOT_OPERABLE_ALIASES.has(input.alias),
    user: input.user ?? 'admin',
    startCommand: input.startCommand ?? `/home/admin/ocp_agent/bin/${input.alias}`,
    ports: input.ports ?? known?.ports ?? '',
    logFilePattern: input.logFilePattern ?? `/home/admin/ocp_agent/log/${input.alias}.log*`,
  };
}

function defaultProcessInputs(): SimProcessInput[] {
  return DEFAULT_PROCESSES.map((p, i) => ({ id: FIRST_DEFAULT_PROCESS_ID + i, alias: p.alias }));
}

function ipOf(id: number): string {
  return `10.0.${Math.floor(id / 256) % 256}.${id % 256}`;
}

function expandHost(input: SimHostInput): SimHostConfig[] {
  const ids = 'ids' in input ? Array.from({ length: input.ids.to - input.ids.from + 1 }, (_, i) => input.ids.from + i) : [input.id];
  return ids.map((id) => ({
    id,
    name: (input.name ?? 'ob-host-{id}').replaceAll('{id}', String(id)),
    ip: input.ip === undefined ? ipOf(id) : input.ip.replaceAll('{id}', String(id)),
    status: input.status ?? 'ONLINE',
    agentStatus: input.agentStatus ?? 'ONLINE',
    processes: (input.processes ?? defaultProcessInputs()).map(processDefaults),
  }));
}

function peerDefaults(input: SimPeerInput): SimPeerConfig {
  const type = input.type ?? 'AP';
  return {
    name: input.name,
    type,
    description: input.description ?? `${input.name} peer`,
    status: input.status ?? 'RUNNING',
    osName: input.osName ?? 'Linux',
    productVersion: input.productVersion ?? '20.22.01',
    hostName: input.hostName ?? `${input.name.toLowerCase()}.sim.local`,
    metricsyncPoint: input.metricsyncPoint ?? false,
    workflowServer: input.workflowServer ?? type !== 'LAP',
    ...(input.transitionDelayMs === undefined ? {} : { transitionDelayMs: input.transitionDelayMs }),
  };
}

const DEFAULT_HOSTS: SimHostInput[] = [{ ids: { from: 20, to: 59 } }];
const DEFAULT_PEERS: SimPeerInput[] = [
  { name: 'CDP', type: 'CDP', metricsyncPoint: true },
  { name: 'AP1', type: 'AP' },
  { name: 'AP2', type: 'AP' },
  { name: 'LAP', type: 'LAP' },
];

/** The documented defaults: a fresh object on each call. */
export function defaultSimConfig(): SimConfig {
  return {
    seed: 1,
    faults: {},
    ocp: {
      users: [{ username: 'admin', password: 'sim-password' }],
      accessKeys: [{ id: 'sim-access-key', secret: 'sim-secret-key' }],
      hosts: DEFAULT_HOSTS.flatMap(expandHost),
      acceptBarePaths: true,
      alreadyStoppedAnswer: 'ok',
      errorCodeStyle: 'string',
      processActionDelayMs: 0,
      taskDurationMs: 200,
      failTaskHosts: [],
      pageSizeDefault: 10,
      maxPageSize: 2000,
      maxClockSkewMs: 15 * 60 * 1000,
      rateLimitPerMinute: 6000,
      serverName: 'runbook-sim',
    },
    bao: {
      users: [{ username: 'admin', password: 'sim-password' }],
      peers: DEFAULT_PEERS.map(peerDefaults),
      tokenIdleTimeoutMs: 30 * 60 * 1000,
      transitionDelayMs: 300,
      stoppedStatus: 'STOPPED',
      acceptStatus: 204,
      acceptBody: { response: 'Success' },
    },
  };
}

/** A problem found in a config: the JSON pointer of the offending value, and what is wrong. */
export interface SimConfigProblem {
  pointer: string;
  message: string;
  /** The problem is the key at `pointer` itself (an unknown key), not its value. */
  atKey?: boolean;
}

/** Names places in a config by JSON pointer, as `loadSimConfig` reports them. */
const SIM_WORDING: ErrorWording = {
  label: (path) => (path.length === 0 ? 'the config' : toPointer(path)),
  container: (path) => (path.length === 0 ? 'at the top level' : `in ${toPointer(path)}`),
  keyNoun: () => 'key',
};

function toPointer(path: DocPath): string {
  return path.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

/** ajv's errors as problems, an unknown key pointing at the key itself (so a file position lands on the typo). */
function schemaProblems(errors: readonly ErrorObject[], data: unknown): SimConfigProblem[] {
  return describeSchemaErrors(errors, data, SIM_WORDING).map((p) => ({
    pointer: toPointer(p.path),
    message: p.message,
    ...(p.at === 'key' ? { atKey: true } : {}),
  }));
}

/** Problems with a SimConfigInput; an empty list when it is valid. Checks the schema, then the rules it cannot express. */
export function simConfigProblems(input: unknown): SimConfigProblem[] {
  const validateInput = compileSchema<SimConfigInput>(simConfigSchema);
  if (!validateInput(input)) return schemaProblems(validateInput.errors ?? [], input);
  const problems: SimConfigProblem[] = [];
  if (input.faults) {
    const p = faultConfigProblem(input.faults);
    if (p) problems.push({ pointer: '/faults', message: `/faults: ${p}` });
  }
  const hostInputs = input.ocp?.hosts ?? [];
  let hostCount = 0;
  let rangesValid = true;
  for (const [i, h] of hostInputs.entries()) {
    if (!('ids' in h)) {
      hostCount += 1;
    } else if (h.ids.from > h.ids.to) {
      rangesValid = false;
      problems.push({ pointer: `/ocp/hosts/${i}/ids`, message: `/ocp/hosts/${i}/ids: from is greater than to` });
    } else {
      hostCount += h.ids.to - h.ids.from + 1;
    }
  }
  // Counted before the ranges are expanded, so that a typo such as `to: 1000000000` is an error, not a hang.
  if (hostCount > MAX_HOSTS) {
    problems.push({ pointer: '/ocp/hosts', message: `/ocp/hosts: ${hostCount} hosts in all; the simulator serves at most ${MAX_HOSTS}` });
  } else if (rangesValid) {
    const seen = new Set<number>();
    for (const { id } of hostInputs.flatMap(expandHost)) {
      if (seen.has(id)) {
        problems.push({ pointer: '/ocp/hosts', message: `/ocp/hosts: host id ${id} appears twice` });
        break;
      }
      seen.add(id);
    }
  }
  for (const [i, h] of (input.ocp?.hosts ?? []).entries()) {
    const ids = (h.processes ?? []).map((p) => p.id);
    const dup = ids.find((id, j) => ids.indexOf(id) !== j);
    if (dup !== undefined) {
      problems.push({ pointer: `/ocp/hosts/${i}/processes`, message: `/ocp/hosts/${i}/processes: process id ${dup} appears twice` });
    }
  }
  const names = (input.bao?.peers ?? []).map((p) => p.name);
  const dupPeer = names.find((n, i) => names.indexOf(n) !== i);
  if (dupPeer !== undefined) problems.push({ pointer: '/bao/peers', message: `/bao/peers: peer "${dupPeer}" appears twice` });
  return problems;
}

/** Validates a FaultConfig (for `setFaults` and `PUT /__sim/faults`); throws RunbookError SCHEMA. */
export function checkFaultConfig(faults: unknown): FaultConfig {
  const validateFaults = compileSchema<FaultConfig>(faultConfigSchema);
  if (!validateFaults(faults)) {
    const msg = schemaProblems(validateFaults.errors ?? [], faults)
      .map((p) => p.message)
      .join('; ');
    throw new RunbookError('SCHEMA', `Invalid fault configuration: ${msg}`);
  }
  const p = faultConfigProblem(faults);
  if (p) throw new RunbookError('SCHEMA', `Invalid fault configuration: ${p}`);
  return faults;
}

/**
 * Validates a SimConfigInput and merges it into the defaults. Throws RunbookError SCHEMA listing every
 * problem (with JSON pointers; `loadSimConfig` reports file positions instead).
 */
export function resolveSimConfig(input: SimConfigInput = {}): SimConfig {
  const problems = simConfigProblems(input);
  if (problems.length > 0) {
    throw new RunbookError('SCHEMA', `Invalid simulator configuration: ${problems.map((p) => p.message).join('; ')}`);
  }
  const d = defaultSimConfig();
  const { hosts, ...ocpRest } = input.ocp ?? {};
  const { peers, ...baoRest } = input.bao ?? {};
  return {
    seed: input.seed ?? d.seed,
    faults: input.faults ?? d.faults,
    ocp: { ...d.ocp, ...dropUndefined(ocpRest), hosts: hosts ? hosts.flatMap(expandHost) : d.ocp.hosts },
    bao: { ...d.bao, ...dropUndefined(baoRest), peers: peers ? peers.map(peerDefaults) : d.bao.peers },
  };
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
