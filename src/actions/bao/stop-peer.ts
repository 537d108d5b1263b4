// bao.stopPeer: asks BAO to stop one peer (PUT /baocdp/rest/peer/{name}/stop).

import { defineAction } from '../../contracts/action.js';
import { inversePeerVerb, planPeerVerb, probePeerVerb, runPeerVerb, type PeerTarget, type PeerVerbOutputs } from './peer-verb.js';
import { peerNameSchema, singlePeerOutputsSchema, stoppedStatusSchema } from './schemas.js';

export default defineAction<PeerTarget, PeerVerbOutputs>({
  name: 'bao.stopPeer',
  description:
    'Asks BAO to stop one peer (PUT /baocdp/rest/peer/{name}/stop). Reads GET /info/peer first: a peer already ' +
    'in stoppedStatus is `unchanged` and nothing is sent; an unknown peer fails NOT_FOUND. `changed` means the stop ' +
    'was accepted (200, 202 or 204): the peer stops in the background (follow with bao.waitForPeers). Reverted by bao.startPeer.',
  connection: 'bao',
  mutates: true,
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['peer'],
    properties: { peer: peerNameSchema, stoppedStatus: stoppedStatusSchema },
  },
  outputs: singlePeerOutputsSchema,
  plan: (inputs) => planPeerVerb(inputs, 'stop'),
  probe: (op, ctx) => probePeerVerb(op, ctx, 'stop'),
  run: (op, ctx) => runPeerVerb(op, ctx, 'stop'),
  revert: (done) => inversePeerVerb(done, 'bao.startPeer'),
});
