// `npm run docs`: rewrites the generated tables of docs/ (actions, flags, commands, error codes) from the code, in
// place between their markers. A test fails when a checked-in table differs from what this writes.

import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRegistry } from '../actions/builtins.js';
import { COMMANDS } from './commands.js';
import { renderActionsTable, renderCommandsSection, renderErrorCodesTable, renderFlagsTable, replaceGenerated } from './docs-tables.js';
import { FLAGS } from './flags.js';

/** A generated table: the page it lives in (relative to the repository), its marker name, and its text. */
export interface GeneratedSection {
  file: string;
  name: string;
  render(): string;
}

export const GENERATED_SECTIONS: readonly GeneratedSection[] = [
  { file: 'docs/actions.md', name: 'actions', render: () => renderActionsTable(createRegistry()) },
  { file: 'docs/cli.md', name: 'flags', render: () => renderFlagsTable(FLAGS) },
  { file: 'docs/cli.md', name: 'commands', render: () => renderCommandsSection(COMMANDS) },
  { file: 'docs/error-codes.md', name: 'error-codes', render: renderErrorCodesTable },
];

/** The repository's root, from both src/cli and dist/cli. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Rewrites every generated table in place; returns the pages it changed. */
export async function writeGeneratedDocs(root: string = ROOT): Promise<string[]> {
  const changed: string[] = [];
  for (const section of GENERATED_SECTIONS) {
    const path = `${root}${section.file}`;
    const before = await readFile(path, 'utf8');
    const after = replaceGenerated(before, section.name, section.render());
    if (after !== before) {
      await writeFile(path, after);
      changed.push(section.file);
    }
  }
  return changed;
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  writeGeneratedDocs().then(
    (changed) => process.stdout.write(changed.length === 0 ? 'docs are up to date\n' : `rewrote ${changed.join(', ')}\n`),
    (error: unknown) => {
      process.stderr.write(`could not write the docs: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
