// The compiled-schema cache: a schema compiled once is loaded from its saved code afterwards, validates
// exactly as a fresh compile does, and a cache that is damaged, unwritable or switched off only costs time.

import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRegistry } from '../../src/actions/builtins.js';
import { buildRunbookSchema } from '../../src/runbook/schema.js';
import { loadOrCompile, schemaCacheDir, type SchemaCompiler } from '../../src/runbook/schema-code-cache.js';
import { FORMAT_SCHEMA_COMPILER, createAjv } from '../../src/runbook/schema-errors.js';
import { createWorkspace, type Workspace } from '../helpers/workspace.js';

let ws: Workspace;
beforeEach(() => {
  ws = createWorkspace('runbook-schema-cache-');
});
afterEach(() => ws.remove());

const entries = (dir: string): string[] => readdirSync(dir).filter((name) => name.endsWith('.cjs'));

const hostSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['hostId'],
  properties: { hostId: { type: 'integer', minimum: 1 }, alias: { type: 'string', pattern: '^[a-z0-9_]+$' } },
};

describe('loadOrCompile', () => {
  it('saves the compiled code once and loads it the next time instead of compiling', () => {
    let compilers = 0;
    const counting: SchemaCompiler = {
      optionsKey: FORMAT_SCHEMA_COMPILER.optionsKey,
      ajv: (keepSource) => {
        compilers += 1;
        return createAjv(keepSource);
      },
    };
    const first = loadOrCompile(hostSchema, counting, ws.dir);
    expect(entries(ws.dir)).toHaveLength(1);
    const second = loadOrCompile(hostSchema, counting, ws.dir);
    expect(compilers).toBe(1);
    expect(entries(ws.dir)).toHaveLength(1);
    for (const data of [{ hostId: 3 }, { hostId: 0, alias: 'A-1', extra: true }, 'not an object']) {
      expect(second(data)).toBe(first(data));
      expect(second.errors ?? null).toEqual(first.errors ?? null);
    }
    expect(second({ hostId: 0 })).toBe(false);
  });

  it('gives the runbook schema the same verdicts and error objects (schemas included) as a fresh compile', () => {
    const schema = buildRunbookSchema(createRegistry());
    loadOrCompile(schema, FORMAT_SCHEMA_COMPILER, ws.dir);
    const cached = loadOrCompile(schema, FORMAT_SCHEMA_COMPILER, ws.dir);
    const fresh = createAjv().compile(schema);
    const runbooks: unknown[] = [
      { version: 1, name: 'ok', steps: [{ id: 'a', action: 'core.sleep', with: { duration: '1s' } }] },
      { version: 2, name: 'Bad Name', steps: [{ id: 'a', action: 'ocp.stopAgentProcess', with: { hostId: 'x', agentProcessId: 0 }, retry: { attempts: 0 } }] },
      { version: 1, name: 'x', connections: { ocp: { type: 'ocp', url: 3, auth: { type: 'basic' } } }, steps: [] },
    ];
    const verdicts = runbooks.map((data) => {
      const valid = fresh(data);
      expect(cached(data)).toBe(valid);
      expect(cached.errors ?? null).toEqual(fresh.errors ?? null);
      return valid;
    });
    expect(verdicts).toEqual([true, false, false]);
  });

  it('compiles again and replaces an entry that is damaged', () => {
    loadOrCompile(hostSchema, FORMAT_SCHEMA_COMPILER, ws.dir);
    const [name] = entries(ws.dir);
    writeFileSync(join(ws.dir, name!), 'module.exports = (');
    const validate = loadOrCompile(hostSchema, FORMAT_SCHEMA_COMPILER, ws.dir);
    expect(validate({ hostId: 1 })).toBe(true);
    expect(validate({})).toBe(false);
    expect(readFileSync(join(ws.dir, name!), 'utf8')).toContain('hostId');
  });

  it('still compiles when the cache folder cannot be created', () => {
    const file = ws.write('not-a-folder', '');
    const validate = loadOrCompile(hostSchema, FORMAT_SCHEMA_COMPILER, join(file, 'schemas'));
    expect(validate({ hostId: 1 })).toBe(true);
    expect(validate({ hostId: -1 })).toBe(false);
  });

  it('never shares an entry between different options or different schemas', () => {
    const other: SchemaCompiler = { optionsKey: `${FORMAT_SCHEMA_COMPILER.optionsKey} other`, ajv: createAjv };
    loadOrCompile(hostSchema, FORMAT_SCHEMA_COMPILER, ws.dir);
    loadOrCompile(hostSchema, other, ws.dir);
    loadOrCompile({ ...hostSchema, required: [] }, FORMAT_SCHEMA_COMPILER, ws.dir);
    expect(entries(ws.dir)).toHaveLength(3);
  });

  it('keeps at most the given number of entries, removing the oldest', () => {
    for (let i = 0; i < 3; i += 1) {
      loadOrCompile({ ...hostSchema, title: `schema ${i}` }, FORMAT_SCHEMA_COMPILER, ws.dir, 3);
    }
    const oldest = entries(ws.dir).map((name) => join(ws.dir, name));
    oldest.forEach((file, i) => utimesSync(file, new Date(1000 * (i + 1)), new Date(1000 * (i + 1))));
    loadOrCompile({ ...hostSchema, title: 'schema 3' }, FORMAT_SCHEMA_COMPILER, ws.dir, 3);
    const kept = entries(ws.dir).map((name) => join(ws.dir, name));
    expect(kept).toHaveLength(3);
    expect(kept).not.toContain(oldest[0]);
  });
});

describe('schemaCacheDir', () => {
  it('is node_modules/.cache/runbook/schemas in the package by default', () => {
    expect(schemaCacheDir({})).toMatch(/node_modules[\\/]\.cache[\\/]runbook[\\/]schemas[\\/]?$/);
  });

  it('follows RUNBOOK_CACHE_DIR, and RUNBOOK_CACHE_DIR=off turns the cache off', () => {
    expect(schemaCacheDir({ RUNBOOK_CACHE_DIR: ws.dir })).toBe(join(ws.dir, 'schemas'));
    expect(schemaCacheDir({ RUNBOOK_CACHE_DIR: 'off' })).toBeUndefined();
  });
});
