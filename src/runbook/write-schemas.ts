// `npm run schemas`: writes schemas/runbook.schema.json from the built-in actions and connection types,
// so that editors validate and complete runbooks. A test fails when the checked-in file is stale.

import { writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRegistry } from '../actions/builtins.js';
import { renderRunbookSchema } from './schema.js';

/** Where the generated schema lives, from both src/runbook and dist/runbook. */
export const RUNBOOK_SCHEMA_FILE = fileURLToPath(new URL('../../schemas/runbook.schema.json', import.meta.url));

/** Writes the runbook schema of the built-ins and returns the path written. */
export async function writeRunbookSchema(file: string = RUNBOOK_SCHEMA_FILE): Promise<string> {
  await writeFile(file, renderRunbookSchema(createRegistry()));
  return file;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  writeRunbookSchema().then(
    (file) => process.stdout.write(`wrote ${file}\n`),
    (error: unknown) => {
      process.stderr.write(`could not write the runbook schema: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
