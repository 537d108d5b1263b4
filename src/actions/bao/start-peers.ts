// bao.startPeers: asks BAO to start a group of peers in one request per batch (POST /baocdp/rest/peer/start).

import { defineAction } from '../../contracts/action.js';
import {
  inversePeerGroupVerb,
  planPeerGroupVerb,
  probePeerGroupVerb,
  runPeerGroupVerb,
  type PeerGroup,
  type PeerGroupOutputs,
} from './peer-verb.js';
import { batchSizeSchema, peerGroupOutputsSchema, peerListSchema } from './schemas.js';

export default defineAction<PeerGroup, PeerGroupOutputs>({
  name: 'bao.startPeers',
  description:
    'Asks BAO to start several peers with POST /baocdp/rest/peer/start {"peers":[{"name":...}]}, one operation per ' +
    'batch of batchSize (its key names the batch: `peers=AP1,AP2`). Reads GET /info/peer once per operation: peers already RUNNING are left out, and when none ' +
    'is left the operation is `unchanged` and sends nothing; any unknown peer fails NOT_FOUND before anything is ' +
    'sent. `changed` means the start was accepted: the peers start in the background. Reverted by bao.stopPeers for the peers it sent.',
  connection: 'bao',
  mutates: true,
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['peers'],
    properties: { peers: peerListSchema, batchSize: batchSizeSchema },
  },
  outputs: peerGroupOutputsSchema,
  plan: (inputs) => planPeerGroupVerb(inputs, 'start'),
  probe: (op, ctx) => probePeerGroupVerb(op, ctx, 'start'),
  run: (op, ctx) => runPeerGroupVerb(op, ctx, 'start'),
  revert: (done) => inversePeerGroupVerb(done, 'bao.stopPeers'),
});
