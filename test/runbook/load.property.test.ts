// Property: whatever text the loader is given, it answers with a Runbook or a ValidationError whose
// diagnostics all carry a line, a column and a known code: never another exception, never a stack trace.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ValidationError } from '../../src/errors.js';
import { parseRunbook } from '../../src/runbook/load.js';
import { testRegistry } from './test-registry.js';

// Taken before any property runs, so that a polluted prototype shows up as a difference.
const PROTOTYPE_BEFORE = Object.getOwnPropertyNames(Object.prototype).sort();

const registry = testRegistry();
const seeds = ['pre-patch-stop.yaml', 'many-errors.yaml', 'unquoted-flow.yaml'].map((name) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/runbooks/${name}`, import.meta.url)), 'utf8'),
);

/** Loads text and checks the outcome is one of the two allowed ones; returns which. */
async function outcomeOf(text: string): Promise<'runbook' | 'refused'> {
  let error: unknown;
  try {
    const runbook = await parseRunbook(text, 'fuzz.yaml', { registry });
    expect(runbook.version).toBe(1);
    return 'runbook';
  } catch (e) {
    error = e;
  }
  if (!(error instanceof ValidationError)) throw new Error(`not a ValidationError: ${String(error)}`);
  expect(error.diagnostics.length).toBeGreaterThan(0);
  for (const d of error.diagnostics) {
    if (d.code === 'FILE_TOO_LARGE') continue;
    expect(Object.hasOwn(ERROR_CODES, d.code), d.code).toBe(true);
    expect(d.code, d.message).not.toBe('INTERNAL');
    expect(d.line, d.message).toBeGreaterThanOrEqual(1);
    expect(d.column, d.message).toBeGreaterThanOrEqual(1);
    expect(d.message).not.toMatch(/\n\s+at /);
  }
  return 'refused';
}

const tokens = fc.constantFrom(
  '\n',
  '  ',
  '- ',
  ': ',
  ':',
  ',',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  '#',
  '&a ',
  '*a',
  '!!str ',
  '!x ',
  '? ',
  '|',
  '>',
  '${{',
  '}}',
  ' item ',
  'params.hosts',
  'steps',
  'id',
  'action',
  'with',
  'forEach',
  'version',
  '1',
  'name',
  'x',
  '__proto__',
  'constructor',
  '---',
  '\t',
  'é',
  '漢字',
  '\u{1F600}',
  '\u0000',
  '\uFEFF',
  '%YAML 1.1\n',
);

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.array(tokens, { maxLength: 6 }).map((t) => t.join('')) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.string({ unit: 'binary', maxLength: 3 }) }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % text.length;
  switch (m.kind) {
    case 'truncate':
      return text.slice(0, at);
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'replace':
      return text.slice(0, at) + m.text + text.slice(at + m.text.length);
  }
}

/** Runbook-shaped data where any value may have any type. */
const anyValue = fc.oneof(
  { depthSize: 'small' },
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('${{ item }}', '${{ params.hosts }}', '${{ steps.a.outputs.x }}', '${{ env.X ?? 1 }}', '${{ (( }}', '10%', '30s'),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('hostId', 'agentProcessId', 'alias', 'type', 'url', '__proto__', 'x'), fc.integer(), { maxKeys: 3 }),
);

const stepShaped = fc.record(
  {
    id: fc.oneof(fc.constantFrom('a', 'b', 'stop-obstat', 'a'), anyValue),
    action: fc.oneof(fc.constantFrom('ocp.stopAgentProcess', 'core.sleep', 'ocp.listHosts', 'ocp.stopAgentProces'), anyValue),
    connection: fc.oneof(fc.constantFrom('ocp', 'nope'), anyValue),
    forEach: anyValue,
    with: fc.oneof(
      fc.dictionary(fc.constantFrom('hostId', 'agentProcessId', 'alias', 'duration', 'target', 'hostid'), anyValue, { maxKeys: 4 }),
      anyValue,
    ),
    concurrency: anyValue,
    maxErrors: anyValue,
    continueOnError: anyValue,
    retry: fc.oneof(fc.record({ attempts: anyValue, delay: anyValue, maxDelay: anyValue }, { requiredKeys: [] }), anyValue),
    timeout: anyValue,
    if: anyValue,
    rollout: fc.oneof(fc.record({ batches: anyValue, pauseBetween: anyValue }, { requiredKeys: [] }), anyValue),
  },
  { requiredKeys: [] },
);

const runbookShaped = fc.record(
  {
    version: fc.oneof(fc.constant(1), anyValue),
    name: fc.oneof(fc.constant('fuzz'), anyValue),
    params: fc.oneof(
      fc.dictionary(
        fc.constantFrom('hosts', 'n', '__proto__', 'bad name'),
        fc.record({ type: anyValue, default: anyValue }, { requiredKeys: [] }),
        { maxKeys: 3 },
      ),
      anyValue,
    ),
    connections: fc.oneof(fc.constant({ ocp: { type: 'ocp', url: 'u' } }), anyValue),
    concurrency: anyValue,
    steps: fc.oneof(fc.array(stepShaped, { maxLength: 4 }), anyValue),
    extra: anyValue,
  },
  { requiredKeys: ['version', 'name', 'steps'] },
);

describe('loading any text', () => {
  const runs = { numRuns: 150 };

  it('answers arbitrary text with a Runbook or positioned diagnostics', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 300 }), async (text) => void (await outcomeOf(text))),
      runs,
    );
  });

  it('answers token soup built from YAML syntax and expressions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(tokens, { maxLength: 80 }).map((t) => t.join('')),
        async (text) => void (await outcomeOf(text)),
      ),
      runs,
    );
  });

  it('answers mutated and truncated real runbooks', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (seed, mutations) => {
        await outcomeOf(mutations.reduce(mutate, seed));
      }),
      { numRuns: 300 },
    );
  });

  it('answers runbooks with wrong types everywhere', async () => {
    await fc.assert(
      fc.asyncProperty(runbookShaped, async (data) => {
        await outcomeOf(stringify(data));
      }),
      { numRuns: 300 },
    );
  });

  it('answers deep nesting, long lines and huge strings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3_000 }),
        fc.constantFrom('[', '{a: ', '- ', '? '),
        fc.integer({ min: 0, max: 200_000 }),
        async (depth, opener, size) => {
          const closer = opener === '[' ? ']' : opener === '{a: ' ? '}' : '';
          await outcomeOf(
            `version: 1\nname: n\nx: ${opener.repeat(depth)}1${closer.repeat(depth)}\nsteps:\n  - id: a\n    action: core.sleep\n    name: "${'é'.repeat(size)}"\n`,
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it('leaves Object.prototype untouched after all of it', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_BEFORE);
    expect(({} as Record<string, unknown>).hostId).toBeUndefined();
    expect(({} as Record<string, unknown>).type).toBeUndefined();
  });
});
