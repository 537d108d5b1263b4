// The simulator's configuration: what users write (SimConfigInput, in code or YAML), its JSON Schema,
// the documented defaults, and the resolution of one into a fully required SimConfig.

import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { RunbookError } from '../errors.js';
import { MAX_DELAY_MS, faultConfigProblem, faultConfigSchema, type FaultConfig } from './faults.js';

export type ProcessStatus = 'STARTED' | 'STOPPED';

/** One agent process on a host, as configured (the state it starts in). */
export interface SimProcessConfig {
  /** Unique within its host (the default processes have the same ids on every host). */
  id: number;
  alias: string;
  status: ProcessStatus;
  operable: boolean;
  user: string;
  startCommand: string;
  ports: string;
  logFilePattern: string;
}

export interface SimHostConfig {
  id: number;
  name: string;
  /** Inner IP address. */
  ip: string;
  /** Host status in the host list (`ONLINE`, `OFFLINE`, ...). */
  status: string;
  /** Status of the host's OCP agent (`ONLINE` or `OFFLINE`). */
  agentStatus: 'ONLINE' | 'OFFLINE';
  processes: SimProcessConfig[];
}

export interface SimUser {
  username: string;
  password: string;
}

export interface SimAccessKey {
  /** The AccessKey id (AK). */
  id: string;
  /** The secret key (SK). */
  secret: string;
}

export interface SimPeerConfig {
  name: string;
  type: string;
  description: string;
  /** The status the peer starts in. */
  status: string;
  osName: string;
  productVersion: string;
  hostName: string;
  metricsyncPoint: boolean;
  workflowServer: boolean;
  /** This peer's delay before a stop or start shows; the BAO-wide `transitionDelayMs` when absent. */
  transitionDelayMs?: number;
}

export interface SimOcpConfig {
  users: SimUser[];
  accessKeys: SimAccessKey[];
  hosts: SimHostConfig[];
  /** Also serve OCP routes without the `/api/v2` prefix. */
  acceptBarePaths: boolean;
  /** How stopping an already stopped process is answered: 200 with the process, or 409 CMP07019. */
  alreadyStoppedAnswer: 'ok' | 'error';
  /** `string` codes like `CMP07005` (OCP 4.2) or `number` codes like 7005 (OCP 3.x/4.0). */
  errorCodeStyle: 'string' | 'number';
  /** How long a per-process stop or restart takes before it answers. */
  processActionDelayMs: number;
  /** How long a host agent stop/restart task stays RUNNING. */
  taskDurationMs: number;
  /** Host ids whose agent tasks end FAILED. */
  failTaskHosts: number[];
  /** Page size when a paged request gives none. */
  pageSizeDefault: number;
  /** Largest page size accepted; a larger `size` is answered 400 COM10001. */
  maxPageSize: number;
  /** A signed request whose Date is this far or farther from the server clock is refused. */
  maxClockSkewMs: number;
  /** Value of the informational `RateLimit-Limit` header (requests per minute; not enforced). */
  rateLimitPerMinute: number;
  /** The `server` field of the envelope. */
  serverName: string;
}

export interface SimBaoConfig {
  users: SimUser[];
  peers: SimPeerConfig[];
  /** A token unused for this long is refused with 401. */
  tokenIdleTimeoutMs: number;
  /** How long after a stop/start request a peer keeps its old status. */
  transitionDelayMs: number;
  /** The status a stopped peer reports. */
  stoppedStatus: string;
  /** Status of the answer to an accepted stop/start. */
  acceptStatus: 200 | 202 | 204;
  /** JSON body of an accepted stop/start when acceptStatus is 200 or 202; null for no body. */
  acceptBody: unknown;
}

/** The resolved configuration: every key present. */
export interface SimConfig {
  seed: number;
  faults: FaultConfig;
  ocp: SimOcpConfig;
  bao: SimBaoConfig;
}

/** A process in the input: id and alias required, the rest defaulted (operable from the alias). */
export type SimProcessInput = Partial<SimProcessConfig> & { id: number; alias: string };

/** Fields a host (or a range of hosts) may set; `{id}` in `name` or `ip` is replaced by the host id. */
interface SimHostFields {
  name?: string;
  ip?: string;
  status?: string;
  agentStatus?: 'ONLINE' | 'OFFLINE';
  /** Replaces the default process list. */
  processes?: SimProcessInput[];
}

/** One host, or a range of hosts with the same settings. */
export type SimHostInput = SimHostFields & ({ id: number } | { ids: { from: number; to: number } });

export type SimPeerInput = Partial<SimPeerConfig> & { name: string };

/**
 * What users give: every key optional; objects merge into the defaults, arrays (users, hosts, peers,
 * failFirst...) replace them.
 */
export interface SimConfigInput {
  seed?: number;
  faults?: FaultConfig;
  ocp?: Partial<Omit<SimOcpConfig, 'hosts'>> & { hosts?: SimHostInput[] };
  bao?: Partial<Omit<SimBaoConfig, 'peers'>> & { peers?: SimPeerInput[] };
}

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
  const ids =
    'ids' in input ? Array.from({ length: input.ids.to - input.ids.from + 1 }, (_, i) => input.ids.from + i) : [input.id];
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

const nonNegativeMs = { type: 'integer', minimum: 0, maximum: MAX_DELAY_MS } as const;

const userSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: { username: { type: 'string', minLength: 1 }, password: { type: 'string' } },
} as const;

const processSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'alias'],
  properties: {
    id: { type: 'integer', minimum: 1 },
    alias: { type: 'string', minLength: 1 },
    status: { enum: ['STARTED', 'STOPPED'] },
    operable: { type: 'boolean' },
    user: { type: 'string' },
    startCommand: { type: 'string' },
    ports: { type: 'string' },
    logFilePattern: { type: 'string' },
  },
} as const;

const hostFields = {
  name: { type: 'string', minLength: 1 },
  ip: { type: 'string', minLength: 1 },
  status: { type: 'string', minLength: 1 },
  agentStatus: { enum: ['ONLINE', 'OFFLINE'] },
  processes: { type: 'array', items: processSchema },
} as const;

// if/then/else rather than oneOf, so that a mistake in one host form is reported once, not per form.
const hostSchema = {
  type: 'object',
  if: { required: ['ids'] },
  then: {
    additionalProperties: false,
    properties: {
      ids: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'to'],
        properties: { from: { type: 'integer', minimum: 1 }, to: { type: 'integer', minimum: 1 } },
      },
      ...hostFields,
    },
  },
  else: {
    additionalProperties: false,
    required: ['id'],
    properties: { id: { type: 'integer', minimum: 1 }, ...hostFields },
  },
} as const;

const peerSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1 },
    type: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    status: { type: 'string', minLength: 1 },
    osName: { type: 'string' },
    productVersion: { type: 'string' },
    hostName: { type: 'string' },
    metricsyncPoint: { type: 'boolean' },
    workflowServer: { type: 'boolean' },
    transitionDelayMs: nonNegativeMs,
  },
} as const;

/** JSON Schema of SimConfigInput (the `--config` file). Unknown keys are refused, to catch typos. */
export const simConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    seed: { type: 'integer' },
    faults: faultConfigSchema,
    ocp: {
      type: 'object',
      additionalProperties: false,
      properties: {
        users: { type: 'array', items: userSchema },
        accessKeys: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['id', 'secret'],
            properties: { id: { type: 'string', minLength: 1 }, secret: { type: 'string', minLength: 1 } },
          },
        },
        hosts: { type: 'array', items: hostSchema },
        acceptBarePaths: { type: 'boolean' },
        alreadyStoppedAnswer: { enum: ['ok', 'error'] },
        errorCodeStyle: { enum: ['string', 'number'] },
        processActionDelayMs: nonNegativeMs,
        taskDurationMs: nonNegativeMs,
        failTaskHosts: { type: 'array', items: { type: 'integer' } },
        pageSizeDefault: { type: 'integer', minimum: 1 },
        maxPageSize: { type: 'integer', minimum: 1 },
        maxClockSkewMs: { type: 'integer', minimum: 1 },
        rateLimitPerMinute: { type: 'integer', minimum: 1 },
        serverName: { type: 'string', minLength: 1 },
      },
    },
    bao: {
      type: 'object',
      additionalProperties: false,
      properties: {
        users: { type: 'array', items: userSchema },
        peers: { type: 'array', items: peerSchema },
        tokenIdleTimeoutMs: { type: 'integer', minimum: 1 },
        transitionDelayMs: nonNegativeMs,
        stoppedStatus: { type: 'string', minLength: 1 },
        acceptStatus: { enum: [200, 202, 204] },
        acceptBody: {},
      },
    },
  },
} as const;

/** A problem found in a config: the JSON pointer of the offending value, and what is wrong. */
export interface SimConfigProblem {
  pointer: string;
  message: string;
  /** The problem is the key at `pointer` itself (an unknown key), not its value. */
  atKey?: boolean;
}

interface SimValidators {
  input: ValidateFunction<SimConfigInput>;
  faults: ValidateFunction<FaultConfig>;
}

const requireFromHere = createRequire(import.meta.url);
// A lazily built constant, not state: the same validators for every simulator of the process.
let compiledValidators: SimValidators | undefined;

/**
 * The config validators, compiled on first use rather than at import: every command of the CLI imports
 * this module, and only the simulator needs it (compiling cost a tenth of a second at each start).
 */
function validators(): SimValidators {
  if (!compiledValidators) {
    const { Ajv } = requireFromHere('ajv') as typeof import('ajv');
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
    compiledValidators = {
      input: ajv.compile<SimConfigInput>(simConfigSchema),
      faults: ajv.compile<FaultConfig>(faultConfigSchema),
    };
  }
  return compiledValidators;
}

function describeAjvError(e: ErrorObject): string {
  const where = e.instancePath === '' ? 'the config' : e.instancePath;
  if (e.keyword === 'additionalProperties') {
    return `${where} has an unknown key "${String(e.params['additionalProperty'])}"`;
  }
  if (e.keyword === 'enum') {
    return `${where} must be one of ${JSON.stringify(e.params['allowedValues'])}`;
  }
  return `${where} ${e.message ?? 'is not valid'}`;
}

/** Problems with a SimConfigInput; an empty list when it is valid. Checks the schema, then the rules it cannot express. */
export function simConfigProblems(input: unknown): SimConfigProblem[] {
  const validateInput = validators().input;
  if (!validateInput(input)) {
    const errors = (validateInput.errors ?? []).filter((e) => e.keyword !== 'if');
    return errors.map((e) =>
      // Point an unknown key at the key itself, so a file position lands on the typo.
      e.keyword === 'additionalProperties'
        ? { pointer: `${e.instancePath}/${String(e.params['additionalProperty'])}`, message: describeAjvError(e), atKey: true }
        : { pointer: e.instancePath, message: describeAjvError(e) },
    );
  }
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
  const validateFaults = validators().faults;
  if (!validateFaults(faults)) {
    const msg = (validateFaults.errors ?? []).map(describeAjvError).join('; ');
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
