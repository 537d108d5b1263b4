// The input schemas of the OCP actions: what a step's `with:` may say, checked the way the engine checks it
// (each action's JSON Schema, compiled with ajv in strict mode), and every action registered as a built-in.

import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../../src/actions/builtins.js';
import type { ActionDefinition } from '../../../src/contracts/action.js';
import listAgentProcesses from '../../../src/actions/ocp/list-agent-processes.js';
import restartAgent from '../../../src/actions/ocp/restart-agent.js';
import restartAgentProcess from '../../../src/actions/ocp/restart-agent-process.js';
import stopAgent from '../../../src/actions/ocp/stop-agent.js';
import stopAgentProcess from '../../../src/actions/ocp/stop-agent-process.js';

const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
const accepts = (action: ActionDefinition, inputs: unknown): boolean => ajv.validate(action.inputs, inputs);

describe('OCP action inputs', () => {
  it('registers every OCP action as a built-in', () => {
    expect(
      createRegistry()
        .actionNames()
        .filter((n) => n.startsWith('ocp.')),
    ).toEqual([
      'ocp.listAgentProcesses',
      'ocp.listHosts',
      'ocp.restartAgent',
      'ocp.restartAgentProcess',
      'ocp.stopAgent',
      'ocp.stopAgentProcess',
    ]);
  });

  it.each([stopAgentProcess, restartAgentProcess])('$name takes hostId and exactly one of agentProcessId or alias', (action) => {
    expect(accepts(action, { hostId: 20, agentProcessId: 185 })).toBe(true);
    expect(accepts(action, { hostId: 20, alias: 'obstat2' })).toBe(true);
    expect(accepts(action, { hostId: 20 })).toBe(false);
    expect(accepts(action, { hostId: 20, agentProcessId: 185, alias: 'obstat2' })).toBe(false);
    expect(accepts(action, { hostId: '20', alias: 'obstat2' })).toBe(false);
    expect(accepts(action, { hostId: 20, alias: '' })).toBe(false);
    expect(accepts(action, { hostId: 20, alias: 'obstat2', force: true })).toBe(false);
  });

  it('ocp.listAgentProcesses takes hostId, and optionally an alias and a status of STARTED or STOPPED', () => {
    expect(accepts(listAgentProcesses, { hostId: 20 })).toBe(true);
    expect(accepts(listAgentProcesses, { hostId: 20, alias: 'obstat2', status: 'STOPPED' })).toBe(true);
    expect(accepts(listAgentProcesses, { hostId: 20, status: 'RUNNING' })).toBe(false);
    expect(accepts(listAgentProcesses, {})).toBe(false);
  });

  it.each([stopAgent, restartAgent])('$name takes hostId, and durations written like 30s or 10m', (action) => {
    expect(accepts(action, { hostId: 20 })).toBe(true);
    expect(accepts(action, { hostId: 20, timeout: '1h30m', interval: '500ms' })).toBe(true);
    expect(accepts(action, { hostId: 20, timeout: '10' })).toBe(false);
    expect(accepts(action, { hostId: 20, interval: '2 s' })).toBe(false);
    expect(accepts(action, { hostId: 0 })).toBe(false);
  });
});
