// What stopping and starting BAO peers share, for one peer (PUT /peer/{name}/{verb}) and for a group
// (POST /peer/{verb}): read the statuses once, leave alone the peers already there, send the rest.
// BAO only accepts the request; the peers change in the background (wait with bao.waitForPeers).

import type { HttpRequest } from '../../contracts/connection.js';
import { encodePath } from '../../connections/encode-path.js';
import { RunbookError, isRunbookError } from '../../errors.js';
import type {
  ChangedOperation,
  InverseOperation,
  Operation,
  PlannedOperation,
  Prediction,
  RunContext,
  RunResult,
} from '../../contracts/action.js';
import {
  DEFAULT_STOPPED_STATUS,
  RUNNING_STATUS,
  describeStatuses,
  hasStatus,
  peersKey,
  readPeerInfo,
  requirePeers,
  splitIntoBatches,
  statusesOf,
  withPeerNotFound,
  type PeerInfo,
} from './peers.js';

export type PeerVerb = 'stop' | 'start';

/** Inputs of bao.stopPeer / bao.startPeer. `stoppedStatus` is only offered by stopPeer. */
export interface PeerTarget {
  peer: string;
  stoppedStatus?: string;
}

/** Inputs of bao.stopPeers / bao.startPeers. */
export interface PeerGroup {
  peers: string[];
  batchSize?: number;
  stoppedStatus?: string;
}

export interface PeerVerbOutputs {
  peer: string;
  /** The status BAO reported before anything was sent. */
  statusBefore: string;
  /** Whether the stop/start request was sent (false: the peer was already there). */
  sent: boolean;
}

export interface PeerGroupOutputs {
  /** Peers a stop/start request was sent for. */
  sent: string[];
  /** Peers already in the wanted status: nothing was sent for them. */
  alreadyThere: string[];
}

/** The status a peer shows once the verb has taken effect. */
export function wantedStatusOf(verb: PeerVerb, stoppedStatus: string | undefined): string {
  return verb === 'stop' ? (stoppedStatus ?? DEFAULT_STOPPED_STATUS) : RUNNING_STATUS;
}

/** `PUT /peer/{name}/stop`, the name percent-encoded as one segment. */
export function singlePeerRequest(name: string, verb: PeerVerb): HttpRequest {
  return { method: 'PUT', path: verb === 'stop' ? encodePath`/peer/${name}/stop` : encodePath`/peer/${name}/start` };
}

/** `POST /peer/stop` with `{"peers":[{"name":...}]}`. */
export function peerGroupRequest(names: readonly string[], verb: PeerVerb): HttpRequest {
  return { method: 'POST', path: verb === 'stop' ? '/peer/stop' : '/peer/start', body: { peers: names.map((name) => ({ name })) } };
}

/** Undoes a changed bao.stopPeer or bao.startPeer: `action` on the peer, when a request was sent for it. */
export function inversePeerVerb(done: ChangedOperation<Partial<PeerVerbOutputs>>, action: string): InverseOperation | null {
  const { peer, sent } = done.outputs ?? {};
  if (typeof peer !== 'string')
    throw new RunbookError('SCHEMA', `the record of ${done.key} does not say which peer it acted on (outputs.peer)`);
  return sent === false ? null : { action, inputs: { peer } };
}

/** Undoes a changed bao.stopPeers or bao.startPeers: `action` on the peers a request was sent for, and only those. */
export function inversePeerGroupVerb(done: ChangedOperation<Partial<PeerGroupOutputs>>, action: string): InverseOperation | null {
  const sent = done.outputs?.sent;
  if (!Array.isArray(sent) || !sent.every((p) => typeof p === 'string')) {
    throw new RunbookError('SCHEMA', `the record of ${done.key} does not say which peers it acted on (outputs.sent)`);
  }
  return sent.length === 0 ? null : { action, inputs: { peers: sent } };
}

export function planPeerVerb(inputs: PeerTarget, verb: PeerVerb): PlannedOperation<PeerTarget>[] {
  return [{ key: `peer=${inputs.peer}`, inputs, request: singlePeerRequest(inputs.peer, verb) }];
}

export async function runPeerVerb(op: Operation<PeerTarget>, ctx: RunContext, verb: PeerVerb): Promise<RunResult<PeerVerbOutputs>> {
  const { peer: name, stoppedStatus } = op.inputs;
  const [before] = requirePeers(await readPeerInfo(ctx.http), [name]) as [PeerInfo];
  if (hasStatus(before, wantedStatusOf(verb, stoppedStatus))) {
    ctx.log.debug({ peer: name, status: before.status }, `peer already there; ${verb} not sent`);
    return { status: 'unchanged', outputs: { peer: name, statusBefore: before.status, sent: false } };
  }
  await withPeerNotFound([name], () => ctx.http.request(singlePeerRequest(name, verb)));
  return { status: 'changed', outputs: { peer: name, statusBefore: before.status, sent: true } };
}

export async function probePeerVerb(op: Operation<PeerTarget>, ctx: RunContext, verb: PeerVerb): Promise<Prediction> {
  return predict(() => readPeerInfo(ctx.http), [op.inputs.peer], verb, op.inputs.stoppedStatus);
}

/** One operation per batch of at most `batchSize` peers, each showing the request it may send. */
export function planPeerGroupVerb(inputs: PeerGroup, verb: PeerVerb): PlannedOperation<PeerGroup>[] {
  return splitIntoBatches(inputs.peers, inputs.batchSize).map((batch) => ({
    key: peersKey(batch),
    inputs: { ...inputs, peers: batch },
    request: peerGroupRequest(batch, verb),
  }));
}

/**
 * Reads the statuses once, then sends the peers not already there, in batches of `batchSize` (the plan
 * already split the list, so this is normally one request). Unknown peers fail the whole group first.
 */
export async function runPeerGroupVerb(op: Operation<PeerGroup>, ctx: RunContext, verb: PeerVerb): Promise<RunResult<PeerGroupOutputs>> {
  const { peers: names, batchSize, stoppedStatus } = op.inputs;
  const wanted = wantedStatusOf(verb, stoppedStatus);
  const peers = requirePeers(await readPeerInfo(ctx.http), names);
  const alreadyThere = peers.filter((p) => hasStatus(p, wanted)).map((p) => p.name);
  const toSend = peers.filter((p) => !hasStatus(p, wanted)).map((p) => p.name);
  if (toSend.length === 0) return { status: 'unchanged', outputs: { sent: [], alreadyThere } };

  const sent: string[] = [];
  for (const batch of splitIntoBatches(toSend, batchSize)) {
    try {
      // Sent twice, it does what it does once (a peer already stopped, or started, stays so): it may be
      // retried after a timeout like a PUT.
      await withPeerNotFound(batch, () => ctx.http.request({ ...peerGroupRequest(batch, verb), idempotent: true }));
    } catch (e) {
      if (sent.length === 0 || !isRunbookError(e)) throw e;
      // Earlier batches were accepted: say so, or the user would think nothing changed.
      throw new RunbookError(e.code, `${e.message} (the ${verb} of ${sent.join(', ')} was already accepted)`, {
        details: { ...e.details, sent: [...sent] },
        transient: e.transient,
        cause: e,
      });
    }
    for (const name of batch) sent.push(name);
  }
  return { status: 'changed', outputs: { sent, alreadyThere } };
}

export async function probePeerGroupVerb(op: Operation<PeerGroup>, ctx: RunContext, verb: PeerVerb): Promise<Prediction> {
  return predict(() => readPeerInfo(ctx.http), op.inputs.peers, verb, op.inputs.stoppedStatus);
}

async function predict(
  read: () => Promise<PeerInfo[]>,
  names: readonly string[],
  verb: PeerVerb,
  stoppedStatus: string | undefined,
): Promise<Prediction> {
  let peers: PeerInfo[];
  try {
    peers = requirePeers(await read(), names);
  } catch (e) {
    if (isRunbookError(e) && e.code === 'NOT_FOUND') return { outcome: 'would fail', reason: e.message };
    throw e;
  }
  const wanted = wantedStatusOf(verb, stoppedStatus);
  const there = peers.filter((p) => hasStatus(p, wanted));
  const notThere = peers.filter((p) => !hasStatus(p, wanted));
  if (notThere.length === 0) return { outcome: 'unchanged', reason: `already ${wanted}: ${describeStatuses(statusesOf(there))}` };
  const skipped = there.length === 0 ? '' : `; already ${wanted}, not sent: ${there.map((p) => p.name).join(', ')}`;
  return { outcome: 'would change', reason: `${verb} is sent for ${describeStatuses(statusesOf(notThere))}${skipped}` };
}
