// Compiled JSON Schemas kept across processes. ajv turns a schema into JavaScript, and doing so for the
// runbook schema (and the 2020-12 meta-schema it is checked against) was most of `runbook validate`'s time.
// The code ajv generates is saved under a hash of everything it depends on; later processes load it
// instead of compiling, and do not even load the ajv compiler.

import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnySchema, ValidateFunction } from 'ajv';
import type { Ajv } from './schema-errors.js';

/** Bump when the way code is generated or stored changes: older entries are then never read. */
const CACHE_FORMAT = 1;
/** Entries kept; past this, the oldest are removed when a new one is saved (plugins and params add some). */
export const MAX_CACHE_ENTRIES = 200;

/** How to compile a schema: an ajv instance, and a name for its options (part of the cache key). */
export interface SchemaCompiler {
  /** Names the ajv options; two compilers with different options must have different keys. */
  optionsKey: string;
  /** An ajv instance with those options; with `keepSource`, one that keeps the generated code. */
  ajv(keepSource: boolean): Ajv;
}

const requireFromHere = createRequire(import.meta.url);

/**
 * Where compiled schemas are kept: `RUNBOOK_CACHE_DIR` when set (`off` turns the cache off), otherwise
 * `node_modules/.cache/runbook/schemas` inside the package, where only those who can change the package
 * itself can write.
 */
export function schemaCacheDir(env: Record<string, string | undefined> = process.env): string | undefined {
  const configured = env.RUNBOOK_CACHE_DIR;
  if (configured !== undefined && configured !== '') return configured === 'off' ? undefined : join(configured, 'schemas');
  return fileURLToPath(new URL('../../node_modules/.cache/runbook/schemas/', import.meta.url));
}

/**
 * The validator of `schema`: loaded from the cache when this exact schema was compiled before with the
 * same ajv version and options, compiled (and saved for next time) otherwise. A cache that cannot be read
 * or written only costs the compilation. Throws what ajv throws for an invalid schema.
 */
export function loadOrCompile(
  schema: AnySchema,
  compiler: SchemaCompiler,
  dir: string | undefined = schemaCacheDir(),
  maxEntries = MAX_CACHE_ENTRIES,
): ValidateFunction {
  if (dir === undefined) return compiler.ajv(false).compile(schema);
  const key = createHash('sha256')
    .update(`${CACHE_FORMAT}\n${ajvVersion()}\n${compiler.optionsKey}\n${JSON.stringify(schema)}`)
    .digest('hex');
  const file = join(dir, `${key}.cjs`);
  const cached = loadCode(file);
  if (cached) return cached;
  const ajv = compiler.ajv(true);
  const validate = ajv.compile(schema);
  if (saveCode(dir, file, ajv, validate)) pruneCache(dir, maxEntries);
  return validate;
}

function ajvVersion(): string {
  return (requireFromHere('ajv/package.json') as { version: string }).version;
}

/** Runs a saved module; its `require` resolves from here, so that the cache may live anywhere. */
function loadCode(file: string): ValidateFunction | undefined {
  let code: string;
  try {
    code = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const module = { exports: {} as unknown };
    new Function('require', 'module', 'exports', code)(requireFromHere, module, module.exports);
    if (typeof module.exports === 'function') return module.exports as ValidateFunction;
  } catch {
    // A damaged entry: compiled again, and replaced.
  }
  return undefined;
}

/** Writes the generated code atomically (a reader never sees half of it); false when it could not. */
function saveCode(dir: string, file: string, ajv: Ajv, validate: ValidateFunction): boolean {
  const tmp = join(dir, `.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const standaloneCode = (requireFromHere('ajv/dist/standalone/index.js') as typeof import('ajv/dist/standalone/index.js')).default;
    const code = standaloneCode(ajv, validate);
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, code, { mode: 0o644 });
    renameSync(tmp, file);
    return true;
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing more to do: the cache is an optimisation.
    }
    return false;
  }
}

/** Removes the oldest entries beyond `maxEntries`, so that the folder cannot grow without end. */
function pruneCache(dir: string, maxEntries: number): void {
  try {
    const entries = readdirSync(dir).filter((name) => name.endsWith('.cjs'));
    if (entries.length <= maxEntries) return;
    const byAge = entries
      .map((name) => {
        try {
          return { name, mtimeMs: statSync(join(dir, name)).mtimeMs };
        } catch {
          return { name, mtimeMs: 0 }; // removed meanwhile by another process
        }
      })
      .sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const { name } of byAge.slice(0, entries.length - maxEntries)) rmSync(join(dir, name), { force: true });
  } catch {
    // Another process may be pruning too; the cache is an optimisation.
  }
}
