// `runbook validate` and `runbook run` given hostile YAML up to the size limit: each is refused or
// accepted with a bounded heap, and refused before anything runs, at the line where the problem is.

import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
beforeAll(() => {
  ws = createWorkspace();
});
afterAll(() => ws.remove());

/** A heap well under what the hostile documents used to take: going over it kills the process. */
const HEAP_CAP = { NODE_OPTIONS: '--max-old-space-size=300' };
/** Only a backstop against a hang; the bounds under test are the heap cap and the diagnostics. */
const BACKSTOP = { timeoutMs: 30_000 };

const HEADER = 'version: 1\nname: hostile\nsteps:\n  - id: nap\n    action: core.sleep\n    with: { duration: 1ms }\n';

function list(length: number): string {
  return `[${Array(length).fill('1').join(',')}]`;
}

/** `q:` is a list of `aliases` aliases of a list of `length` elements, one alias a line from line 14. */
function amplified(length: number, aliases: number): string {
  return `${HEADER}params:\n  p:\n    type: array\n    default: &big ${list(length)}\n  q:\n    type: array\n    default:\n${'      - *big\n'.repeat(aliases)}`;
}

describe('alias amplification', () => {
  it('refuses the alias that takes the expanded document over the bound, at its line', async () => {
    // 90,000 elements, 99 times: within the file size and far below the alias count of a bomb.
    const file = ws.write('amplified.yaml', amplified(90_000, 99));
    const r = await runCli(['validate', file], { env: HEAP_CAP, ...BACKSTOP });
    expect(r.code, r.stderr).toBe(2);
    // The 11th alias (line 24) is the one that passes 1,000,000 values.
    expect(r.stderr).toContain(`${file}:24:9: error: alias *big takes the document over 1000000 values`);
    expect(r.stderr).toContain('[YAML_ALIAS_LIMIT]');
    expect(r.stderr).toContain('1 error in 1 file');
  });

  it('refuses it in run too, before any request and without writing a report', async () => {
    const file = ws.write('amplified-run.yaml', amplified(90_000, 99));
    const reports = ws.path('reports');
    const r = await runCli(['run', file, '--sim', '--report-dir', reports], { env: HEAP_CAP, ...BACKSTOP });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('[YAML_ALIAS_LIMIT]');
    expect(existsSync(reports) ? readdirSync(reports) : []).toEqual([]);
  });

  it('accepts aliases that expand below the bound', async () => {
    const file = ws.write('below.yaml', amplified(90_000, 9));
    const r = await runCli(['validate', file], { env: HEAP_CAP, ...BACKSTOP });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('merge keys', () => {
  it('refuses a merge key inside a param default, at the key', async () => {
    const text = `${HEADER}params:\n  m:\n    type: object\n    default: &m { a: 1 }\n  p:\n    type: object\n    default: { <<: *m, b: 2 }\n`;
    const file = ws.write('merge.yaml', text);
    const r = await runCli(['validate', file], BACKSTOP);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`${file}:13:16: error: merge key '<<': YAML merge keys are not supported, write the keys out`);
    expect(r.stderr).toContain('[SCHEMA]');
  });
});

describe('documents up to the size limit, of any shape', () => {
  it('validates one mapping of 66,000 keys under the heap cap', async () => {
    const keys = Array.from({ length: 66_000 }, (_, i) => `k${i}: 1`).join(', ');
    const file = ws.write('keys.yaml', `${HEADER}params:\n  p:\n    type: object\n    default: {${keys}}\n`);
    const r = await runCli(['validate', file], { env: HEAP_CAP, ...BACKSTOP });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('reports 60,000 unknown keys, each at its line, under the heap cap', async () => {
    const keys = Array.from({ length: 60_000 }, (_, i) => `k${i}: 1\n`).join('');
    const file = ws.write('unknown-keys.yaml', `${HEADER}${keys}`);
    const r = await runCli(['validate', file], { env: HEAP_CAP, ...BACKSTOP });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:7:1: error: unknown key 'k0' at the top level`);
    expect(r.stderr).toContain(`${file}:60006:1: error: unknown key 'k59999' at the top level`);
    expect(r.stderr).toContain('60000 errors in 1 file');
  });

  it('refuses a list of 500,000 elements before parsing it, at the entry over the limit', async () => {
    const file = ws.write('list.yaml', `${HEADER}params:\n  p:\n    type: array\n    default: ${list(500_000)}\n`);
    const r = await runCli(['validate', file], { env: HEAP_CAP, ...BACKSTOP });
    expect(r.code, r.stderr).toBe(2);
    // Line 10 holds the list; its 100,000th comma is the 100,001st entry of the file with the 10 before it.
    expect(r.stderr).toMatch(
      new RegExp(`${file.replace(/[.\\]/g, '\\$&')}:10:\\d+: error: the document holds more than 100000 list items and mapping entries`),
    );
    expect(r.stderr).toContain('[FILE_TOO_LARGE]');
  });

  it('accepts flow mappings nested 90 deep, and refuses them nested 150 deep at the 101st level', async () => {
    const nested = (depth: number) =>
      `${HEADER}params:\n  p:\n    type: object\n    default: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}\n`;
    const ok = await runCli(['validate', ws.write('nested-90.yaml', nested(90))], { env: HEAP_CAP, ...BACKSTOP });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const file = ws.write('nested-150.yaml', nested(150));
    const deep = await runCli(['validate', file], { env: HEAP_CAP, ...BACKSTOP });
    expect(deep.code).toBe(2);
    expect(deep.stderr).toMatch(/nested-150\.yaml:10:\d+: error: the document nests more than 100 levels deep; flatten it/);
    expect(deep.stderr).toContain('[YAML_SYNTAX]');
  });
});
