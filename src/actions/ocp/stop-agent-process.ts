// ocp.stopAgentProcess: stops one host agent process, by id or by alias.

import { defineAction } from '../../contracts/action.js';
import { inverseProcessVerb, planProcessVerb, probeProcessVerb, runProcessVerb, type ProcessVerb } from './process-verb.js';
import { processTargetSchema, type AgentProcess, type ProcessTarget } from './processes.js';

const STOP: ProcessVerb = { verb: 'stop', wanted: 'STOPPED', skipWhenAlreadyThere: true };

export default defineAction<ProcessTarget, { process: AgentProcess }>({
  name: 'ocp.stopAgentProcess',
  description:
    'Stops one OCP host agent process (POST /api/v2/compute/hosts/{hostId}/agent/processes/{id}/stop). ' +
    'Reads the process first (GET .../agent/processes, every page). `changed`: a stop was sent and the answer says ' +
    'STOPPED (else UNEXPECTED_STATE). `unchanged`: it was already STOPPED and nothing was sent (also when OCP ' +
    'refuses with CMP07019 and a re-read shows it stopped). `operable: false` fails with NOT_OPERABLE before ' +
    'anything is sent; an unknown host or alias is NOT_FOUND, listing what the host has. Reverted by ' +
    'ocp.restartAgentProcess with `onlyIfStopped` on the process id it resolved.',
  connection: 'ocp',
  mutates: true,
  inputs: processTargetSchema,
  outputs: {
    type: 'object',
    properties: { process: { type: 'object', description: 'The process as OCP reports it after the stop.' } },
  },
  plan: (inputs) => planProcessVerb(inputs, STOP),
  probe: (op, ctx) => probeProcessVerb(op, ctx, STOP),
  run: (op, ctx) => runProcessVerb(op, ctx, STOP),
  // OCP has no per-process start: a restart starts a stopped process, and leaves one started since alone.
  revert: (done) => inverseProcessVerb(done, 'ocp.restartAgentProcess', { onlyIfStopped: true }),
});
