// Reads a simulator config file (YAML) for `runbook sim --config`, reporting every problem with its
// file:line:col.

import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap, isPair, isScalar, visit, type Document, type Node } from 'yaml';
import { RunbookError } from '../errors.js';
import { simConfigProblems, type SimConfigInput } from './config.js';

/**
 * Loads and validates a simulator config file. Throws RunbookError USAGE when the file cannot be read,
 * YAML_SYNTAX when it is not well-formed YAML, SCHEMA (with `file:line:col` per problem) when it does not
 * match the config format. The result still needs `startSimulator({ config })` to merge the defaults.
 * `flag` is the command-line flag that named the file, for the message (`--config`, `--sim-config`).
 */
export async function loadSimConfig(file: string, options: { flag?: string } = {}): Promise<SimConfigInput> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new RunbookError(
      'USAGE',
      `Cannot read the simulator config file ${file} (${reason}): check the path given to ${options.flag ?? '--config'}`,
      {
        cause: err,
      },
    );
  }
  const lineCounter = new LineCounter();
  const where = (offset: number): string => {
    const pos = lineCounter.linePos(offset);
    return `${file}:${pos.line}:${pos.col}`;
  };
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false });
  } catch (err) {
    // The parser recurses once per nesting level: a pathological file can exhaust the stack.
    throw new RunbookError(
      'YAML_SYNTAX',
      `The simulator config file ${file} cannot be read as YAML (${messageOf(err)}); is it nested too deeply?`,
    );
  }
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => `${where(e.pos[0])}: ${e.message.split('\n')[0]}`);
    throw new RunbookError('YAML_SYNTAX', `The simulator config file is not valid YAML:\n${lines.join('\n')}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (err) {
    // Aliases are resolved here, not by the parser: an unknown anchor, or too many expansions (an alias bomb).
    const alias = firstAliasOffset(doc);
    const at = alias === undefined ? file : where(alias);
    const bomb = /excessive alias count/i.test(messageOf(err));
    throw bomb
      ? new RunbookError(
          'YAML_ALIAS_LIMIT',
          `${at}: the file expands YAML aliases more than ${MAX_ALIAS_COUNT} times; write the values out instead`,
        )
      : new RunbookError('YAML_SYNTAX', `${at}: ${messageOf(err)}`);
  }
  const problems = simConfigProblems(value);
  if (problems.length > 0) {
    const lines = problems.map((p) => {
      return `${where(offsetOf(doc, p.pointer, p.atKey === true))}: ${p.message}`;
    });
    throw new RunbookError('SCHEMA', `The simulator config file has ${problems.length} problem(s):\n${lines.join('\n')}`, {
      details: { problems: problems.map((p, i) => ({ ...p, where: lines[i] })) },
    });
  }
  return value as SimConfigInput;
}

/** How many alias expansions a config file may make (the yaml library's guard against alias bombs). */
const MAX_ALIAS_COUNT = 100;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Offset of the first alias (`*name`) in the file, where an alias problem most likely is. */
function firstAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
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
  const node: unknown = doc.getIn(
    path.map((s) => (/^\d+$/.test(s) ? Number(s) : s)),
    true,
  );
  return node && typeof node === 'object' && 'range' in node ? (node as Node) : undefined;
}
