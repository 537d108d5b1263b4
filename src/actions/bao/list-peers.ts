// bao.listPeers: finds BAO peers whose name, type or status matches a pattern (and that are in a status),
// from one read of GET /baocdp/rest/info/peer, so that later steps can act on them by name. Read-only.

import { compileRegexInput, MAX_REGEX_INPUT_LENGTH } from '../../common/regex-input.js';
import { defineAction } from '../../contracts/action.js';
import { PEER_INFO_PATH, hasStatus, readPeerInfo, type PeerInfo } from './peers.js';

type MatchOn = 'name' | 'type' | 'status';

interface ListPeersInputs {
  pattern?: string;
  matchOn?: MatchOn;
  status?: string;
}

/** A peer as the action outputs it. */
export interface ListedPeer {
  name: string;
  type: string;
  status: string;
}

const ACTION = 'bao.listPeers';

export default defineAction<ListPeersInputs, { peers: ListedPeer[]; names: string[] }>({
  name: ACTION,
  description:
    'Lists BAO peers from GET /baocdp/rest/info/peer, keeping those whose `matchOn` field (name, type or status; ' +
    'default name) contains a match of `pattern` (unanchored: write ^…$ for a whole value) and, when given, that are ' +
    'in `status` (any case). Outputs `peers`, each with `name`, `type` and `status`, and their `names` (for ' +
    'bao.stopPeers and bao.waitForPeers). Read-only; always `unchanged`.',
  connection: 'bao',
  mutates: false,
  inputs: {
    type: 'object',
    additionalProperties: false,
    properties: {
      pattern: {
        type: 'string',
        format: 'regex',
        maxLength: MAX_REGEX_INPUT_LENGTH,
        description:
          `A JavaScript regular expression, case-sensitive and unanchored (AP matches LAP; ^AP[0-9]+$ matches AP1 only), at most ${MAX_REGEX_INPUT_LENGTH} ` +
          'characters, without nested repetition such as (a+)+. Default: every peer.',
      },
      matchOn: { enum: ['name', 'type', 'status'], default: 'name', description: 'The peer field `pattern` is tested on.' },
      status: { type: 'string', minLength: 1, description: 'Keep only peers in this status (any case), e.g. RUNNING.' },
    },
  },
  outputs: {
    type: 'object',
    properties: {
      peers: {
        type: 'array',
        description: 'The matching peers, in the order BAO lists them.',
        items: {
          type: 'object',
          required: ['name', 'type', 'status'],
          properties: { name: { type: 'string' }, type: { type: 'string' }, status: { type: 'string' } },
        },
      },
      names: { type: 'array', description: 'The names of those peers, in the same order.', items: { type: 'string' } },
    },
  },
  plan(inputs) {
    if (inputs.pattern !== undefined) compileRegexInput(inputs.pattern, 'pattern', ACTION);
    return [{ key: listKey(inputs), inputs, request: { method: 'GET', path: PEER_INFO_PATH } }];
  },
  async run(op, ctx) {
    const { pattern, matchOn = 'name', status } = op.inputs;
    const regex = pattern === undefined ? undefined : compileRegexInput(pattern, 'pattern', ACTION);
    const peers = (await readPeerInfo(ctx.http))
      .filter((p) => status === undefined || hasStatus(p, status))
      .map(listedPeer)
      .filter((p) => regex === undefined || regex.test(p[matchOn]));
    return { status: 'unchanged', outputs: { peers, names: peers.map((p) => p.name) } };
  },
});

/** Name, type and status of a peer; `UNKNOWN` for a type or status BAO leaves out. */
function listedPeer(p: PeerInfo): ListedPeer {
  return { name: p.name, type: typeof p.type === 'string' ? p.type : 'UNKNOWN', status: p.status };
}

function listKey(inputs: ListPeersInputs): string {
  const parts = [
    inputs.pattern !== undefined && `${inputs.matchOn ?? 'name'}~${inputs.pattern}`,
    inputs.status !== undefined && `status=${inputs.status}`,
  ];
  return parts.filter(Boolean).join('/') || 'all';
}
