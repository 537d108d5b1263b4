// Part of `npm run build`: compiles the schemas known at build time (the runbook schema of the built-in
// actions and connection types, each built-in action's inputs, and the param `items` that name a type
// only, such as `{ type: integer }`) into standalone validator code, one module per schema, so that loading
// a runbook that uses only these compiles no schema and loads only the validators it uses.

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AnySchema } from 'ajv';
import { createRegistry } from '../actions/builtins.js';
import { PREBUILT_VALIDATORS_DIR, prebuiltKey, prebuiltValidatorModule } from '../common/ajv.js';
import { buildRunbookSchema, PARAM_TYPES } from './schema.js';

/** The schemas compiled at build time. */
export function prebuiltSchemas(): AnySchema[] {
  const registry = createRegistry();
  return [buildRunbookSchema(registry), ...registry.actions().map((a) => a.definition.inputs), ...PARAM_TYPES.map((type) => ({ type }))];
}

/** Writes a module per prebuilt schema into `dir`, which holds nothing else afterwards; returns how many. */
export async function writeValidators(dir: string = PREBUILT_VALIDATORS_DIR): Promise<number> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const written = new Set<string>();
  for (const schema of prebuiltSchemas()) {
    const key = prebuiltKey(JSON.stringify(schema));
    if (written.has(key)) continue;
    written.add(key);
    await writeFile(join(dir, `${key}.cjs`), prebuiltValidatorModule(schema));
  }
  return written.size;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  writeValidators().then(
    (count) => process.stdout.write(`wrote ${count} validators to ${PREBUILT_VALIDATORS_DIR}\n`),
    (error: unknown) => {
      process.stderr.write(`could not write the prebuilt validators: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
