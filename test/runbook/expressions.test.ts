import { describe, expect, it } from 'vitest';
import { RunbookError } from '../../src/errors.js';
import {
  collectReferences,
  evaluateCondition,
  evaluateTemplate,
  evaluateValue,
  hasExpression,
  isWholeExpression,
  parseExpression,
  splitTemplate,
  type Scope,
} from '../../src/runbook/expressions.js';

const scope = (over: Partial<Scope> = {}): Scope => ({
  params: { hosts: [20, 21], name: 'obstat2', enabled: true, zero: 0, nested: { 'odd key': 'v', list: [{ id: 7 }] }, nothing: null },
  env: { OCP_URL: 'https://ocp.example', EMPTY: '' },
  steps: { list: { outputs: { ids: [1, 2, 3], body: { total: 3 } } } },
  ...over,
});

function thrown(fn: () => unknown): RunbookError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RunbookError);
    return error as RunbookError;
  }
  throw new Error('expected a RunbookError');
}

describe('evaluating values', () => {
  it('keeps the type of a value that is one whole expression', () => {
    expect(evaluateValue('${{ params.hosts }}', scope())).toEqual([20, 21]);
    expect(evaluateValue('${{ item }}', scope({ item: 20 }))).toBe(20);
    expect(evaluateValue('${{ index }}', scope({ index: 0 }))).toBe(0);
    expect(evaluateValue('${{ params.enabled }}', scope())).toBe(true);
    expect(evaluateValue('${{ params.nothing }}', scope())).toBeNull();
    expect(evaluateValue('${{ steps.list.outputs.body }}', scope())).toEqual({ total: 3 });
  });

  it('interpolates strings, numbers and booleans inside longer text', () => {
    expect(evaluateValue('${{ env.OCP_URL }}/api/v2', scope())).toBe('https://ocp.example/api/v2');
    expect(evaluateValue('prefix-${{ item }}', scope({ item: 20 }))).toBe('prefix-20');
    expect(evaluateValue('host-${{ item }}/${{ params.name }}', scope({ item: 20 }))).toBe('host-20/obstat2');
    expect(evaluateValue('on=${{ params.enabled }} n=${{ params.zero }}', scope())).toBe('on=true n=0');
    expect(evaluateValue(' ${{ item }}', scope({ item: 5 }))).toBe(' 5');
    expect(evaluateValue("x${{ env.EMPTY }}y${{ env.NOT_SET ?? 'z' }}", scope())).toBe('xyz');
    // Every string field, at any depth.
    expect(evaluateValue({ a: ['u=${{ env.OCP_URL }}/x'], b: { c: 'v${{ index }}' } }, scope({ index: 3 }))).toEqual({
      a: ['u=https://ocp.example/x'],
      b: { c: 'v3' },
    });
  });

  it('refuses a list or a mapping inside text, naming the expression and not the value', () => {
    for (const text of ['ids=${{ steps.list.outputs.ids }}', 'b=${{ steps.list.outputs.body }}/x']) {
      const error = thrown(() => evaluateValue(text, scope()));
      expect(error.code).toBe('EXPRESSION');
      expect(error.message).toContain(text.slice(text.indexOf('${{'), text.indexOf('}}') + 2));
      expect(error.message).toMatch(/is a (list|mapping) inside the text .*, which cannot be written into text/);
      expect(error.message).not.toMatch(/total|1,2,3/);
    }
  });

  it('refuses null inside text unless ?? gives a default', () => {
    const error = thrown(() => evaluateValue('n=${{ params.nothing }}.', scope()));
    expect(error.code).toBe('EXPRESSION');
    expect(error.message).toContain('${{ params.nothing }}');
    expect(error.message).toContain('is null inside the text');
    expect(evaluateValue("n=${{ params.nothing ?? 'none' }}.", scope())).toBe('n=none.');
    expect(evaluateValue('n=${{ params.missing ?? 0 }}.', scope())).toBe('n=0.');
  });

  it('gives a malformed expression inside text the offset of its mistake, and of its ${{ when it is not closed', () => {
    const text = '${{ env.OCP_URL }}/api/${{ env.A + }}';
    const error = thrown(() => collectReferences(text));
    expect(error.code).toBe('EXPRESSION_SYNTAX');
    expect(error.details?.offset).toBe(text.indexOf('+'));
    const unclosed = 'prefix-${{ item';
    const notClosed = thrown(() => collectReferences(unclosed));
    expect(notClosed.code).toBe('EXPRESSION_SYNTAX');
    expect(notClosed.details?.offset).toBe(unclosed.indexOf('${{'));
    expect(thrown(() => evaluateValue('x-${{ item + }}', scope({ item: 1 }))).code).toBe('EXPRESSION');
  });

  it('keeps the path template: each value one encoded segment, the literal text as written', () => {
    const encode = (value: unknown) => encodeURIComponent(String(value));
    expect(evaluateTemplate('/hosts/${{ params.name }}/x', scope({ params: { name: '../admin' } }), encode)).toBe('/hosts/..%2Fadmin/x');
  });

  it('refuses to interpolate a value that does not exist, rather than writing "undefined"', () => {
    const error = thrown(() => evaluateValue('/hosts/${{ params.missing }}/stop', scope()));
    expect(error.code).toBe('EXPRESSION');
    expect(error.message).toContain('??');
  });

  it('evaluates deeply over lists and mappings, building new objects', () => {
    const input = { hostId: '${{ item }}', tags: ['${{ params.name }}', 'x'], deep: { n: '${{ index }}' }, plain: 3 };
    const result = evaluateValue(input, scope({ item: 21, index: 1 }));
    expect(result).toEqual({ hostId: 21, tags: ['obstat2', 'x'], deep: { n: 1 }, plain: 3 });
    expect(input.hostId).toBe('${{ item }}');
  });

  it('reads indexes, quoted keys, computed keys and .length', () => {
    const s = scope({ index: 1 });
    expect(evaluateValue('${{ params.hosts[0] }}', s)).toBe(20);
    expect(evaluateValue('${{ params.hosts[index] }}', s)).toBe(21);
    expect(evaluateValue("${{ params.nested['odd key'] }}", s)).toBe('v');
    expect(evaluateValue('${{ params.nested["list"][0].id }}', s)).toBe(7);
    expect(evaluateValue('${{ params.hosts.length }}', s)).toBe(2);
    expect(evaluateValue('${{ params.name.length }}', s)).toBe(7);
    expect(evaluateValue('${{ params.hosts[5] }}', s)).toBeUndefined();
    expect(evaluateValue('${{ params.unknown.deeper }}', s)).toBeUndefined();
  });

  it('gives a default with ?? when the left side is undefined or null, including a missing env var', () => {
    const s = scope();
    expect(evaluateValue("${{ params.missing ?? 'dflt' }}", s)).toBe('dflt');
    expect(evaluateValue("${{ params.nothing ?? 'dflt' }}", s)).toBe('dflt');
    expect(evaluateValue("${{ params.zero ?? 'dflt' }}", s)).toBe(0);
    expect(evaluateValue("${{ env.NOT_SET ?? 'https://fallback' }}", s)).toBe('https://fallback');
    expect(evaluateValue("${{ env.EMPTY ?? 'x' }}", s)).toBe('');
  });

  it('refuses an unset environment variable with ENV_MISSING naming it', () => {
    const error = thrown(() => evaluateValue('${{ env.OCP_PASSWORD }}', scope()));
    expect(error.code).toBe('ENV_MISSING');
    expect(error.message).toContain('OCP_PASSWORD');
    expect(error.details).toEqual({ variable: 'OCP_PASSWORD' });
  });

  it('tells the caller about every environment variable read, for redaction', () => {
    const reads: [string, string][] = [];
    evaluateValue({ a: '${{ env.OCP_URL }}', b: "${{ env.NOPE ?? 'x' }}" }, scope(), { onEnvRead: (n, v) => reads.push([n, v]) });
    expect(reads).toEqual([['OCP_URL', 'https://ocp.example']]);
  });

  it('supports comparisons, !, && and || with JavaScript-like truthiness', () => {
    const s = scope({ item: 20, index: 0 });
    const cases: [string, unknown][] = [
      ['${{ item == 20 }}', true],
      ['${{ item != 20 }}', false],
      ["${{ params.name == 'obstat2' }}", true],
      ['${{ params.hosts == params.hosts }}', true],
      ['${{ item < 21 && index >= 0 }}', true],
      ["${{ 'a' < 'b' }}", true],
      ['${{ !params.enabled }}', false],
      ['${{ !!params.zero }}', false],
      ["${{ params.zero || 'fallback' }}", 'fallback'],
      ['${{ params.enabled && params.name }}', 'obstat2'],
      ['${{ (item > 10 || index > 5) && !(index == 1) }}', true],
      ['${{ -1 < 0 }}', true],
      ['${{ 1.5e2 }}', 150],
      ["${{ 'it\\'s' }}", "it's"],
    ];
    for (const [text, expected] of cases) expect(evaluateValue(text, s), text).toEqual(expected);
  });

  it('refuses to compare values of different types', () => {
    expect(thrown(() => evaluateValue("${{ item < 'b' }}", scope({ item: 1 }))).code).toBe('EXPRESSION');
  });

  it('does not end an expression at a }} inside a quoted string', () => {
    expect(evaluateValue("${{ 'a}}b' }}", scope())).toBe('a}}b');
    expect(splitTemplate("x ${{ '}}' }} y")).toEqual([
      { kind: 'text', text: 'x ' },
      { kind: 'expression', source: " '}}' ", offset: 2, end: 13 },
      { kind: 'text', text: ' y' },
    ]);
  });

  it('recognises a whole expression and any expression', () => {
    expect(isWholeExpression('${{ item }}')).toBe(true);
    expect(isWholeExpression('${{ a }}${{ b }}')).toBe(false);
    expect(isWholeExpression('x${{ a }}')).toBe(false);
    expect(hasExpression({ a: [1, { b: 'x ${{ item }}' }] })).toBe(true);
    expect(hasExpression({ a: [1, { b: 'x {{ item }}' }] })).toBe(false);
  });
});

describe('conditions', () => {
  it('treats undefined as run, literal booleans as themselves and expressions by truthiness', () => {
    expect(evaluateCondition(undefined, scope())).toBe(true);
    expect(evaluateCondition(false, scope())).toBe(false);
    expect(evaluateCondition('${{ params.enabled }}', scope())).toBe(true);
    expect(evaluateCondition('${{ params.zero }}', scope())).toBe(false);
    expect(evaluateCondition('${{ params.missing }}', scope())).toBe(false);
    expect(evaluateCondition('${{ steps.list.outputs.ids.length > 2 }}', scope())).toBe(true);
  });

  it('refuses a string that is not an expression', () => {
    expect(thrown(() => evaluateCondition('yes', scope())).code).toBe('EXPRESSION');
  });
});

describe('safety: nothing outside the scope is reachable', () => {
  it('reads prototype keys as undefined', () => {
    const s = scope();
    for (const text of [
      '${{ params.constructor }}',
      '${{ params.__proto__ }}',
      "${{ params['__proto__'] }}",
      '${{ params.hosts.constructor }}',
      '${{ params.name.constructor }}',
      '${{ steps.list.outputs.prototype }}',
      '${{ params.toString }}',
      '${{ params.hasOwnProperty }}',
    ]) {
      expect(evaluateValue(text, s), text).toBeUndefined();
    }
  });

  it('does not read own properties named like prototype keys either', () => {
    const params: Record<string, unknown> = {};
    Object.defineProperty(params, '__proto__', { value: { x: 1 }, enumerable: true });
    expect(evaluateValue('${{ params.__proto__ }}', scope({ params }))).toBeUndefined();
  });

  it('cannot call functions or reach process', () => {
    for (const text of [
      "${{ constructor.constructor('return process')() }}",
      "${{ params.constructor.constructor('return process')() }}",
      '${{ process.env }}',
      '${{ globalThis }}',
      '${{ this }}',
      '${{ require }}',
      '${{ params.hosts.map }}',
    ]) {
      let result: unknown;
      try {
        result = evaluateValue(text, scope());
      } catch (error) {
        expect(error, text).toBeInstanceOf(RunbookError);
        expect((error as RunbookError).code, text).toMatch(/^EXPRESSION/);
        continue;
      }
      expect(result, text).toBeUndefined();
    }
  });

  it('refuses calls at parse time', () => {
    const error = thrown(() => parseExpression("constructor.constructor('return process')()"));
    expect(error.code).toBe('EXPRESSION_SYNTAX');
    expect(error.message).toContain('function calls are not supported');
    expect(error.details?.column).toBe(24);
  });

  it('bounds the nesting and the length of an expression', () => {
    expect(thrown(() => parseExpression(`${'('.repeat(200)}1${')'.repeat(200)}`)).message).toContain('levels deep');
    expect(thrown(() => parseExpression(`${'!'.repeat(5_000)}true`)).code).toBe('EXPRESSION_SYNTAX');
    expect(thrown(() => parseExpression(Array.from({ length: 2_000 }, () => 'true').join(' || '))).message).toContain('too long');
  });
});

describe('syntax errors', () => {
  const cases: [string, number, RegExp][] = [
    ['params.', 8, /name right after '\.'/],
    ['item = 1', 6, /use '=='/],
    ['item + 1', 6, /arithmetic is not supported/],
    ["'abc", 1, /not closed/],
    ['(item', 6, /expected '\)'/],
    ['params.hosts[0', 15, /expected '\]'/],
    ['item item', 6, /after a complete expression/],
    ['', 1, /empty expression/],
    ['item &', 6, /use '&&'/],
    ["'a\\q'", 3, /unknown escape/],
    ["'a' 'b'", 5, /unexpected string "b" after a complete expression/],
    ['1e400', 1, /the number 1e400 is too large/],
  ];
  it.each(cases)('reports %j at column %i', (text, column, message) => {
    const error = thrown(() => parseExpression(text));
    expect(error.code).toBe('EXPRESSION_SYNTAX');
    expect(error.details?.column).toBe(column);
    expect(error.message).toMatch(message);
  });

  it('accepts a whole ${{ }} and reports columns in that text', () => {
    expect(parseExpression('${{ item }}')).toMatchObject({ kind: 'name', name: 'item' });
    expect(thrown(() => parseExpression('${{ item + 1 }}')).details?.column).toBe(10);
  });

  it('reports an unclosed ${{ with its offset', () => {
    const error = thrown(() => splitTemplate('abc ${{ item'));
    expect(error.code).toBe('EXPRESSION_SYNTAX');
    expect(error.details?.offset).toBe(4);
  });

  it('turns a syntax error met at run time into an EXPRESSION error', () => {
    expect(thrown(() => evaluateValue('${{ item + }}', scope())).code).toBe('EXPRESSION');
  });
});

describe('references, for the static checks', () => {
  it('lists each read with its literal path and its offset in the string', () => {
    const refs = collectReferences({
      a: 'x ${{ params.hosts[0] }} ${{ steps.list.outputs.ids }}',
      b: ["${{ env.URL ?? item['k'] }}", '${{ params.hosts[index] }}'],
      c: 3,
    });
    expect(refs).toEqual([
      { root: 'params', path: ['hosts', 0], text: 'params.hosts[0]', offset: 6 },
      { root: 'steps', path: ['list', 'outputs', 'ids'], text: 'steps.list.outputs.ids', offset: 29 },
      { root: 'env', path: ['URL'], text: 'env.URL', offset: 4 },
      { root: 'item', path: ['k'], text: "item['k']", offset: 15 },
      { root: 'index', path: [], text: 'index', offset: 17 },
      { root: 'params', path: ['hosts', null], text: 'params.hosts[index]', offset: 4 },
    ]);
  });

  it('throws EXPRESSION_SYNTAX with the offset of the mistake in the string', () => {
    const error = thrown(() => collectReferences('ab ${{ item = 1 }}'));
    expect(error.code).toBe('EXPRESSION_SYNTAX');
    expect(error.details?.offset).toBe(12);
  });

  it('treats hyphenated step ids as one name', () => {
    expect(collectReferences('${{ steps.stop-obstat.outputs.count }}')[0]?.path).toEqual(['stop-obstat', 'outputs', 'count']);
  });
});
