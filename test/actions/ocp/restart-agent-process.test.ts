// ocp.restartAgentProcess: what only restarting does. It always acts (a restart of a running process gives it
// a new pid), and it is also how a stopped process is started, since OCP has no per-process start.

import { describe, expect, it } from 'vitest';
import restartAgentProcess from '../../../src/actions/ocp/restart-agent-process.js';
import { mutatingRequests, useOcpSimulator } from './ocp-sim.js';

const bed = useOcpSimulator();

describe('ocp.restartAgentProcess', () => {
  it('is a mutating action on an ocp connection', () => {
    expect(restartAgentProcess).toMatchObject({ name: 'ocp.restartAgentProcess', connection: 'ocp', mutates: true });
  });

  it('restarts a running process: changed, with a new pid', async () => {
    const pidBefore = bed.sim.ocp.process(20, 187)?.pid;
    const { ctx } = bed.context();
    const result = await restartAgentProcess.run({ key: 'k', inputs: { hostId: 20, alias: 'ob_logtailer' } }, ctx);
    expect(result.status).toBe('changed');
    expect(result.outputs?.process).toMatchObject({ id: 187, hostId: 20, status: 'STARTED' });
    expect(result.outputs?.process.pid).not.toBe(pidBefore);
    expect(bed.sim.ocp.process(20, 187)).toMatchObject({ status: 'STARTED', restarts: 1 });
    expect(mutatingRequests(bed.sim)).toHaveLength(1);
  });

  it('starts a stopped process', async () => {
    bed.sim.ocp.setProcessStatus(20, 185, 'STOPPED');
    const { ctx } = bed.context();
    const result = await restartAgentProcess.run({ key: 'k', inputs: { hostId: 20, agentProcessId: 185 } }, ctx);
    expect(result.status).toBe('changed');
    expect(bed.sim.ocp.process(20, 185)?.status).toBe('STARTED');
  });

  it('predicts a change even for a running process, since a restart always acts', async () => {
    const { ctx } = bed.context({ readOnly: true });
    await expect(restartAgentProcess.probe!({ key: 'k', inputs: { hostId: 20, agentProcessId: 185 } }, ctx)).resolves.toEqual({
      outcome: 'would change',
      reason: "process 'obstat2' (185) is STARTED, so restart it",
      request: { method: 'POST', path: '/compute/hosts/20/agent/processes/185/restart' },
    });
  });
});
