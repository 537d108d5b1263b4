// The order of a revert: steps undone in reverse order, each wait (an action that changes nothing but
// declares an inverse) right after the inverse of the step before it, and only when that step is undone.

import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../src/actions/builtins.js';
import { planRevert } from '../../src/engine/revert-plan.js';
import type { Report } from '../../src/report/types.js';
import { parseRunbook } from '../../src/runbook/load.js';
import { baoConnection, ocpConnection, runbookYaml } from '../helpers/runbooks.js';

const registry = createRegistry();

const stopPeers = (id: string, peers: string[]) => ({ id, action: 'bao.stopPeers', connection: 'bao', with: { peers } });
const wait = (id: string, peers: string[]) => ({ id, action: 'bao.waitForPeers', connection: 'bao', with: { peers } });
const stopProcess = (id: string) => ({ id, action: 'ocp.stopAgentProcess', connection: 'ocp', with: { hostId: 20, agentProcessId: 185 } });
const sleep = (id: string) => ({ id, action: 'core.sleep', with: { duration: '1s' } });

type Op = { key: string; status: string; outputs?: Record<string, unknown> };

/** The report of a run of `steps`, each with the operations given. */
function reportOf(steps: { id: string; action: string; operations: Op[] }[]): Report {
  return { runId: 'run-1', mode: 'run', params: {}, steps } as unknown as Report;
}

const stoppedPeers = (id: string, sent: string[]): Op => ({
  key: `${id}/peers=${sent.join(',')}`,
  status: sent.length > 0 ? 'changed' : 'unchanged',
  outputs: { sent, alreadyThere: [] },
});
const waited = (id: string, peers: string[]): Op => ({
  key: `${id}/peers=${peers.join(',')}`,
  status: 'unchanged',
  outputs: { peers: peers.map((name) => ({ name, status: 'STOPPED' })) },
});
const stoppedProcess = (id: string): Op => ({
  key: `${id}/host=20/process=185`,
  status: 'changed',
  outputs: { process: { id: 185, hostId: 20, status: 'STOPPED' } },
});

async function revertOf(steps: Record<string, unknown>[], operations: Record<string, Op[]>) {
  const runbook = await parseRunbook(
    runbookYaml({ name: 'order', connections: { bao: baoConnection(), ocp: ocpConnection() }, steps }),
    'rb.yaml',
    {
      registry,
    },
  );
  const report = reportOf(
    steps.map((s) => ({ id: s.id as string, action: s.action as string, operations: operations[s.id as string] ?? [] })),
  );
  const plan = planRevert(report, runbook, registry, 'run.json');
  expect(plan.runbook.steps.map((s) => s.id)).toEqual([...plan.steps.keys()]);
  return plan;
}

describe('planRevert', () => {
  it('runs each wait right after the inverse of the step before it, passing over a sleep', async () => {
    const plan = await revertOf([stopPeers('s1', ['AP1']), wait('w1', ['AP1']), stopProcess('p'), sleep('z'), wait('w2', ['AP2'])], {
      s1: [stoppedPeers('s1', ['AP1'])],
      w1: [waited('w1', ['AP1'])],
      p: [stoppedProcess('p')],
      z: [{ key: 'z/sleep=1s', status: 'unchanged' }],
      w2: [waited('w2', ['AP2'])],
    });
    expect([...plan.steps.values()].map((s) => [s.id, s.action])).toEqual([
      ['p', 'ocp.restartAgentProcess'],
      ['w2', 'bao.waitForPeers'],
      ['s1', 'bao.startPeers'],
      ['w1', 'bao.waitForPeers'],
    ]);
    expect(plan.steps.get('w1')!.operations.map((o) => [o.key, o.inputs])).toEqual([
      ['w1/peers=AP1', { peers: ['AP1'], status: 'RUNNING' }],
    ]);
    expect(plan.irreversible).toEqual([]);
  });

  it('undoes no wait whose step before changed nothing, failed, or cannot be undone', async () => {
    const plan = await revertOf([stopPeers('s1', ['AP1']), wait('w1', ['AP1']), wait('w2', ['AP1'])], {
      s1: [stoppedPeers('s1', [])],
      w1: [waited('w1', ['AP1'])],
      w2: [waited('w2', ['AP1'])],
    });
    expect([...plan.steps.keys()]).toEqual([]);

    const failed = await revertOf([stopPeers('s1', ['AP1']), wait('w1', ['AP1'])], {
      s1: [{ key: 's1/peers=AP1', status: 'failed' }],
      w1: [waited('w1', ['AP1'])],
    });
    expect([...failed.steps.keys()]).toEqual([]);
  });

  it('keeps a chain of waits in the order of the run', async () => {
    const plan = await revertOf([stopPeers('s1', ['AP1']), wait('w1', ['AP1']), wait('w2', ['AP1'])], {
      s1: [stoppedPeers('s1', ['AP1'])],
      w1: [waited('w1', ['AP1'])],
      w2: [waited('w2', ['AP1'])],
    });
    expect([...plan.steps.keys()]).toEqual(['s1', 'w1', 'w2']);
  });
});
