import { describe, expect, it } from 'vitest';
import { ValidationError, type Diagnostic } from '../../src/errors.js';
import { parseRunbook } from '../../src/runbook/load.js';
import type { Runbook } from '../../src/runbook/model.js';
import { parseParamAssignments, resolveParams } from '../../src/runbook/params.js';
import { testRegistry } from './test-registry.js';

async function runbookWithParams(params: string): Promise<Runbook> {
  return parseRunbook(`version: 1\nname: p\nparams:\n${params}steps:\n  - id: a\n    action: core.sleep\n`, 'p.yaml', {
    registry: testRegistry(),
  });
}

function badParams(fn: () => unknown): Diagnostic[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    const diagnostics = (error as ValidationError).diagnostics;
    for (const d of diagnostics) expect(d.code).toBe('BAD_PARAM');
    return diagnostics;
  }
  throw new Error('expected a ValidationError');
}

describe('resolving params', () => {
  it('uses defaults, and parses given values by their declared type', async () => {
    const runbook = await runbookWithParams(
      [
        '  s: { type: string, default: x }',
        '  i: { type: integer }',
        '  n: { type: number }',
        '  b: { type: boolean }',
        '  o: { type: object }',
        '  untouched: { type: array, default: [1, 2] }',
        '',
      ].join('\n'),
    );
    const values = resolveParams(runbook, { i: '-42', n: '2.5e1', b: 'false', o: '{"a":[1,{"b":null}]}' });
    expect(values).toEqual({ s: 'x', i: -42, n: 25, b: false, o: { a: [1, { b: null }] }, untouched: [1, 2] });
  });

  it('does not share default values between runs', async () => {
    const runbook = await runbookWithParams('  l: { type: array, default: [1, 2] }\n');
    const first = resolveParams(runbook, {}).l as number[];
    first.push(3);
    expect(resolveParams(runbook, {}).l).toEqual([1, 2]);
  });

  it('parses arrays as JSON or comma separated, each element a JSON scalar when it is one', async () => {
    const runbook = await runbookWithParams('  l: { type: array }\n');
    const parse = (raw: string): unknown => resolveParams(runbook, { l: raw }).l;
    expect(parse('[20,21]')).toEqual([20, 21]);
    expect(parse('20,21')).toEqual([20, 21]);
    expect(parse(' 20 , true, null, obstat2 ')).toEqual([20, true, null, 'obstat2']);
    expect(parse('a')).toEqual(['a']);
    expect(parse('')).toEqual([]);
    expect(parse('["a,b", 1]')).toEqual(['a,b', 1]);
  });

  it('keeps comma-separated elements as text when the items are strings', async () => {
    const runbook = await runbookWithParams(
      '  peers: { type: array, items: { type: string } }\n  ids: { type: array, items: { type: integer } }\n',
    );
    expect(resolveParams(runbook, { peers: '1,AP2,true', ids: '1,2' })).toEqual({ peers: ['1', 'AP2', 'true'], ids: [1, 2] });
  });

  it('checks array elements against items', async () => {
    const runbook = await runbookWithParams('  hosts: { type: array, items: { type: integer } }\n');
    expect(resolveParams(runbook, { hosts: '20,21' }).hosts).toEqual([20, 21]);
    const [d] = badParams(() => resolveParams(runbook, { hosts: '20,abc' }));
    expect(d?.message).toContain('hosts');
    expect(d?.message).toContain('abc');
  });

  it('parses integers and numbers strictly', async () => {
    const runbook = await runbookWithParams('  i: { type: integer }\n  n: { type: number }\n');
    for (const raw of ['1.5', '', ' ', '12abc', '0x10', '1e400']) {
      expect(
        badParams(() => resolveParams(runbook, { i: raw, n: '1' })),
        raw,
      ).toHaveLength(1);
    }
    for (const raw of ['abc', '', 'NaN', 'Infinity']) {
      expect(
        badParams(() => resolveParams(runbook, { i: '1', n: raw })),
        raw,
      ).toHaveLength(1);
    }
  });

  it('accepts only true and false for booleans', async () => {
    const runbook = await runbookWithParams('  b: { type: boolean }\n');
    expect(resolveParams(runbook, { b: 'true' }).b).toBe(true);
    for (const raw of ['yes', 'True', '1', '']) badParams(() => resolveParams(runbook, { b: raw }));
  });

  it('refuses objects that are not JSON objects', async () => {
    const runbook = await runbookWithParams('  o: { type: object }\n');
    for (const raw of ['[1]', 'null', '{a:1}', '"x"']) badParams(() => resolveParams(runbook, { o: raw }));
  });

  it('checks enum values', async () => {
    const runbook = await runbookWithParams('  mode: { type: string, enum: [soft, hard], default: soft }\n');
    expect(resolveParams(runbook, { mode: 'hard' }).mode).toBe('hard');
    const [d] = badParams(() => resolveParams(runbook, { mode: 'medium' }));
    expect(d?.message).toContain('"soft", "hard"');
  });

  it('reports every problem at once: unknown (with a suggestion), missing, wrong type', async () => {
    const runbook = await runbookWithParams('  hosts: { type: array }\n  count: { type: integer }\n  name: { type: string }\n');
    const diagnostics = badParams(() => resolveParams(runbook, { hots: '1', count: 'many', name: 'x' }));
    const messages = diagnostics.map((d) => d.message).join('\n');
    expect(diagnostics).toHaveLength(3);
    expect(messages).toContain("unknown param 'hots'; did you mean 'hosts'?");
    expect(messages).toMatch(/'hosts' has no default/);
    expect(messages).toMatch(/count.*'many'/);
  });

  it('never shows the value of a secret param in a message', async () => {
    const runbook = await runbookWithParams('  pin: { type: integer, secret: true }\n');
    const [d] = badParams(() => resolveParams(runbook, { pin: 's3cr3t-value' }));
    expect(d?.message).not.toContain('s3cr3t');
  });

  it('keeps JSON keys named like prototype machinery from polluting anything', async () => {
    const runbook = await runbookWithParams('  o: { type: object }\n');
    const value = resolveParams(runbook, { o: '{"__proto__":{"polluted":true},"a":1}' }).o as Record<string, unknown>;
    expect(value.a).toBe(1);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.prototype).not.toHaveProperty('polluted');
    badParams(() => resolveParams(runbook, { __proto__: 'x' } as unknown as Record<string, string>));
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('--param assignments', () => {
  it('splits name=value at the first =, the last one winning', () => {
    expect(parseParamAssignments(['a=1', 'url=http://x/?q=1', 'a=2', 'empty='])).toEqual({ a: '2', url: 'http://x/?q=1', empty: '' });
  });

  it('refuses an assignment without = or without a name, all at once', () => {
    const diagnostics = badParams(() => parseParamAssignments(['novalue', '=x', 'ok=1']));
    expect(diagnostics).toHaveLength(2);
    expect(diagnostics[0]?.message).toContain("'novalue'");
  });

  it('keeps __proto__ as an ordinary name', () => {
    const values = parseParamAssignments(['__proto__=x']);
    expect(Object.keys(values)).toEqual(['__proto__']);
    expect(Object.prototype).not.toHaveProperty('x');
  });
});
