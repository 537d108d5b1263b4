// bao.waitForPeers: polls GET /baocdp/rest/info/peer until every named peer shows the wanted status.
// BAO's stop and start only accept the request, so this is how a runbook knows the peers got there.

import { RunbookError } from '../../errors.js';
import { DURATION_PATTERN, formatDuration, parseDuration } from '../../common/durations.js';
import {
  defineAction,
  type InverseOperation,
  type Operation,
  type Prediction,
  type RunContext,
  type RunResult,
} from '../../contracts/action.js';
import {
  DEFAULT_STOPPED_STATUS,
  PEER_INFO_PATH,
  RUNNING_STATUS,
  describeStatuses,
  hasStatus,
  peersKey,
  readPeerInfo,
  requirePeers,
  statusesOf,
  type PeerStatus,
} from './peers.js';
import { peerListSchema, peerStatusesOutputsSchema } from './schemas.js';

/** Inputs of bao.waitForPeers, as written in `with:`. */
export interface PeerWait {
  peers: string[];
  status?: string;
  interval?: string;
  timeout?: string;
}

/** The inputs with defaults applied and durations in milliseconds. */
export interface ResolvedPeerWait {
  peers: string[];
  status: string;
  intervalMs: number;
  timeoutMs: number;
}

/** What a wait returns: each peer's last status, and the pace and bound it waited with (for its revert). */
export interface WaitOutputs {
  peers: PeerStatus[];
  interval?: string;
  timeout?: string;
}

export const WAIT_DEFAULTS = { status: DEFAULT_STOPPED_STATUS, interval: '5s', timeout: '10m' } as const;

/** Applies the defaults and parses the durations; INVALID_INPUT for a duration that cannot be used. */
export function resolvePeerWait(inputs: PeerWait): ResolvedPeerWait {
  const intervalMs = durationInput('interval', inputs.interval ?? WAIT_DEFAULTS.interval);
  const timeoutMs = durationInput('timeout', inputs.timeout ?? WAIT_DEFAULTS.timeout);
  if (intervalMs <= 0)
    throw new RunbookError('INVALID_INPUT', `with.interval must be longer than 0 (got '${inputs.interval}'); for example 5s`);
  return { peers: inputs.peers, status: inputs.status ?? WAIT_DEFAULTS.status, intervalMs, timeoutMs };
}

/**
 * Polls until every peer shows `status` (ignoring case), sleeping `intervalMs` between polls; a last poll
 * is made at the deadline. A peer BAO does not list fails NOT_FOUND at once; the deadline passing fails
 * WAIT_TIMEOUT naming the peers not there and their last status.
 */
export async function waitForPeerStatus(wait: ResolvedPeerWait, ctx: RunContext): Promise<PeerStatus[]> {
  const deadline = Date.now() + wait.timeoutMs;
  for (let poll = 1; ; poll += 1) {
    const peers = requirePeers(await readPeerInfo(ctx.http), wait.peers);
    const laggards = peers.filter((p) => !hasStatus(p, wait.status));
    if (laggards.length === 0) return statusesOf(peers);
    const left = deadline - Date.now();
    if (left <= 0) {
      const late = statusesOf(laggards);
      throw new RunbookError(
        'WAIT_TIMEOUT',
        `after ${formatDuration(wait.timeoutMs)} (${poll} polls) these peers are still not ${wait.status}: ${describeStatuses(late)}; ` +
          'check them in BAO, or raise with.timeout',
        { details: { status: wait.status, timeoutMs: wait.timeoutMs, polls: poll, laggards: late } },
      );
    }
    ctx.log.debug({ waitingFor: laggards.map((p) => p.name), status: wait.status }, 'peers not there yet');
    await ctx.sleep(Math.min(wait.intervalMs, left));
  }
}

export default defineAction<PeerWait, WaitOutputs>({
  name: 'bao.waitForPeers',
  description:
    'Waits until every named BAO peer shows `status` (default STOPPED), polling GET /baocdp/rest/info/peer every ' +
    '`interval` (default 5s) for at most `timeout` (default 10m, then WAIT_TIMEOUT naming the peers that did not get ' +
    "there and their last status); the step's `timeout` bounds each poll. An unknown " +
    'peer fails NOT_FOUND at the first poll. Changes nothing: always `unchanged`. Previews do not wait: ' +
    '`plan --online` reads the statuses once instead. Reverted by a wait for the opposite status (RUNNING after STOPPED), ' +
    'for the peers the inverse of the step before it acts on, right after it.',
  connection: 'bao',
  // It changes nothing, but a preview must not block for up to `timeout`: marking it as acting keeps it
  // out of dry runs, and its probe reads the current statuses once instead.
  mutates: true,
  changesNothing: true,
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['peers'],
    properties: {
      peers: peerListSchema,
      status: {
        type: 'string',
        minLength: 1,
        default: WAIT_DEFAULTS.status,
        description: 'The status to wait for, e.g. STOPPED or RUNNING (compared without regard to case).',
      },
      interval: { type: 'string', pattern: DURATION_PATTERN, default: WAIT_DEFAULTS.interval, description: 'Time between polls.' },
      timeout: {
        type: 'string',
        pattern: DURATION_PATTERN,
        default: WAIT_DEFAULTS.timeout,
        description: "Bounds the whole wait (the step's timeout bounds each poll request).",
      },
    },
  },
  outputs: {
    ...peerStatusesOutputsSchema,
    properties: {
      ...peerStatusesOutputsSchema.properties,
      interval: { type: 'string', description: 'The interval it polled at: a revert waits at the same pace.' },
      timeout: { type: 'string', description: 'The bound it waited within: a revert waits as long.' },
    },
  },
  plan(inputs) {
    resolvePeerWait(inputs);
    return [{ key: peersKey(inputs.peers), inputs, request: { method: 'GET', path: PEER_INFO_PATH } }];
  },
  probe: probePeerWait,
  async run(op: Operation<PeerWait>, ctx: RunContext): Promise<RunResult<WaitOutputs>> {
    const peers = await waitForPeerStatus(resolvePeerWait(op.inputs), ctx);
    // It changes nothing on the server, whatever it saw: always `unchanged`.
    return {
      status: 'unchanged',
      outputs: { peers, interval: op.inputs.interval ?? WAIT_DEFAULTS.interval, timeout: op.inputs.timeout ?? WAIT_DEFAULTS.timeout },
    };
  },
  // A revert waits for the opposite status, right after the inverse of the step before (the stop or start
  // this wait followed), and only for the peers that inverse acts on: a peer the run left alone (already
  // stopped before it) is not waited for. Peers that all ended RUNNING are waited for until STOPPED, others
  // until RUNNING.
  revert: (done) => {
    const peers = done.outputs?.peers;
    if (!Array.isArray(peers)) return null;
    const acted = done.after === undefined ? undefined : peersActedOn(done.after);
    const waited = acted === undefined ? peers : peers.filter((p) => acted.has(p.name));
    if (waited.length === 0) return null;
    const running = peers.every((p) => p.status.toUpperCase() === RUNNING_STATUS);
    const { interval, timeout } = done.outputs ?? {};
    return {
      action: 'bao.waitForPeers',
      inputs: {
        peers: waited.map((p) => p.name),
        status: running ? DEFAULT_STOPPED_STATUS : RUNNING_STATUS,
        ...(typeof interval === 'string' ? { interval } : {}),
        ...(typeof timeout === 'string' ? { timeout } : {}),
      },
    };
  },
});

/** The peers that BAO operations act on (`peer`, or `peers` as names), or undefined when one names none. */
function peersActedOn(operations: readonly InverseOperation[]): Set<string> | undefined {
  const names = new Set<string>();
  for (const { inputs } of operations) {
    if (typeof inputs.peer === 'string') {
      names.add(inputs.peer);
    } else if (Array.isArray(inputs.peers)) {
      for (const p of inputs.peers) if (typeof p === 'string') names.add(p);
    } else {
      return undefined;
    }
  }
  return names;
}

async function probePeerWait(op: Operation<PeerWait>, ctx: RunContext): Promise<Prediction> {
  const wait = resolvePeerWait(op.inputs);
  let peers: ReturnType<typeof requirePeers>;
  try {
    peers = requirePeers(await readPeerInfo(ctx.http), wait.peers);
  } catch (e) {
    if (e instanceof RunbookError && e.code === 'NOT_FOUND') return { outcome: 'would fail', reason: e.message };
    throw e;
  }
  const laggards = statusesOf(peers.filter((p) => !hasStatus(p, wait.status)));
  if (laggards.length === 0) return { outcome: 'unchanged', reason: `every peer is already ${wait.status}` };
  return {
    outcome: 'unchanged',
    reason: `changes nothing; waits up to ${formatDuration(wait.timeoutMs)} for ${describeStatuses(laggards)} to be ${wait.status}`,
  };
}

function durationInput(key: 'interval' | 'timeout', text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) {
    throw new RunbookError('INVALID_INPUT', `with.${key} must be a duration such as 500ms, 5s, 10m or 1h30m (got '${text}')`);
  }
  return ms;
}
