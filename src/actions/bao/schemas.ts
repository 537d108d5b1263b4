// The JSON Schemas of the BAO peer actions' inputs and outputs, in one place so the actions agree.

import { DEFAULT_STOPPED_STATUS } from './peers.js';

export const peerNameSchema = {
  type: 'string',
  minLength: 1,
  description: 'A BAO peer name, e.g. AP1. Sent as one percent-encoded path segment.',
} as const;

export const peerListSchema = {
  type: 'array',
  minItems: 1,
  uniqueItems: true,
  items: peerNameSchema,
  description: 'BAO peer names, e.g. [AP1, AP2].',
} as const;

export const stoppedStatusSchema = {
  type: 'string',
  minLength: 1,
  default: DEFAULT_STOPPED_STATUS,
  description: 'The status BAO reports for a stopped peer (compared without regard to case).',
} as const;

export const batchSizeSchema = {
  type: 'integer',
  minimum: 1,
  description: 'Send at most this many peers per request; a longer list becomes one operation per batch. Default: all in one.',
} as const;

const peerNames = { type: 'array', items: { type: 'string' } } as const;

export const singlePeerOutputsSchema = {
  type: 'object',
  properties: {
    peer: { type: 'string', description: 'The peer name.' },
    statusBefore: { type: 'string', description: 'The status BAO reported before anything was sent.' },
    sent: { type: 'boolean', description: 'Whether the request was sent (false when the peer was already there).' },
  },
} as const;

export const peerGroupOutputsSchema = {
  type: 'object',
  properties: {
    sent: { ...peerNames, description: 'Peers the request was sent for, in the order given.' },
    alreadyThere: { ...peerNames, description: 'Peers already in the wanted status: nothing was sent for them.' },
  },
} as const;

export const peerStatusesOutputsSchema = {
  type: 'object',
  properties: {
    peers: {
      type: 'array',
      description: 'Each named peer with the status of the last poll, in the order given.',
      items: { type: 'object', properties: { name: { type: 'string' }, status: { type: 'string' } } },
    },
  },
} as const;
