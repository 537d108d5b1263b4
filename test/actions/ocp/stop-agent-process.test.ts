// ocp.stopAgentProcess: what only stopping does. A process already STOPPED is left alone, however OCP would
// answer a second stop, and a stop refused because someone else stopped it first is not a failure.

import { describe, expect, it } from 'vitest';
import stopAgentProcess from '../../../src/actions/ocp/stop-agent-process.js';
import { actingAfterFirstRead, mutatingRequests, useOcpSimulator } from './ocp-sim.js';

const bed = useOcpSimulator();

describe('ocp.stopAgentProcess', () => {
  it('is a mutating action on an ocp connection', () => {
    expect(stopAgentProcess).toMatchObject({ name: 'ocp.stopAgentProcess', connection: 'ocp', mutates: true });
  });

  it('stops a running process: pid 0, one stop counted by OCP', async () => {
    const { ctx } = bed.context();
    const result = await stopAgentProcess.run({ key: 'k', inputs: { hostId: 42, alias: 'ob_cleaner' } }, ctx);
    expect(result.status).toBe('changed');
    expect(result.outputs?.process).toMatchObject({ id: 188, hostId: 42, status: 'STOPPED', pid: 0 });
    expect(bed.sim.ocp.process(42, 188)).toMatchObject({ status: 'STOPPED', stops: 1 });
  });

  describe.each(['ok', 'error'] as const)('with alreadyStoppedAnswer: %s', (alreadyStoppedAnswer) => {
    it('leaves an already STOPPED process alone: unchanged, and no stop sent', async () => {
      const sim = await bed.start({ ocp: { alreadyStoppedAnswer } });
      sim.ocp.setProcessStatus(20, 185, 'STOPPED');
      const { ctx } = bed.context({ on: sim });
      const result = await stopAgentProcess.run({ key: 'k', inputs: { hostId: 20, agentProcessId: 185 } }, ctx);
      expect(result.status).toBe('unchanged');
      expect(result.outputs?.process).toMatchObject({ id: 185, hostId: 20, status: 'STOPPED' });
      expect(sim.requests.map((r) => r.method)).toEqual(['GET']);
    });

    it('predicts unchanged for an already STOPPED process', async () => {
      const sim = await bed.start({ ocp: { alreadyStoppedAnswer } });
      sim.ocp.setProcessStatus(20, 185, 'STOPPED');
      const { ctx } = bed.context({ on: sim, readOnly: true });
      await expect(stopAgentProcess.probe!({ key: 'k', inputs: { hostId: 20, alias: 'obstat2' } }, ctx)).resolves.toEqual({
        outcome: 'unchanged',
        reason: "process 'obstat2' (185) is already STOPPED",
      });
      expect(mutatingRequests(sim)).toEqual([]);
    });
  });

  it('treats a stop refused with CMP07019 because someone else stopped the process meanwhile as unchanged', async () => {
    const sim = await bed.start({ ocp: { alreadyStoppedAnswer: 'error' } });
    const { ctx } = bed.context({ on: sim });
    const racing = actingAfterFirstRead(ctx, () => sim.ocp.setProcessStatus(20, 185, 'STOPPED'));
    const result = await stopAgentProcess.run({ key: 'k', inputs: { hostId: 20, agentProcessId: 185 } }, racing);
    expect(result.status).toBe('unchanged');
    expect(result.outputs?.process).toMatchObject({ id: 185, status: 'STOPPED' });
    // The stop was sent and refused, then the process read again.
    expect(sim.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
  });

  it('reports changed when OCP answers such a late stop with the stopped process (it cannot tell the difference)', async () => {
    const sim = await bed.start({ ocp: { alreadyStoppedAnswer: 'ok' } });
    const { ctx } = bed.context({ on: sim });
    const racing = actingAfterFirstRead(ctx, () => sim.ocp.setProcessStatus(20, 185, 'STOPPED'));
    const result = await stopAgentProcess.run({ key: 'k', inputs: { hostId: 20, agentProcessId: 185 } }, racing);
    expect(result.status).toBe('changed');
    expect(result.outputs?.process).toMatchObject({ id: 185, status: 'STOPPED' });
  });

  it('fails with OCP_ERROR when a stop is refused with 409 and the process is still running', async () => {
    bed.sim.setFaults({ failFirst: [{ method: 'POST', path: '/stop$', count: 1, status: 409 }] });
    const { ctx } = bed.context();
    await expect(stopAgentProcess.run({ key: 'k', inputs: { hostId: 20, agentProcessId: 185 } }, ctx)).rejects.toMatchObject({
      code: 'OCP_ERROR',
      details: { status: 409, traceId: expect.any(String) },
    });
    expect(bed.sim.ocp.process(20, 185)?.status).toBe('STARTED');
  });
});
