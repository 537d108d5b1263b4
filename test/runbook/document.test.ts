// YAML problems, as a person sees them with the built-in actions: each at the line and column where the
// mistake starts, with its document path, in words that say how to fix it; unsafe YAML refused quickly.

import { describe, expect, it } from 'vitest';
import { Scalar } from 'yaml';
import { formatPath, parseYaml, unquotedExpressionHint } from '../../src/runbook/document.js';
import { diagnosticsOf, lines, parse } from './runbook-text.js';

describe('malformed YAML', () => {
  it('points at a [ that is never closed, not at the end of the file', async () => {
    expect(await diagnosticsOf(lines('version: 1', 'name: demo', 'steps: [', '  { id: a, action: core.sleep }'))).toEqual([
      {
        code: 'YAML_SYNTAX',
        message: 'this [ is not closed; end the list with ] (lines inside it must be indented more than its key)',
        file: 'rb.yaml',
        line: 3,
        column: 8,
        path: 'steps',
      },
    ]);
  });

  it('points at a { that is never closed inside a step', async () => {
    const [d, ...rest] = await diagnosticsOf(
      lines('version: 1', 'name: demo', 'steps:', '  - id: a', '    with: { duration: 1s', '    action: core.sleep'),
    );
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'YAML_SYNTAX', line: 5, column: 11, path: 'steps[0].with' });
    expect(d!.message).toContain('this { is not closed; end the mapping with }');
  });

  it('points at the opening quote of a string that is never closed', async () => {
    const [d] = await diagnosticsOf(lines('version: 1', 'name: "demo', 'steps: []'));
    expect(d).toEqual({
      code: 'YAML_SYNTAX',
      message: 'the string that starts here is not closed; end it with "',
      file: 'rb.yaml',
      line: 2,
      column: 7,
      path: 'name',
    });
  });

  it('reports one mistake, not the echoes the parser produces after it', async () => {
    const diagnostics = await diagnosticsOf(lines('version: 1', 'name: demo', '- a', 'steps: []', 'x: ]]'));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: 'YAML_SYNTAX', line: 3, column: 1 });
  });

  it('asks for spaces where a tab indents', async () => {
    const [d] = await diagnosticsOf('version: 1\nname: demo\nsteps:\n\t- id: a\n');
    expect(d).toMatchObject({ code: 'YAML_SYNTAX', line: 4, column: 1, message: 'a tab is used for indentation; indent with spaces' });
  });

  it('refuses a second document in the same file', async () => {
    const [d] = await diagnosticsOf(lines('version: 1', 'name: demo', 'steps: []', '---', 'version: 1'));
    expect(d).toMatchObject({ code: 'YAML_SYNTAX', line: 4, column: 1 });
    expect(d!.message).toContain('more than one YAML document');
  });
});

describe('an unquoted ${{ }} inside [ ] or { }', () => {
  it('says to quote it, showing the quoted key and value, at the expression', async () => {
    const diagnostics = await diagnosticsOf(
      lines(
        'version: 1',
        'name: demo',
        'connections:',
        '  ocp: { type: ocp, url: "http://ocp.example", auth: { type: basic, username: u, password: p } }',
        'steps:',
        '  - id: stop',
        '    action: ocp.stopAgentProcess',
        '    connection: ocp',
        '    forEach: [20, 21]',
        '    with: { hostId: ${{ item }}, alias: obstat2 }',
      ),
    );
    expect(diagnostics).toEqual([
      {
        code: 'YAML_SYNTAX',
        message: 'an unquoted ${{ }} is not valid YAML inside [ ] or { }; quote the expression: hostId: "${{ item }}"',
        file: 'rb.yaml',
        line: 10,
        column: 21,
        path: 'steps[0].with.hostId',
      },
    ]);
  });

  it('accepts the same line once quoted, and the expression is evaluated later', async () => {
    const runbook = await parse(
      lines(
        'version: 1',
        'name: demo',
        'connections:',
        '  ocp: { type: ocp, url: "http://ocp.example", auth: { type: basic, username: u, password: p } }',
        'steps:',
        '  - id: stop',
        '    action: ocp.stopAgentProcess',
        '    connection: ocp',
        '    forEach: [20, 21]',
        '    with: { hostId: "${{ item }}", alias: obstat2 }',
      ),
    );
    expect(runbook.steps[0]!.with).toEqual({ hostId: '${{ item }}', alias: 'obstat2' });
  });

  it('quotes with single quotes when the expression holds double quotes', () => {
    expect(unquotedExpressionHint('    with: { message: ${{ params.a ?? "x" }} }')).toEqual({
      message: `quote the expression: message: '\${{ params.a ?? "x" }}'`,
      index: 21,
    });
    expect(unquotedExpressionHint('    with: { message: "${{ params.a }}" }')).toBeUndefined();
  });
});

describe('duplicate keys', () => {
  it('names the key and the line of its first occurrence, at the second', async () => {
    const diagnostics = await diagnosticsOf(
      lines(
        'version: 1',
        'name: demo',
        'steps:',
        '  - id: a',
        '    action: core.sleep',
        '    with:',
        '      duration: 1s',
        '      duration: 2s',
      ),
    );
    expect(diagnostics).toEqual([
      {
        code: 'YAML_DUPLICATE_KEY',
        message: "key 'duration' appears twice in the same mapping (first on line 7); remove or rename one",
        file: 'rb.yaml',
        line: 8,
        column: 7,
        path: 'steps[0].with.duration',
      },
    ]);
  });

  it('reports duplicate keys together with the other mistakes of the file', async () => {
    const diagnostics = await diagnosticsOf(lines('version: 1', 'name: demo', 'name: other', 'steps:', '  - { id: a, action: core.slep }'));
    expect(diagnostics.map((d) => [d.line, d.code, d.path])).toEqual([
      [3, 'YAML_DUPLICATE_KEY', 'name'],
      [5, 'UNKNOWN_ACTION', 'steps[0].action'],
    ]);
    expect(diagnostics[0]!.message).toContain("key 'name' appears twice in the same mapping (first on line 2)");
  });
});

describe('unsafe YAML', () => {
  it('refuses a billion-laughs alias bomb quickly with YAML_ALIAS_LIMIT', async () => {
    const rows = ['version: 1', 'name: bomb', 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++)
      rows.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(',')}]`,
      );
    rows.push('steps: *a9');
    const started = performance.now();
    const diagnostics = await diagnosticsOf(lines(...rows));
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(diagnostics.map((d) => d.code)).toEqual(['YAML_ALIAS_LIMIT']);
    expect(diagnostics[0]!.line).toBeGreaterThanOrEqual(4);
    expect(diagnostics[0]!.message).toContain('alias bomb');
  });

  it('refuses an alias to a value that contains it', async () => {
    const [d] = await diagnosticsOf(lines('version: 1', 'name: demo', 'steps: &s [*s]'));
    expect(d).toMatchObject({ code: 'YAML_ALIAS_LIMIT', line: 3, column: 12 });
    expect(d!.message).toBe('alias *s refers to a value that contains it (a cycle); write the value out instead');
  });

  it('refuses an alias without an anchor, saying which', async () => {
    const [d] = await diagnosticsOf(lines('version: 1', 'name: demo', 'steps: *nowhere'));
    expect(d).toMatchObject({ code: 'YAML_SYNTAX', line: 3, column: 8, path: 'steps' });
    expect(d!.message).toBe('alias *nowhere names no anchor defined before it; define &nowhere first');
  });

  it('refuses 10,000 nested brackets without exhausting the stack', async () => {
    const [d] = await diagnosticsOf(`version: 1\nname: deep\nsteps: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`);
    expect(d).toMatchObject({ code: 'YAML_SYNTAX', line: 3 });
    expect(d!.message).toContain('nests more than');
  });

  it('refuses a << key wherever it is, quoted or not, inside values that take any key', async () => {
    const diagnostics = await diagnosticsOf(
      lines(
        'version: 1',
        'name: demo',
        'params:',
        '  p: { type: object, default: { "<<": 1, b: { <<: 2 } } }',
        'steps:',
        '  - { id: a, action: core.sleep, with: { duration: 1s } }',
      ),
    );
    expect(diagnostics.map((d) => [d.code, d.line, d.column, d.path])).toEqual([
      ['SCHEMA', 4, 33, "params.p.default['<<']"],
      ['SCHEMA', 4, 47, "params.p.default.b['<<']"],
    ]);
  });

  it('says that YAML merge keys are not supported', async () => {
    const [missing, d] = await diagnosticsOf(
      lines('version: 1', 'name: demo', 'steps:', '  - id: a', '    <<: { action: core.sleep }', '    with: { duration: 1s }'),
    );
    expect(missing).toMatchObject({ line: 4, message: "missing required key 'action' in step 'a'" });
    expect(d).toMatchObject({ code: 'SCHEMA', line: 5, column: 5, path: "steps[0]['<<']" });
    expect(d!.message).toContain('YAML merge keys are not supported, write the keys out');
  });

  it('refuses tags that would build values other than plain data', async () => {
    const [d] = await diagnosticsOf(lines('version: 1', 'name: demo', 'steps: !custom [1]'));
    expect(d).toMatchObject({ code: 'YAML_SYNTAX', line: 3, column: 8 });
    expect(d!.message).toContain('remove the tag');
  });

  it('never reports a problem without a line', () => {
    for (const text of ['', '\n', '~', '[', 'a: *x', '&a [*a]', '!!binary aGk=', `${'- '.repeat(500)}x`]) {
      const parsed = parseYaml(text, 'rb.yaml');
      for (const d of parsed.diagnostics) expect(d.line, `${JSON.stringify(text)}: ${d.message}`).toBeGreaterThanOrEqual(1);
    }
  });
});

describe('document paths in messages', () => {
  it('writes keys as dotted names, indexes in brackets, and other keys quoted', () => {
    expect(formatPath(['steps', 1, 'with', 'hostId'])).toBe('steps[1].with.hostId');
    expect(formatPath(['connections', 'my ocp', 'url'])).toBe("connections['my ocp'].url");
    expect(formatPath(['params', "it's", 0])).toBe("params['it\\'s'][0]");
    expect(formatPath([])).toBe('');
  });
});

describe('work on large mappings', () => {
  /**
   * Reads of a scalar's value while a mapping of `size` keys is parsed, checked for duplicates, and every
   * key located: comparing each key with the keys before it, or scanning the mapping per lookup, makes
   * this grow with the square of `size`.
   */
  function valueReads(size: number): number {
    const keys = Array.from({ length: size }, (_, i) => `k${i}`);
    const text = `x:\n${keys.map((k) => `  ${k}: 1\n`).join('')}`;
    let reads = 0;
    const slot = new WeakMap<object, unknown>();
    // A setter on the prototype receives the value each Scalar constructor assigns, so every read is seen.
    Object.defineProperty(Scalar.prototype, 'value', {
      configurable: true,
      get(this: object) {
        reads++;
        return slot.get(this);
      },
      set(this: object, v: unknown) {
        slot.set(this, v);
      },
    });
    try {
      const parsed = parseYaml(text, 'rb.yaml');
      expect(parsed.diagnostics).toEqual([]);
      keys.forEach((k, i) => expect(parsed.source.locate(['x', k], 'key')).toEqual({ line: i + 2, column: 3 }));
    } finally {
      delete (Scalar.prototype as { value?: unknown }).value;
    }
    return reads;
  }

  it('finds duplicate keys and locates every key in work that grows linearly with the keys', () => {
    const small = valueReads(2_000);
    const large = valueReads(8_000);
    expect(small).toBeGreaterThan(2_000);
    // Four times the keys: four times the work when linear, sixteen times when quadratic.
    expect(large / small).toBeLessThan(5);
  });

  it('still names a duplicate key and its first line in a mapping of thousands of keys', () => {
    const keys = Array.from({ length: 5_000 }, (_, i) => `  k${i}: 1\n`).join('');
    const { diagnostics } = parseYaml(`x:\n${keys}  k17: 2\n`, 'rb.yaml');
    expect(diagnostics).toEqual([
      {
        code: 'YAML_DUPLICATE_KEY',
        message: "key 'k17' appears twice in the same mapping (first on line 19); remove or rename one",
        file: 'rb.yaml',
        line: 5_002,
        column: 3,
        path: 'x.k17',
      },
    ]);
  });
});
