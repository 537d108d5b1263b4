// bao.startPeer: asks BAO to start one peer (PUT /baocdp/rest/peer/{name}/start).

import { defineAction } from '../../contracts/action.js';
import { inversePeerVerb, planPeerVerb, probePeerVerb, runPeerVerb, type PeerTarget, type PeerVerbOutputs } from './peer-verb.js';
import { peerNameSchema, singlePeerOutputsSchema } from './schemas.js';

export default defineAction<PeerTarget, PeerVerbOutputs>({
  name: 'bao.startPeer',
  description:
    'Asks BAO to start one peer (PUT /baocdp/rest/peer/{name}/start). Reads GET /info/peer first: a peer already ' +
    'RUNNING is `unchanged` and nothing is sent; an unknown peer fails NOT_FOUND. `changed` means the start was ' +
    'accepted (200, 202 or 204): the peer starts in the background (follow with bao.waitForPeers, status RUNNING). Reverted by bao.stopPeer.',
  connection: 'bao',
  mutates: true,
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['peer'],
    properties: { peer: peerNameSchema },
  },
  outputs: singlePeerOutputsSchema,
  plan: (inputs) => planPeerVerb(inputs, 'start'),
  probe: (op, ctx) => probePeerVerb(op, ctx, 'start'),
  run: (op, ctx) => runPeerVerb(op, ctx, 'start'),
  revert: (done) => inversePeerVerb(done, 'bao.stopPeer'),
});
