// Reading BAO peers and naming them in requests: the shared lookups of the peer actions (stop, start, wait).
// BAO documents little about its answers, so the peer list is read leniently and statuses compared loosely.

import type { HttpClient } from '../../contracts/connection.js';
import { RunbookError, isRunbookError } from '../../errors.js';

/** One entry of `GET /baocdp/rest/info/peer` (fields beyond these are kept as they come). */
export interface PeerInfo {
  name: string;
  status: string;
  [field: string]: unknown;
}

/** A peer's name and the status BAO reported for it. */
export interface PeerStatus {
  name: string;
  status: string;
}

/** The only running status BAO documents. */
export const RUNNING_STATUS = 'RUNNING';
/** What BAO most likely reports for a stopped peer (undocumented, hence the `stoppedStatus` input). */
export const DEFAULT_STOPPED_STATUS = 'STOPPED';
/** The read-only request that gives every peer's status. */
export const PEER_INFO_PATH = '/info/peer';

/** Reads the status of every peer BAO knows. */
export async function readPeerInfo(http: HttpClient): Promise<PeerInfo[]> {
  const res = await http.request({ method: 'GET', path: PEER_INFO_PATH });
  return peerInfoFromAnswer(res.body);
}

/**
 * The peers in an answer of `GET /info/peer`: `{ peerInfoList: [...] }`, a bare list, or (as some Java
 * serialisers write a one-element list) a single object. Entries without a string name are ignored.
 */
export function peerInfoFromAnswer(body: unknown): PeerInfo[] {
  const list = isRecord(body) ? body.peerInfoList : body;
  const entries = Array.isArray(list) ? list : isRecord(list) ? [list] : undefined;
  if (entries === undefined) {
    throw new RunbookError(
      'BAD_RESPONSE',
      'BAO answered GET /baocdp/rest/info/peer without a peerInfoList; is the connection url the CDP?',
    );
  }
  return entries
    .filter(isRecord)
    .flatMap((e) =>
      typeof e.name === 'string' ? [{ ...e, name: e.name, status: typeof e.status === 'string' ? e.status : 'UNKNOWN' }] : [],
    );
}

/**
 * The named peers, in the order given. Throws NOT_FOUND naming every peer BAO does not list (and the
 * peers it does list), before anything is sent.
 */
export function requirePeers(known: PeerInfo[], names: readonly string[]): PeerInfo[] {
  const byName = new Map(known.map((p) => [p.name, p]));
  const missing = names.filter((n) => !byName.has(n));
  if (missing.length > 0) {
    const which = missing.map((n) => `'${n}'`).join(', ');
    throw new RunbookError(
      'NOT_FOUND',
      `BAO has no peer ${which}; it has: ${describeKnown(known)}. Check the peer names (they are case-sensitive)`,
      { details: { missing } },
    );
  }
  return names.map((n) => byName.get(n) as PeerInfo);
}

/** Whether a peer shows the status, ignoring case (BAO writes statuses in upper case, runbooks may not). */
export function hasStatus(peer: PeerInfo, status: string): boolean {
  return peer.status.toUpperCase() === status.toUpperCase();
}

/** The key of an operation on several peers: `peers=AP1,AP2`. */
export function peersKey(names: readonly string[]): string {
  return `peers=${names.join(',')}`;
}

/** Splits a list into consecutive batches of at most `size` items; one batch when size is not given. */
export function splitIntoBatches<T>(items: readonly T[], size: number | undefined): T[][] {
  if (size === undefined || size >= items.length) return [[...items]];
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}

/** Turns BAO's 404 ("peer not found") into NOT_FOUND naming the peers, keeping the server's details. */
export async function withPeerNotFound<T>(names: readonly string[], fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isRunbookError(e) && e.details?.status === 404) {
      const which = names.map((n) => `'${n}'`).join(', ');
      throw new RunbookError('NOT_FOUND', `BAO answered 404 for peer ${which}: it does not know it (${e.message})`, {
        details: { ...e.details, peers: [...names] },
      });
    }
    throw e;
  }
}

/** Names and statuses, for outputs and messages. */
export function statusesOf(peers: readonly PeerInfo[]): PeerStatus[] {
  return peers.map((p) => ({ name: p.name, status: p.status }));
}

/** `AP1 (RUNNING), AP2 (STOPPED)`. */
export function describeStatuses(peers: readonly PeerStatus[]): string {
  return peers.map((p) => `${p.name} (${p.status})`).join(', ');
}

function describeKnown(known: PeerInfo[]): string {
  if (known.length === 0) return 'no peers';
  const shown = known
    .slice(0, 20)
    .map((p) => p.name)
    .join(', ');
  return known.length > 20 ? `${shown} and ${known.length - 20} more` : shown;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
