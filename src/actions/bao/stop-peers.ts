// bao.stopPeers: asks BAO to stop a group of peers in one request per batch (POST /baocdp/rest/peer/stop).

import { defineAction } from '../../contracts/action.js';
import {
  inversePeerGroupVerb,
  planPeerGroupVerb,
  probePeerGroupVerb,
  runPeerGroupVerb,
  type PeerGroup,
  type PeerGroupOutputs,
} from './peer-verb.js';
import { batchSizeSchema, peerGroupOutputsSchema, peerListSchema, stoppedStatusSchema } from './schemas.js';

export default defineAction<PeerGroup, PeerGroupOutputs>({
  name: 'bao.stopPeers',
  description:
    'Asks BAO to stop several peers with POST /baocdp/rest/peer/stop {"peers":[{"name":...}]}, one operation per ' +
    'batch of batchSize (its key names the batch: `peers=AP1,AP2`). Reads GET /info/peer once per operation: peers already in stoppedStatus are left out, and ' +
    'when none is left the operation is `unchanged` and sends nothing; any unknown peer fails NOT_FOUND before ' +
    'anything is sent. `changed` means the stop was accepted: the peers stop in the background. Reverted by bao.startPeers for the peers it sent.',
  connection: 'bao',
  mutates: true,
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['peers'],
    properties: { peers: peerListSchema, batchSize: batchSizeSchema, stoppedStatus: stoppedStatusSchema },
  },
  outputs: peerGroupOutputsSchema,
  plan: (inputs) => planPeerGroupVerb(inputs, 'stop'),
  probe: (op, ctx) => probePeerGroupVerb(op, ctx, 'stop'),
  run: (op, ctx) => runPeerGroupVerb(op, ctx, 'stop'),
  revert: (done) => inversePeerGroupVerb(done, 'bao.startPeers'),
});
