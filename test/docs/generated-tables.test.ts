// The reference tables of docs/ are generated from the code (`npm run docs`): the registry's actions, the
// error catalogue and the flag list. A table edited by hand, or left behind by a change, fails here.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../src/actions/builtins.js';
import {
  ERROR_CODE_WHERE,
  generatedSection,
  renderActionsTable,
  renderErrorCodesTable,
  renderFlagsTable,
  replaceGenerated,
} from '../../src/cli/docs-tables.js';
import { FLAGS } from '../../src/cli/flags.js';
import { USAGE } from '../../src/cli/main.js';
import { GENERATED_SECTIONS } from '../../src/cli/write-docs.js';
import { ERROR_CODES, type ErrorCode } from '../../src/errors.js';

describe('the generated tables of docs/', () => {
  for (const section of GENERATED_SECTIONS) {
    it(`${section.file}: the ${section.name} table is what the code says`, () => {
      const checkedIn = generatedSection(readFileSync(section.file, 'utf8'), section.name);
      expect(checkedIn, `${section.file} has no ${section.name} markers`).toBeDefined();
      expect(checkedIn, `${section.file}: the ${section.name} table is stale; run \`npm run docs\` and commit it`).toBe(section.render());
    });
  }

  it('keeps the prose around a table when it rewrites it', () => {
    const page = 'intro\n\n<!-- BEGIN GENERATED: flags -->\n| old |\n<!-- END GENERATED: flags -->\n\nafter\n';
    const rewritten = replaceGenerated(page, 'flags', '| new |\n');
    expect(rewritten).toBe('intro\n\n<!-- BEGIN GENERATED: flags -->\n| new |\n<!-- END GENERATED: flags -->\n\nafter\n');
    expect(generatedSection(rewritten, 'flags')).toBe('| new |\n');
    expect(() => replaceGenerated('no markers', 'flags', '')).toThrow(/BEGIN GENERATED: flags/);
  });
});

describe('the actions table', () => {
  const table = renderActionsTable(createRegistry());

  it('has a row per built-in action, with its description and kind', () => {
    for (const { definition } of createRegistry().actions()) {
      const row = table.split('\n').find((line) => line.startsWith(`| \`${definition.name}\` |`));
      expect(row, definition.name).toBeDefined();
      expect(row).toContain(definition.mutates ? '| mutates |' : '| read-only |');
      expect(definition.description.length, definition.name).toBeGreaterThan(20);
    }
  });

  it('lists required inputs, alternatives, and optional inputs with their defaults', () => {
    const row = (name: string) => table.split('\n').find((line) => line.startsWith(`| \`${name}\` |`))!;
    expect(row('ocp.stopAgentProcess')).toContain('| `hostId`; one of `agentProcessId` or `alias` |');
    expect(row('bao.waitForPeers')).toContain(
      '`peers`; optional `status` (default `STOPPED`), `interval` (default `5s`), `timeout` (default `10m`)',
    );
  });

  it('keeps a cell one cell when a description holds a |', () => {
    expect(renderFlagsTable([{ name: '--x', commands: ['run'], meaning: 'a | b\nc' }])).toContain('| `--x` | run | a \\| b c |');
  });
});

describe('the error codes table', () => {
  it('says where every error code comes from', () => {
    const missing = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => ERROR_CODE_WHERE[code] === undefined);
    expect(missing, 'add each to ERROR_CODE_WHERE in src/cli/docs-tables.ts').toEqual([]);
    expect(renderErrorCodesTable()).toContain('| `LOCKED` | run (exit 75) | another run of the same runbook holds the lock |');
  });
});

describe('the flag list of the docs', () => {
  it('names exactly the flags of the usage text', () => {
    const inUsage = [...new Set(USAGE.match(/--[a-z][a-z-]*/g) ?? [])].sort();
    const listed = FLAGS.map((f) => f.name).sort();
    expect(listed).toEqual(inUsage);
  });
});
