// The README is short and leads to docs/, and docs/ documents every error code, every command-line flag,
// every built-in action, every connection type and every exit code: a new one without docs fails here.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../src/actions/builtins.js';
import { EXIT } from '../../src/cli/exit-codes.js';
import { USAGE } from '../../src/cli/main.js';
import { ERROR_CODES } from '../../src/errors.js';

const README = readFileSync('README.md', 'utf8');
const DOCS = readdirSync('docs')
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);
const doc = (name: string): string => readFileSync(`docs/${name}`, 'utf8');

describe('the README', () => {
  it('starts with what the project is, then the two commands', () => {
    const head = README.slice(0, 2000);
    expect(head).toMatch(/^# runbook\n/);
    expect(head).toMatch(/npx runbook run runbooks\/examples\/\S+ --sim/);
    expect(head).toContain('npm test');
  });

  it('is at most 150 lines', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(150);
  });

  it('links every page of docs/', () => {
    const missing = DOCS.filter((page) => !README.includes(`](${page})`) && !README.includes(`](${page}#`));
    expect(missing).toEqual([]);
  });

  it('shows a runbook that is the example file, as it is', () => {
    const block = /## A runbook\n[\s\S]*?```yaml\n([\s\S]*?)```/.exec(README)?.[1];
    const file = readFileSync('runbooks/examples/stop-obstat.yaml', 'utf8');
    expect(block).toBeDefined();
    expect(file.endsWith(block!)).toBe(true);
  });

  it('gives the exit codes in brief', () => {
    const brief = /## Exit codes in brief\n([\s\S]*?)\n## /.exec(README)?.[1] ?? '';
    const missing = Object.values(EXIT).filter((code) => !new RegExp(`(^|\\D)${code}(\\D|$)`).test(brief));
    expect(brief).not.toBe('');
    expect(missing).toEqual([]);
  });

  it('has no placeholder left', () => {
    for (const text of [README, ...DOCS.map((page) => readFileSync(page, 'utf8'))]) {
      expect(text).not.toMatch(/\b[A-Z]+_(SECTION|TABLE|EXAMPLE)\b/);
    }
  });
});

describe('docs/', () => {
  it('documents every error code', () => {
    const text = doc('error-codes.md');
    const missing = Object.keys(ERROR_CODES).filter((code) => !text.includes(`\`${code}\``));
    expect(missing).toEqual([]);
  });

  it('documents every flag the command line accepts', () => {
    const text = doc('cli.md');
    const flags = [...new Set(USAGE.match(/--[a-z][a-z-]*/g) ?? [])];
    const missing = flags.filter((flag) => !text.includes(`\`${flag}`));
    expect(missing).toEqual([]);
  });

  it('documents every built-in action and connection type', () => {
    const registry = createRegistry();
    const actions = doc('actions.md');
    const connections = doc('connections.md');
    const missing = [
      ...registry.actionNames().filter((name) => !actions.includes(`\`${name}\``)),
      ...registry
        .connections()
        .map((c) => c.definition.type)
        .filter((type) => !connections.includes(`type: ${type}`)),
    ];
    expect(missing).toEqual([]);
  });

  it('documents every exit code', () => {
    const text = doc('exit-codes.md');
    for (const code of Object.values(EXIT)) expect(text).toMatch(new RegExp(`\\| ${code} \\|`));
  });

  it('carries no measurements: the benchmark results live in bench/', () => {
    const measured = DOCS.flatMap((page) =>
      [...readFileSync(page, 'utf8').matchAll(/[^\n]*\d\s?(µs|us\/op|us\/request|ms\/step|MB peak)[^\n]*/g)].map((m) => `${page}: ${m[0]}`),
    );
    expect(measured).toEqual([]);
  });
});

describe('the links of README.md, SECURITY.md and docs/', () => {
  const documents = ['README.md', 'SECURITY.md', ...DOCS];
  const root = resolve('.');

  it('point at files in the repository and at headings that exist', () => {
    const broken: string[] = [];
    for (const document of documents) {
      const text = readFileSync(document, 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target!)) continue;
        const [file, anchor] = target!.split('#') as [string, string | undefined];
        const path = file === '' ? document : join(dirname(document), file);
        if (relative(root, resolve(path)).startsWith('..')) {
          broken.push(`${document}: ${target} (outside the repository)`);
          continue;
        }
        if (!existsSync(path)) {
          broken.push(`${document}: ${target} (no such file)`);
          continue;
        }
        if (anchor !== undefined && path.endsWith('.md') && !headingAnchors(readFileSync(path, 'utf8')).has(anchor)) {
          broken.push(`${document}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('name no file outside the repository', () => {
    const outside = documents.flatMap((document) =>
      [...readFileSync(document, 'utf8').matchAll(/(?:^|[\s(`])(\.\.\/[\w./-]+\.[a-z]{1,5})\b/g)]
        .filter((m) => relative(root, resolve(dirname(document), m[1]!)).startsWith('..'))
        .map((m) => `${document}: ${m[1]}`),
    );
    expect(outside).toEqual([]);
  });
});

/** The anchors GitHub makes of a document's headings: lower case, punctuation dropped, spaces to -. */
function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const outsideCode = text.replace(/^```[\s\S]*?^```/gm, '');
  for (const [, title] of outsideCode.matchAll(/^#{1,6} (.+)$/gm)) {
    anchors.add(
      title!
        .trim()
        .toLowerCase()
        .replace(/[^\w\- ]/g, '')
        .replace(/ /g, '-'),
    );
  }
  return anchors;
}
