// Part of `npm run build`: compiles the schemas known at build time (the runbook schema of the built-in
// actions and connection types, each built-in action's inputs, and the param `items` that name a type
// only, such as `{ type: integer }`) into standalone validator code, so that loading a runbook that uses
// only these does not compile any schema.

import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import type { AnySchema } from 'ajv';
import { createRegistry } from '../actions/builtins.js';
import { PREBUILT_VALIDATORS_FILE, prebuiltValidatorsModule } from '../common/ajv.js';
import { buildRunbookSchema, PARAM_TYPES } from './schema.js';

/** The schemas compiled at build time. */
export function prebuiltSchemas(): AnySchema[] {
  const registry = createRegistry();
  return [buildRunbookSchema(registry), ...registry.actions().map((a) => a.definition.inputs), ...PARAM_TYPES.map((type) => ({ type }))];
}

/** Writes the prebuilt validators module and returns the path written. */
export async function writeValidators(file: string = PREBUILT_VALIDATORS_FILE): Promise<string> {
  await writeFile(file, prebuiltValidatorsModule(prebuiltSchemas()));
  return file;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  writeValidators().then(
    (file) => process.stdout.write(`wrote ${file}\n`),
    (error: unknown) => {
      process.stderr.write(`could not write the prebuilt validators: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
