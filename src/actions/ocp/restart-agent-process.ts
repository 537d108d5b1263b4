// ocp.restartAgentProcess: restarts one host agent process (OCP has no per-process start).

import { defineAction } from '../../contracts/action.js';
import { inverseProcessVerb, planProcessVerb, probeProcessVerb, runProcessVerb, type ProcessVerb } from './process-verb.js';
import { processTargetSchema, type AgentProcess, type ProcessTarget } from './processes.js';

const RESTART: ProcessVerb = { verb: 'restart', wanted: 'STARTED', skipWhenAlreadyThere: false };

export default defineAction<ProcessTarget, { process: AgentProcess }>({
  name: 'ocp.restartAgentProcess',
  description:
    'Restarts one OCP host agent process (POST .../agent/processes/{id}/restart). OCP has no per-process start, ' +
    'so this also starts a stopped process. Always `changed` when it succeeds; the answer must show STARTED; ' +
    '`operable: false` fails with NOT_OPERABLE. With `onlyIfStopped: true`, a process already STARTED is `unchanged` ' +
    'and nothing is sent. Reverted by ocp.stopAgentProcess on the process id it resolved.',
  connection: 'ocp',
  mutates: true,
  inputs: {
    ...processTargetSchema,
    properties: {
      ...processTargetSchema.properties,
      onlyIfStopped: {
        type: 'boolean',
        default: false,
        description: 'Leave a process that is already STARTED alone (`unchanged`); what `runbook revert` sends.',
      },
    },
  },
  outputs: {
    type: 'object',
    properties: { process: { type: 'object', description: 'The process as OCP reports it after the restart.' } },
  },
  plan: (inputs) => planProcessVerb(inputs, RESTART),
  probe: (op, ctx) => probeProcessVerb(op, ctx, RESTART),
  run: (op, ctx) => runProcessVerb(op, ctx, RESTART),
  revert: (done) => inverseProcessVerb(done, 'ocp.stopAgentProcess'),
});
