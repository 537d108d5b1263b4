// Property tests with the real built-ins: every key of the format given a wrong value, alias games and
// huge expressions still give a Runbook or positioned diagnostics; any expression evaluates to a value
// or a RunbookError, and never reaches a prototype or runs code.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createRegistry } from '../../src/actions/builtins.js';
import { ERROR_CODES, RunbookError, ValidationError } from '../../src/errors.js';
import { collectReferences, evaluateCondition, evaluateValue } from '../../src/runbook/expressions.js';
import { parseRunbook } from '../../src/runbook/load.js';

// One registry for every case: the compiled schema is cached per registry, as in a real process.
const registry = createRegistry();

/** A runbook that uses every key of the format with the built-in actions and connection types. */
function fullRunbook(): Record<string, unknown> {
  return {
    version: 1,
    name: 'every-key',
    description: 'Uses every key of the format',
    params: {
      hosts: { type: 'array', items: { type: 'integer' }, default: [20, 21], description: 'hosts' },
      mode: { type: 'string', enum: ['soft', 'hard'], default: 'soft' },
      token: { type: 'string', secret: true, default: '' },
      enabled: { type: 'boolean', default: true },
    },
    plugins: [],
    connections: {
      ocp: { type: 'ocp', url: '${{ env.OCP_URL }}', auth: { type: 'basic', username: 'admin', password: '${{ env.OCP_PASSWORD }}' } },
      bao: {
        type: 'bao',
        url: 'https://bao.example:38080',
        auth: { type: 'login', username: 'admin', password: 'x' },
        tls: { insecureSkipVerify: true },
      },
      web: { type: 'http', url: 'http://web.example', headers: { Accept: 'application/json' } },
    },
    concurrency: 8,
    steps: [
      {
        id: 'stop',
        name: 'Stop obstat',
        action: 'ocp.stopAgentProcess',
        connection: 'ocp',
        forEach: '${{ params.hosts }}',
        with: { hostId: '${{ item }}', alias: 'obstat2' },
        concurrency: 4,
        maxErrors: '10%',
        continueOnError: false,
        retry: { attempts: 3, delay: '1s', maxDelay: '30s' },
        timeout: '30s',
        if: '${{ params.enabled && params.hosts.length > 0 }}',
        rollout: { batches: [1, '10%', '100%'], pauseBetween: '5s' },
      },
      { id: 'settle', action: 'core.sleep', with: { duration: '500ms' } },
      { id: 'check', action: 'core.assert', with: { that: "${{ steps.stop.outputs.items.length == 2 || params.mode != 'hard' }}" } },
    ],
  };
}

/** Every path to a value in the full runbook: the places a wrong value can go. */
function valuePaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  const here = path.length > 0 ? [path] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => valuePaths(v, [...path, i]))];
  if (value !== null && typeof value === 'object') {
    return [...here, ...Object.entries(value).flatMap(([k, v]) => valuePaths(v, [...path, k]))];
  }
  return here;
}
const PATHS = valuePaths(fullRunbook());

function setAt(root: unknown, path: (string | number)[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  Object.defineProperty(node, path[path.length - 1]!, { value, writable: true, enumerable: true, configurable: true });
}

const YAML_SPECIALS = [
  ':',
  '{',
  '}',
  '[',
  ']',
  '&a',
  '*a',
  '!',
  '|',
  '>',
  "'",
  '"',
  '%',
  '@',
  '`',
  '#',
  ',',
  '- ',
  '? ',
  '\t',
  '\n',
  '---',
  '${{',
  '}}',
];

const weirdString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    '${{ item }}',
    '${{',
    '}}',
    '${{ constructor.constructor }}',
    '150%',
    '1h30m',
    '-1',
    'yes',
    '~',
    'null',
    '\u0000',
    '\uFEFF',
    '\u202E',
  ),
  fc.string({ unit: fc.constantFrom(...YAML_SPECIALS), maxLength: 20 }),
);

const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  weirdString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(weirdString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
);

/** Alias and anchor games: bombs, cycles, merges, aliases as keys, dangling aliases. */
const aliasText = fc
  .tuple(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 12 }), fc.constantFrom('bomb', 'merge', 'key', 'dangling', 'self'))
  .map(([width, levels, kind]) => {
    switch (kind) {
      case 'bomb': {
        const rows = [`l0: &l0 [${Array(width).fill('"lol"').join(',')}]`];
        for (let i = 1; i < levels; i++)
          rows.push(
            `l${i}: &l${i} [${Array(width)
              .fill(`*l${i - 1}`)
              .join(',')}]`,
          );
        return `version: 1\nname: bomb\n${rows.join('\n')}\nsteps: *l${levels - 1}\n`;
      }
      case 'merge':
        return `version: 1\nname: merge\nbase: &b { action: core.sleep, with: { duration: 1s } }\nsteps:\n  - <<: *b\n    id: a\n`;
      case 'key':
        return `version: 1\nname: k\nx: &x [1]\n? *x\n: 1\nsteps: []\n`;
      case 'dangling':
        return `version: 1\nname: d\nsteps: *nowhere\n`;
      default:
        return `version: 1\nname: s\nsteps: &s [*s]\n`;
    }
  });

/** Long expressions and long strings where the expression checks look. */
const hugeExpressionText = fc
  .tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom('and-chain', 'nesting', 'many-expressions', 'unclosed'))
  .map(([size, kind]) => {
    const data = fullRunbook();
    const steps = data.steps as Record<string, unknown>[];
    const text = {
      'and-chain': `\${{ ${'params.enabled && '.repeat(size / 20)}true }}`,
      nesting: `\${{ ${'('.repeat(size / 10)}1${')'.repeat(size / 10)} }}`,
      'many-expressions': '${{ params.hosts[0] }}-'.repeat(size / 25),
      unclosed: `\${{ '${'x'.repeat(size)}`,
    }[kind];
    steps[2]!.with = { that: text };
    return stringify(data, { lineWidth: 0 });
  });

const KNOWN_CODES = new Set(Object.keys(ERROR_CODES));
/** Generous: a case normally takes a few milliseconds; this only catches runaway work on a shared machine. */
const CASE_LIMIT_MS = 3_000;

/** Loads the text and checks the outcome is a Runbook or a well-formed ValidationError, in bounded time. */
async function checkOutcome(text: string): Promise<void> {
  const started = performance.now();
  let outcome: unknown;
  try {
    outcome = await parseRunbook(text, 'rb.yaml', { registry });
  } catch (error) {
    outcome = error;
  }
  expect(performance.now() - started, 'one load took too long').toBeLessThan(CASE_LIMIT_MS);
  if (outcome instanceof ValidationError) {
    expect(outcome.diagnostics.length).toBeGreaterThan(0);
    for (const d of outcome.diagnostics) {
      expect(KNOWN_CODES.has(d.code), `unknown code ${d.code}`).toBe(true);
      expect(d.code, d.message).not.toBe('INTERNAL');
      expect(d.line, `${d.code} ${d.message}`).toBeGreaterThanOrEqual(1);
      expect(d.column, `${d.code} ${d.message}`).toBeGreaterThanOrEqual(1);
    }
    return;
  }
  expect(outcome, 'neither a Runbook nor a ValidationError').toMatchObject({ version: 1, file: 'rb.yaml' });
}

describe('validating runbooks with the built-ins', () => {
  it('starts from a runbook that uses every key of the format and is valid', async () => {
    await expect(parseRunbook(stringify(fullRunbook()), 'rb.yaml', { registry })).resolves.toMatchObject({ name: 'every-key' });
  });

  it('answers every key of the format given a wrong value with a Runbook or positioned diagnostics', async () => {
    const everyKey = PATHS.map((path) => fc.tuple(fc.constant(path), wrongValue));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(...everyKey), { minLength: 1, maxLength: 3 }), async (changes) => {
        const data = fullRunbook();
        for (const [path, value] of changes) {
          try {
            setAt(data, path, value);
          } catch {
            // An earlier change replaced a parent with a scalar: this change has nowhere to go.
          }
        }
        await checkOutcome(stringify(data));
      }),
      { numRuns: 60 },
    );
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
  });

  it('answers alias bombs, cycles, merges and huge expressions quickly', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(aliasText, hugeExpressionText), checkOutcome), { numRuns: 30 });
  });
});

describe('evaluating any expression', () => {
  const tokens = fc.constantFrom(
    'params',
    'env',
    'item',
    'index',
    'steps',
    '.',
    '[',
    ']',
    '(',
    ')',
    "'a'",
    '"b"',
    '0',
    '1',
    '-1',
    '1.5e3',
    'hosts',
    'length',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'valueOf',
    '??',
    '||',
    '&&',
    '!',
    '==',
    '!=',
    '<',
    '>=',
    'true',
    'null',
    ' ',
    'process',
    'globalThis',
    'this',
    'Function',
    '=>',
    ',',
    '+',
    '`',
    '\\',
    '}}',
    '${{',
  );
  const expressionText = fc.oneof(
    fc.array(tokens, { maxLength: 30 }).map((t) => t.join('')),
    fc.string({ maxLength: 60 }),
  );
  const scope = {
    params: { hosts: [20, 21], name: 'x', nested: { a: [1, { b: 2 }] } },
    env: { HOME: '/root' },
    item: { id: 1, hostId: 20 },
    index: 0,
    steps: { list: { outputs: { ids: [1, 2] } } },
  };

  it('gives plain data or a RunbookError, never another exception and never a function', () => {
    fc.assert(
      fc.property(expressionText, fc.boolean(), (source, whole) => {
        const text = whole ? `\${{ ${source} }}` : `a \${{ ${source} }} b`;
        for (const run of [() => evaluateValue(text, scope), () => evaluateCondition(text, scope), () => collectReferences(text)]) {
          try {
            expect(typeof run()).not.toBe('function');
          } catch (error) {
            expect(error).toBeInstanceOf(RunbookError);
            expect(['EXPRESSION', 'EXPRESSION_SYNTAX', 'ENV_MISSING']).toContain((error as RunbookError).code);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
