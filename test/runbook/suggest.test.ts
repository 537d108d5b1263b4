import { describe, expect, it } from 'vitest';
import { didYouMean, suggest } from '../../src/runbook/suggest.js';

describe('suggestions for misspelt names', () => {
  it('finds the closest name despite a missing, extra, changed or swapped letter, or case', () => {
    expect(suggest('conection', ['connection', 'concurrency', 'continueOnError'])).toBe('connection');
    expect(suggest('ocp.stopAgentProces', ['ocp.stopAgentProcess', 'ocp.restartAgentProcess'])).toBe('ocp.stopAgentProcess');
    expect(suggest('hostid', ['hostId', 'agentProcessId'])).toBe('hostId');
    expect(suggest('stpes', ['steps', 'params'])).toBe('steps');
  });

  it('recognises an abbreviation of exactly one name', () => {
    expect(suggest('int', ['string', 'integer', 'number'])).toBe('integer');
    expect(suggest('bool', ['boolean', 'array'])).toBe('boolean');
    expect(suggest('co', ['connection'])).toBeUndefined();
    expect(suggest('con', ['connection', 'concurrency'])).toBeUndefined();
  });

  it('suggests nothing when no name is close', () => {
    expect(suggest('xyz', ['connection', 'steps'])).toBeUndefined();
    expect(suggest('anything', [])).toBeUndefined();
    expect(didYouMean('zzzzzz', ['steps'])).toBe('');
  });

  it('words the suggestion for a message', () => {
    expect(didYouMean('parms', ['params', 'env'])).toBe("; did you mean 'params'?");
  });
});
