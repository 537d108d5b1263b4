// Regular expressions as action inputs: what is accepted, what is refused and why, and where the refusal of
// a literal pattern is reported (file:line:col at validation) versus one built by an expression.

import { describe, expect, it } from 'vitest';
import { compileRegexInput, MAX_REGEX_INPUT_LENGTH, regexInputProblem } from '../../src/common/regex-input.js';
import { columnOf, diagnosticsOf, parse, withSteps } from '../runbook/runbook-text.js';

describe('regexInputProblem', () => {
  it('accepts ordinary patterns, including bounded repetition of a group and repetition of a group without one inside', () => {
    for (const p of [
      'AP',
      '^AP[0-9]+$',
      '^(AP|LAP)$',
      '(AP|LAP)+',
      '(\\d+\\.){3}\\d+',
      '[(]+',
      '\\(a+\\)+',
      '(?<kind>AP)+',
      '((a)+)',
      '(a+){1}',
    ]) {
      expect(regexInputProblem(p), p).toBeUndefined();
    }
  });

  it('refuses a pattern JavaScript cannot compile, quoting the reason', () => {
    expect(regexInputProblem('AP(')).toMatch(/^is not a valid regular expression \(.*Unterminated group.*\)/);
    expect(regexInputProblem('[z-a]')).toMatch(/not a valid regular expression/);
  });

  it('refuses nested repetition, which can backtrack exponentially, naming the group', () => {
    expect(regexInputProblem('^(a+)+$')).toContain('((a+)+)');
    expect(regexInputProblem('(ab*)*c')).toContain('((ab*)*)');
    expect(regexInputProblem('(?:x?){2,}')).toContain('((?:x?){2,})');
    expect(regexInputProblem('((a)+)+')).toContain('(((a)+)+)');
  });

  it(`refuses a pattern longer than ${MAX_REGEX_INPUT_LENGTH} characters`, () => {
    expect(regexInputProblem('a'.repeat(MAX_REGEX_INPUT_LENGTH))).toBeUndefined();
    expect(regexInputProblem('a'.repeat(MAX_REGEX_INPUT_LENGTH + 1))).toMatch(`at most ${MAX_REGEX_INPUT_LENGTH}`);
  });

  it('compileRegexInput throws INVALID_INPUT naming the action and the input', () => {
    expect(compileRegexInput('^AP', 'pattern', 'bao.listPeers').test('AP1')).toBe(true);
    expect(() => compileRegexInput('(', 'pattern', 'bao.listPeers')).toThrow(
      expect.objectContaining({
        code: 'INVALID_INPUT',
        message: expect.stringMatching(/^bao\.listPeers: input 'pattern' is not a valid regular expression/),
      }),
    );
  });
});

describe('a literal pattern input at validation', () => {
  const step = (pattern: string): string[] => [
    '  - id: find',
    '    action: bao.listPeers',
    '    connection: bao',
    `    with: { pattern: "${pattern}", matchOn: type }`,
  ];

  it('is refused at its line and column when it does not compile', async () => {
    const lines = step('AP(');
    const diagnostics = await diagnosticsOf(withSteps(...lines));
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'SCHEMA',
        file: 'rb.yaml',
        line: 12,
        column: columnOf(lines[3]!, '"AP("'),
        path: 'steps[0].with.pattern',
      }),
    ]);
    expect(diagnostics[0]!.message).toMatch(/^input 'pattern' of step 'find' is not a valid regular expression/);
  });

  it('is refused when it nests repetition, and once only when it is too long', async () => {
    const [nested] = await diagnosticsOf(withSteps(...step('(a+)+')));
    expect(nested).toMatchObject({
      code: 'SCHEMA',
      line: 12,
      path: 'steps[0].with.pattern',
      message: expect.stringContaining('exponential'),
    });
    const long = await diagnosticsOf(withSteps(...step('('.repeat(MAX_REGEX_INPUT_LENGTH + 1))));
    expect(long).toHaveLength(1);
    expect(long[0]).toMatchObject({ code: 'SCHEMA', line: 12, path: 'steps[0].with.pattern' });
  });

  it('is left to the plan when it is built by an expression, and a valid literal passes', async () => {
    await expect(
      parse(withSteps('  - id: find', '    action: bao.listPeers', '    connection: bao', '    with: { pattern: "${{ env.PEERS }}(" }')),
    ).resolves.toBeDefined();
    await expect(parse(withSteps(...step('^AP[0-9]+$')))).resolves.toBeDefined();
  });
});
