// The README documents every error code, every command-line flag, every built-in action and every
// connection type: a new one without docs fails here.

import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../src/actions/builtins.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { USAGE } from '../../src/cli/main.js';
import { ERROR_CODES } from '../../src/errors.js';

const README = readFileSync('README.md', 'utf8');

describe('the README', () => {
  it('starts with what the project is, then the two commands', () => {
    const head = README.slice(0, 2000);
    expect(head).toMatch(/^# runbook\n/);
    expect(head).toMatch(/npx runbook run runbooks\/examples\/\S+ --sim/);
    expect(head).toContain('npm test');
  });

  it('documents every error code', () => {
    const missing = Object.keys(ERROR_CODES).filter((code) => !README.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it('documents every flag the command line accepts', () => {
    const flags = [...new Set(USAGE.match(/--[a-z][a-z-]*/g) ?? [])];
    const missing = flags.filter((flag) => !README.includes(`\`${flag}`));
    expect(missing).toEqual([]);
  });

  it('documents every built-in action and connection type', () => {
    const registry = createRegistry();
    const missing = [
      ...registry.actionNames().filter((name) => !README.includes(`\`${name}\``)),
      ...registry.connections().map((c) => c.definition.type).filter((type) => !README.includes(`type: ${type}`)),
    ];
    expect(missing).toEqual([]);
  });

  it('documents every exit code', () => {
    for (const code of Object.values(EXIT)) expect(README).toMatch(new RegExp(`\\| ${code} \\|`));
  });

  it('has no placeholder left', () => {
    expect(README).not.toMatch(/\b[A-Z]+_(SECTION|TABLE|EXAMPLE)\b/);
  });
});

describe('the links of README.md and SECURITY.md', () => {
  const documents = ['README.md', 'SECURITY.md'];

  it('point at files in the repository and at headings that exist', () => {
    const broken: string[] = [];
    for (const doc of documents) {
      const text = readFileSync(doc, 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        const [file, anchor] = target!.split('#') as [string, string | undefined];
        const path = file === '' ? doc : file;
        if (!existsSync(path)) {
          broken.push(`${doc}: ${target} (no such file)`);
          continue;
        }
        if (anchor !== undefined && path.endsWith('.md') && !headingAnchors(readFileSync(path, 'utf8')).has(anchor)) {
          broken.push(`${doc}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('name no file outside the repository', () => {
    const outside = documents.flatMap((doc) => [...readFileSync(doc, 'utf8').matchAll(/(?:^|[\s(`])(\.\.\/[\w./-]+\.[a-z]{1,5})\b/g)].map((m) => `${doc}: ${m[1]}`));
    expect(outside).toEqual([]);
  });
});

/** The anchors GitHub makes of a document's headings: lower case, punctuation dropped, spaces to -. */
function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, title] of text.matchAll(/^#{1,6} (.+)$/gm)) {
    anchors.add(title!.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-'));
  }
  return anchors;
}
