// A registry of small test actions and one test connection type, shaped like the real OCP ones, so the
// loader's tests do not depend on the built-ins (which grow while the product evolves).

import { defineAction, defineConnection } from '../../src/contracts/action.js';
import { Registry } from '../../src/actions/registry.js';

export const stopProcess = defineAction({
  name: 'ocp.stopAgentProcess',
  description: 'Stops one agent process on one host.',
  connection: 'ocp',
  mutates: true,
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['hostId'],
    properties: {
      hostId: { type: 'integer', minimum: 1 },
      agentProcessId: { type: 'integer' },
      alias: { type: 'string', minLength: 1 },
      tags: { type: 'array', items: { type: 'string' } },
      target: {
        type: 'object',
        additionalProperties: false,
        properties: { port: { type: 'integer' }, mode: { enum: ['soft', 'hard'] } },
      },
    },
  },
  async run() {
    return { status: 'changed' };
  },
});

export const listHosts = defineAction({
  name: 'ocp.listHosts',
  description: 'Lists hosts (read-only).',
  connection: 'ocp',
  mutates: false,
  inputs: { type: 'object', properties: { status: { type: 'string' } } },
  async run() {
    return { status: 'unchanged', outputs: { ids: [20, 21] } };
  },
});

export const sleep = defineAction({
  name: 'core.sleep',
  description: 'Waits.',
  mutates: false,
  inputs: { type: 'object', additionalProperties: false, properties: { duration: { type: 'string' } } },
  async run() {
    return { status: 'unchanged' };
  },
});

export const stopPeer = defineAction({
  name: 'bao.stopPeer',
  description: 'Stops one BAO peer.',
  connection: 'bao',
  mutates: true,
  inputs: { type: 'object', required: ['peer'], properties: { peer: { type: 'string' } } },
  async run() {
    return { status: 'changed' };
  },
});

const auth = {
  type: 'object',
  additionalProperties: false,
  required: ['type'],
  properties: { type: { enum: ['basic'] }, username: { type: 'string' }, password: { type: 'string' } },
};

export const ocpConnection = defineConnection({
  type: 'ocp',
  description: 'Test OCP connection.',
  config: {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'url'],
    properties: { type: { const: 'ocp' }, url: { type: 'string' }, auth },
  },
  open: () => ({ authorize() {} }),
});

export const baoConnection = defineConnection({
  type: 'bao',
  description: 'Test BAO connection.',
  config: {
    type: 'object',
    additionalProperties: false,
    required: ['type', 'url'],
    properties: { type: { const: 'bao' }, url: { type: 'string' }, auth },
  },
  open: () => ({ authorize() {} }),
});

/** A fresh registry holding the test actions and connection types. */
export function testRegistry(): Registry {
  const registry = new Registry();
  registry.registerConnection(ocpConnection);
  registry.registerConnection(baoConnection);
  for (const action of [stopProcess, listHosts, sleep, stopPeer]) registry.registerAction(action);
  return registry;
}
