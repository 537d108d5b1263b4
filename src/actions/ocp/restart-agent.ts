// ocp.restartAgent: restarts a whole host agent through an OCP task, and waits for the task to end.

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
  name: 'ocp.restartAgent',
  description:
    "Restarts a host's whole OCP agent (POST /api/v2/compute/hosts/{hostId}/agent/restart), then polls the task it starts " +
    '(GET /api/v2/tasks/instances/{id}) every `interval` until SUCCESSFUL (`changed`), FAILED (TASK_FAILED) or `timeout` ' +
    '(WAIT_TIMEOUT; OCP carries on with the task). Reverted by ocp.stopAgent on the same host.',
  connection: 'ocp',
  mutates: true,
  inputs: agentVerbInputsSchema,
  outputs: agentVerbOutputsSchema,
  plan: (inputs) => planAgentVerb(inputs, 'restart'),
  probe: (op, ctx) => probeAgentVerb(op, ctx, 'restart'),
  run: (op, ctx) => runAgentVerb(op, ctx, 'restart'),
  revert: (done) => inverseAgentVerb(done, 'ocp.stopAgent'),
});
