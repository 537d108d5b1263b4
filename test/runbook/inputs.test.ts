import { describe, expect, it } from 'vitest';
import { checkInputs } from '../../src/runbook/inputs.js';
import { createRegistry } from '../../src/actions/builtins.js';
import { testRegistry } from './test-registry.js';

describe('checking resolved inputs at run time', () => {
  const registry = testRegistry();

  it('accepts inputs that match the action schema', () => {
    expect(checkInputs(registry, 'ocp.stopAgentProcess', { hostId: 20, agentProcessId: 185 })).toBeUndefined();
  });

  it('names each wrong input and its value in one message', () => {
    const message = checkInputs(registry, 'ocp.stopAgentProcess', { hostId: '20', alias: '' });
    expect(message).toContain('ocp.stopAgentProcess');
    expect(message).toContain("input 'hostId' must be an integer, got string '20'");
    expect(message).toContain("input 'alias'");
  });

  it('checks against the original schema: an unevaluated expression is not an integer', () => {
    expect(checkInputs(registry, 'ocp.stopAgentProcess', { hostId: '${{ item }}' })).toContain("input 'hostId' must be an integer");
  });

  it('reports missing required inputs and unknown ones', () => {
    expect(checkInputs(registry, 'ocp.stopAgentProcess', {})).toContain("missing required input 'hostId'");
    expect(checkInputs(registry, 'ocp.stopAgentProcess', { hostId: 1, hostid: 1 })).toContain("unknown input 'hostid'");
  });

  it('never cuts a long value (a cut secret would escape redaction)', () => {
    const secret = 's'.repeat(100);
    const message = checkInputs(registry, 'ocp.stopAgentProcess', { hostId: secret }) ?? '';
    expect(message).toContain('a string of 100 characters');
    expect(message).not.toContain('sssss');
  });

  it('leaves unknown actions to the loader', () => {
    expect(checkInputs(registry, 'nope.nothing', { a: 1 })).toBeUndefined();
  });
});

describe('checking resolved inputs of the built-in actions', () => {
  const registry = createRegistry();

  it('words each problem once, after the action name', () => {
    expect(checkInputs(registry, 'ocp.stopAgentProcess', { hostId: '20', alias: 'obstat2' })).toBe(
      "ocp.stopAgentProcess: input 'hostId' must be an integer, got string '20'",
    );
    expect(checkInputs(registry, 'ocp.stopAgentProcess', { hostId: 20, alias: 'obstat2', extra: 1 })).toBe(
      "ocp.stopAgentProcess: unknown input 'extra'",
    );
    expect(checkInputs(registry, 'core.sleep', { duration: '10x' })).toBe(
      "core.sleep: input 'duration' must be a duration such as 500ms, 30s, 5m or 1h, got string '10x'",
    );
  });

  it('asks for agentProcessId or alias, and for only one of them', () => {
    expect(checkInputs(registry, 'ocp.stopAgentProcess', { hostId: 20 })).toBe(
      "ocp.stopAgentProcess: give input 'agentProcessId' or 'alias'",
    );
    expect(checkInputs(registry, 'ocp.stopAgentProcess', { hostId: 20, agentProcessId: 185, alias: 'obstat2' })).toBe(
      "ocp.stopAgentProcess: give only one of input 'agentProcessId' and 'alias'",
    );
  });

  it('says only that inputs which are not a mapping must be one', () => {
    expect(checkInputs(registry, 'ocp.stopAgentProcess', 'x')).toBe("ocp.stopAgentProcess: the inputs must be a mapping, got string 'x'");
  });
});
