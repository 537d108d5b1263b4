// The JSON Schema of the simulator's configuration (what users write, in code or YAML), and the types of
// that configuration, read from the schema so that the two cannot drift apart: SimConfigInput as given,
// SimConfig once `resolveSimConfig` has filled in every default.

import type { FromSchema, Simplify } from '../common/from-schema.js';
import { MAX_DELAY_MS, faultConfigSchema, type FaultConfig } from './faults.js';

const nonNegativeMs = { type: 'integer', minimum: 0, maximum: MAX_DELAY_MS } as const;

const userSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: { username: { type: 'string', minLength: 1 }, password: { type: 'string' } },
} as const;

const accessKeySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'secret'],
  properties: {
    /** The AccessKey id (AK). */
    id: { type: 'string', minLength: 1 },
    /** The secret key (SK). */
    secret: { type: 'string', minLength: 1 },
  },
} as const;

/** One agent process on a host: id and alias required, the rest defaulted (operable from the alias). */
const processSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'alias'],
  properties: {
    /** Unique within its host (the default processes have the same ids on every host). */
    id: { type: 'integer', minimum: 1 },
    alias: { type: 'string', minLength: 1 },
    /** The state the process starts in. */
    status: { enum: ['STARTED', 'STOPPED'] },
    operable: { type: 'boolean' },
    user: { type: 'string' },
    startCommand: { type: 'string' },
    ports: { type: 'string' },
    logFilePattern: { type: 'string' },
  },
} as const;

/** Fields a host (or a range of hosts) may set; `{id}` in `name` or `ip` is replaced by the host id. */
const hostFields = {
  name: { type: 'string', minLength: 1 },
  /** Inner IP address. */
  ip: { type: 'string', minLength: 1 },
  /** Host status in the host list (`ONLINE`, `OFFLINE`, ...). */
  status: { type: 'string', minLength: 1 },
  /** Status of the host's OCP agent (`ONLINE` or `OFFLINE`). */
  agentStatus: { enum: ['ONLINE', 'OFFLINE'] },
  /** Replaces the default process list. */
  processes: { type: 'array', items: processSchema },
} as const;

// One host, or a range of hosts with the same settings. if/then/else rather than oneOf, so that a mistake
// in one host form is reported once, not per form.
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
    /** The status the peer starts in. */
    status: { type: 'string', minLength: 1 },
    osName: { type: 'string' },
    productVersion: { type: 'string' },
    hostName: { type: 'string' },
    metricsyncPoint: { type: 'boolean' },
    workflowServer: { type: 'boolean' },
    /** This peer's delay before a stop or start shows; the BAO-wide `transitionDelayMs` when absent. */
    transitionDelayMs: nonNegativeMs,
  },
} as const;

const ocpSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    users: { type: 'array', items: userSchema },
    accessKeys: { type: 'array', items: accessKeySchema },
    hosts: { type: 'array', items: hostSchema },
    /** Also serve OCP routes without the `/api/v2` prefix. */
    acceptBarePaths: { type: 'boolean' },
    /** How stopping an already stopped process is answered: 200 with the process, or 409 CMP07019. */
    alreadyStoppedAnswer: { enum: ['ok', 'error'] },
    /** `string` codes like `CMP07005` (OCP 4.2) or `number` codes like 7005 (OCP 3.x/4.0). */
    errorCodeStyle: { enum: ['string', 'number'] },
    /** How long a per-process stop or restart takes before it answers. */
    processActionDelayMs: nonNegativeMs,
    /** How long a host agent stop/restart task stays RUNNING. */
    taskDurationMs: nonNegativeMs,
    /** Host ids whose agent tasks end FAILED. */
    failTaskHosts: { type: 'array', items: { type: 'integer' } },
    /** Page size when a paged request gives none. */
    pageSizeDefault: { type: 'integer', minimum: 1 },
    /** Largest page size accepted; a larger `size` is answered 400 COM10001. */
    maxPageSize: { type: 'integer', minimum: 1 },
    /** A signed request whose Date is this far or farther from the server clock is refused. */
    maxClockSkewMs: { type: 'integer', minimum: 1 },
    /** Value of the informational `RateLimit-Limit` header (requests per minute; not enforced). */
    rateLimitPerMinute: { type: 'integer', minimum: 1 },
    /** The `server` field of the envelope. */
    serverName: { type: 'string', minLength: 1 },
  },
} as const;

const baoSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    users: { type: 'array', items: userSchema },
    peers: { type: 'array', items: peerSchema },
    /** A token unused for this long is refused with 401. */
    tokenIdleTimeoutMs: { type: 'integer', minimum: 1 },
    /** How long after a stop/start request a peer keeps its old status. */
    transitionDelayMs: nonNegativeMs,
    /** The status a stopped peer reports. */
    stoppedStatus: { type: 'string', minLength: 1 },
    /** Status of the answer to an accepted stop/start. */
    acceptStatus: { enum: [200, 202, 204] },
    /** JSON body of an accepted stop/start when acceptStatus is 200 or 202; null for no body. */
    acceptBody: {},
  },
} as const;

/**
 * JSON Schema of SimConfigInput (the `--config` file). Unknown keys are refused, to catch typos. Every key
 * is optional; objects merge into the defaults, arrays (users, hosts, peers, failFirst...) replace them.
 */
export const simConfigSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    seed: { type: 'integer' },
    faults: faultConfigSchema,
    ocp: ocpSchema,
    bao: baoSchema,
  },
} as const;

/** What users give (see `simConfigSchema`). */
export type SimConfigInput = FromSchema<typeof simConfigSchema>;
export type SimUser = FromSchema<typeof userSchema>;
export type SimAccessKey = FromSchema<typeof accessKeySchema>;
/** A process in the input: id and alias required, the rest defaulted (operable from the alias). */
export type SimProcessInput = FromSchema<typeof processSchema>;
/** One host, or a range of hosts (`ids: { from, to }`) with the same settings. */
export type SimHostInput = FromSchema<typeof hostSchema>;
export type SimPeerInput = FromSchema<typeof peerSchema>;

/** One agent process on a host, as configured (the state it starts in). */
export type SimProcessConfig = Required<SimProcessInput>;
export type ProcessStatus = SimProcessConfig['status'];

/** A host, every field present. */
export type SimHostConfig = Simplify<
  { id: number } & Required<Omit<FromSchema<{ properties: typeof hostFields }>, 'processes'>> & { processes: SimProcessConfig[] }
>;

/** A peer, every field present but its own `transitionDelayMs`. */
export type SimPeerConfig = Simplify<Required<Omit<SimPeerInput, 'transitionDelayMs'>> & Pick<SimPeerInput, 'transitionDelayMs'>>;

export type SimOcpConfig = Simplify<Required<Omit<FromSchema<typeof ocpSchema>, 'hosts'>> & { hosts: SimHostConfig[] }>;
export type SimBaoConfig = Simplify<Required<Omit<FromSchema<typeof baoSchema>, 'peers'>> & { peers: SimPeerConfig[] }>;

/** The resolved configuration: every key present. */
export interface SimConfig {
  seed: number;
  faults: FaultConfig;
  ocp: SimOcpConfig;
  bao: SimBaoConfig;
}
