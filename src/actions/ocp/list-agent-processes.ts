// ocp.listAgentProcesses: reads a host's agent processes (every page), optionally filtered, so that later
// steps can forEach over them. Read-only: it also runs during a dry run.

import { encodePath } from '../../connections/encode-path.js';
import { defineAction } from '../../contracts/action.js';
import { PROCESS_PAGE_SIZE, listProcesses, type AgentProcess } from './processes.js';

interface ListInputs {
  hostId: number;
  alias?: string;
  status?: 'STARTED' | 'STOPPED';
}

export default defineAction<ListInputs, { processes: AgentProcess[] }>({
  name: 'ocp.listAgentProcesses',
  description:
    "Lists a host's agent processes (GET /api/v2/compute/hosts/{hostId}/agent/processes, every page), keeping those " +
    'that match `alias` and `status` when given. Outputs `processes`, each with `id` and `hostId`. Read-only; always ' +
    '`unchanged`: it runs in `plan --online` and feeds later steps (`forEach: ${{ steps.<id>.outputs.processes }}`). ' +
    'Process lists (here and in the process actions) follow at most 2,000 pages of 100; a server that still ' +
    'announces more fails the operation with BAD_RESPONSE naming the bound.',
  connection: 'ocp',
  mutates: false,
  inputs: {
    type: 'object',
    additionalProperties: false,
    required: ['hostId'],
    properties: {
      hostId: { type: 'integer', minimum: 1, description: 'OCP host id.' },
      alias: { type: 'string', minLength: 1, description: 'Keep only processes with this alias (exact match).' },
      status: { enum: ['STARTED', 'STOPPED'], description: 'Keep only processes in this status.' },
    },
  },
  outputs: {
    type: 'object',
    properties: {
      processes: {
        type: 'array',
        description: 'HostAgentProcess objects as OCP returns them (id, hostId, alias, status, operable, pid, ...).',
        items: { type: 'object', required: ['id', 'hostId'] },
      },
    },
  },
  // The first page's GET is known in full; further pages, if any, follow the same path with the next `page`.
  plan: (inputs) => [
    {
      key: listKey(inputs),
      inputs,
      request: {
        method: 'GET',
        path: encodePath`/compute/hosts/${inputs.hostId}/agent/processes`,
        query: { page: 1, size: PROCESS_PAGE_SIZE },
      },
    },
  ],
  async run(op, ctx) {
    const { hostId, alias, status } = op.inputs;
    const processes = (await listProcesses(ctx.http, hostId, ctx)).filter(
      (p) => (alias === undefined || p.alias === alias) && (status === undefined || p.status === status),
    );
    return { status: 'unchanged', outputs: { processes } };
  },
});

function listKey(inputs: ListInputs): string {
  return [`host=${inputs.hostId}`, inputs.alias && `alias=${inputs.alias}`, inputs.status && `status=${inputs.status}`]
    .filter(Boolean)
    .join('/');
}
