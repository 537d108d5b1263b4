// Reads a simulator config file (YAML) for `runbook sim --config`, reporting every problem with its
// file:line:col.

import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document, type Node } from 'yaml';
import { RunbookError } from '../errors.js';
import { simConfigProblems, type SimConfigInput } from './config.js';

/**
 * Loads and validates a simulator config file. Throws RunbookError USAGE when the file cannot be read,
 * YAML_SYNTAX when it is not well-formed YAML, SCHEMA (with `file:line:col` per problem) when it does not
 * match the config format. The result still needs `startSimulator({ config })` to merge the defaults.
 */
export async function loadSimConfig(file: string): Promise<SimConfigInput> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new RunbookError('USAGE', `Cannot read the simulator config file ${file} (${reason}): check the path given to --config`, {
      cause: err,
    });
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const pos = lineCounter.linePos(e.pos[0]);
      return `${file}:${pos.line}:${pos.col}: ${e.message.split('\n')[0]}`;
    });
    throw new RunbookError('YAML_SYNTAX', `The simulator config file is not valid YAML:\n${lines.join('\n')}`);
  }
  const value: unknown = doc.toJS() ?? {};
  const problems = simConfigProblems(value);
  if (problems.length > 0) {
    const lines = problems.map((p) => {
      const pos = lineCounter.linePos(offsetOf(doc, p.pointer, p.atKey === true));
      return `${file}:${pos.line}:${pos.col}: ${p.message}`;
    });
    throw new RunbookError('SCHEMA', `The simulator config file has ${problems.length} problem(s):\n${lines.join('\n')}`, {
      details: { problems: problems.map((p, i) => ({ ...p, where: lines[i] })) },
    });
  }
  return value as SimConfigInput;
}

/** Offset in the text of the node (or key, with `atKey`) at a JSON pointer, or of its nearest existing ancestor. */
function offsetOf(doc: Document, pointer: string, atKey: boolean): number {
  const path = pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));
  for (let n = path.length; n >= 0; n -= 1) {
    const at = nodeAt(doc, path.slice(0, n), atKey && n === path.length);
    if (at?.range) return at.range[0];
  }
  return 0;
}

/** The node at a path: the value, or with `atKey` the key node of a mapping entry (where a typo is). */
function nodeAt(doc: Document, path: string[], atKey: boolean): Node | undefined {
  if (path.length === 0) return (doc.contents ?? undefined) as Node | undefined;
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1] as string;
  if (isMap(parent)) {
    const pair = parent.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === last);
    if (!pair || !isScalar(pair.key)) return undefined;
    const value = pair.value as Node | null;
    return atKey || !value?.range ? pair.key : value;
  }
  const node: unknown = doc.getIn(path.map((s) => (/^\d+$/.test(s) ? Number(s) : s)), true);
  return node && typeof node === 'object' && 'range' in node ? (node as Node) : undefined;
}
