// ocp.stopAgent: stops a whole host agent through an OCP task, and waits for the task to end.

import { defineAction } from '../../contracts/action.js';
import {
  agentVerbInputsSchema,
  inverseAgentVerb,
  agentVerbOutputsSchema,
  planAgentVerb,
  probeAgentVerb,
  runAgentVerb,
  type AgentVerbInputs,
} from './agent-verb.js';
import type { OcpTask } from './tasks.js';

export default defineAction<AgentVerbInputs, { task: OcpTask }>({
  name: 'ocp.stopAgent',
  description:
    "Stops a host's whole OCP agent (POST /api/v2/compute/hosts/{hostId}/agent/stop), then polls the task it starts " +
    '(GET /api/v2/tasks/instances/{id}) every `interval` until SUCCESSFUL (`changed`), FAILED (TASK_FAILED) or `timeout` ' +
    '(WAIT_TIMEOUT; OCP carries on with the task). Reverted by ocp.restartAgent on the same host.',
  connection: 'ocp',
  mutates: true,
  inputs: agentVerbInputsSchema,
  outputs: agentVerbOutputsSchema,
  plan: (inputs) => planAgentVerb(inputs, 'stop'),
  probe: (op, ctx) => probeAgentVerb(op, ctx, 'stop'),
  run: (op, ctx) => runAgentVerb(op, ctx, 'stop'),
  revert: (done) => inverseAgentVerb(done, 'ocp.restartAgent'),
});
