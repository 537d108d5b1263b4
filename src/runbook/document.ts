// YAML text -> a parsed document with source positions. Refuses what is unsafe (alias bombs, cycles,
// deep nesting) before converting to plain data, and finds the line and column of any document path.

import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  Scalar,
  visit,
  type Alias,
  type Document,
  type Node as YamlNode,
  type Pair,
  type YAMLMap,
  type YAMLError,
} from 'yaml';
import type { Diagnostic, ErrorCode } from '../errors.js';

/** A path in the document: mapping keys and sequence indexes, as in ['steps', 1, 'with', 'hostId']. */
export type DocPath = (string | number)[];

/** A problem found in the document, positioned by its path rather than by line. */
export interface Problem {
  code: ErrorCode;
  message: string;
  path: DocPath;
  /** Point at the key of the last path segment rather than at its value. */
  at?: 'key';
  /** Point inside the string value at `path`: `anchor` is text of the value that starts at `anchorIndex`. */
  inString?: { anchor: string; anchorIndex: number; index: number };
}

/** How deep a runbook may nest. Real runbooks stay under 15; the cap keeps the parser's recursion safe. */
export const MAX_NESTING = 100;
/** How many list items and mapping entries a document may hold as written (see findExcessiveStructure). */
export const MAX_ENTRIES = 100_000;
/**
 * How many values (scalars, keys and collections) a document may hold once every alias is expanded.
 * This is a few times what MAX_ENTRIES allows written out: room for aliases that save typing, and none
 * for aliases that multiply the document (alias bombs, and wide amplification).
 */
export const MAX_EXPANDED_VALUES = 1_000_000;

/** The outcome of reading YAML text: diagnostics, and the data when the text is usable. */
export interface ParsedYaml {
  source: SourceDocument;
  /** Problems with the YAML itself. */
  diagnostics: Diagnostic[];
  /** The document as plain data; undefined when the YAML is too broken to validate further. */
  data?: unknown;
}

/** Parses YAML text safely. Never throws for any input. */
export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const excess = findExcessiveStructure(text);
  if (excess !== undefined) {
    // Refused before parsing: the parser recurses once per level, so that a deep enough document exhausts
    // the stack, and holds several hundred bytes per entry while it reads.
    const source = new SourceDocument(text, file, undefined, lineCounter);
    lineCounter.addNewLine(0);
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1);
    const diagnostic =
      excess.limit === 'depth'
        ? source.diagnosticAtOffset('YAML_SYNTAX', `the document nests more than ${MAX_NESTING} levels deep; flatten it`, excess.offset)
        : source.diagnosticAtOffset(
            'FILE_TOO_LARGE',
            `the document holds more than ${MAX_ENTRIES} list items and mapping entries; split it, or move the data out of the runbook`,
            excess.offset,
          );
    return { source, diagnostics: [diagnostic] };
  }
  const doc = parseDocument(text, {
    lineCounter,
    // Duplicate keys are found by checkNodes in one pass: the library's own check is quadratic in the
    // number of keys of a mapping.
    uniqueKeys: false,
    prettyErrors: false,
    // 'error', not 'silent': below it the library stops reporting a second document.
    logLevel: 'error',
    resolveKnownTags: false,
    keepSourceTokens: false,
  });
  const source = new SourceDocument(text, file, doc, lineCounter);
  const diagnostics = [...describeYamlErrors(doc.errors, source), ...describeYamlWarnings(doc.warnings, source)];
  if (doc.errors.length > 0) return { source, diagnostics };

  const structural = checkNodes(doc, source);
  diagnostics.push(...structural.keyProblems);
  if (structural.problems.length > 0) return { source, diagnostics: [...diagnostics, ...structural.problems] };

  let data: unknown;
  try {
    // checkNodes has bounded the expanded size exactly; the library's alias count would refuse harmless
    // documents and let wide amplification through.
    data = doc.toJS({ maxAliasCount: -1 });
  } catch (error) {
    const at = structural.firstAlias ? source.offsetOf(structural.firstAlias) : 0;
    return {
      source,
      diagnostics: [...diagnostics, source.diagnosticAtOffset('YAML_SYNTAX', `the YAML cannot be read: ${messageOf(error)}`, at)],
    };
  }
  const dataProblems: Problem[] = [];
  checkPlainData(data, [], dataProblems);
  return { source, diagnostics: [...diagnostics, ...dataProblems.map((p) => source.toDiagnostic(p))], data };
}

/**
 * A parsed file and its positions. `locate` answers for a document path, pointing at a scalar value,
 * or at the key of a mapping entry whose value is a collection; for a missing key, at the nearest parent.
 */
export class SourceDocument {
  constructor(
    readonly text: string,
    readonly file: string,
    readonly doc: Document.Parsed | undefined,
    readonly lineCounter: LineCounter,
  ) {}

  /** 1-based line and column of a character offset. */
  position(offset: number): { line: number; column: number } {
    const { line, col } = this.lineCounter.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line: Math.max(1, line), column: Math.max(1, col) };
  }

  offsetOf(node: YamlNode): number {
    return node.range?.[0] ?? 0;
  }

  /** The line and column of a document path (see the class comment). */
  locate(path: DocPath, at?: 'key'): { line: number; column: number } {
    return this.position(this.#offsetOfPath(path, at));
  }

  /** The line and column of a place inside the string value at a path (the value's own when not found). */
  locateInString(path: DocPath, target: NonNullable<Problem['inString']>): { line: number; column: number } {
    return this.position(this.#offsetInString(path, target) ?? this.#offsetOfPath(path));
  }

  /** The scalar or collection node at a path, following aliases; undefined when the path is not there. */
  nodeAt(path: DocPath): YamlNode | undefined {
    let node: unknown = this.doc?.contents ?? undefined;
    for (const segment of path) {
      node = this.#resolve(node);
      const next = this.#child(node, segment);
      if (!next) return undefined;
      node = next.value;
    }
    return this.#resolve(node) as YamlNode | undefined;
  }

  toDiagnostic(problem: Problem): Diagnostic {
    let offset = this.#offsetOfPath(problem.path, problem.at);
    if (problem.inString) offset = this.#offsetInString(problem.path, problem.inString) ?? offset;
    const { line, column } = this.position(offset);
    return { code: problem.code, message: problem.message, file: this.file, line, column, path: formatPath(problem.path) };
  }

  /** A diagnostic at a character offset, with the document path of the node there when there is one. */
  diagnosticAtOffset(code: ErrorCode, message: string, offset: number): Diagnostic {
    const path = this.pathAt(offset);
    return { code, message, file: this.file, ...this.position(offset), ...(path.length > 0 ? { path: formatPath(path) } : {}) };
  }

  /** The path of the innermost mapping entry or list item whose text holds `offset` (aliases not followed). */
  pathAt(offset: number): DocPath {
    return this.#descend(offset);
  }

  /**
   * Walks down to `offset` by the text ranges of the nodes (so that a duplicate key is told from the first),
   * into the first entry or item that holds it. In well-formed YAML the ranges of siblings do not overlap
   * and bisection finds it; after a syntax error they may, and the items are scanned in order.
   */
  #descend(offset: number): DocPath {
    const path: DocPath = [];
    let node: unknown = this.doc?.contents ?? undefined;
    const wellFormed = this.doc?.errors.length === 0;
    const holds = (start: number | undefined, end: number | undefined): boolean =>
      start !== undefined && end !== undefined && offset >= start && offset <= end;
    const pairHolds = (pair: Pair | undefined): boolean => {
      const key = pair?.key as YamlNode | null | undefined;
      const value = pair?.value as YamlNode | null | undefined;
      return isScalar(key) && holds(key.range?.[0], value?.range?.[2] ?? key.range?.[2]);
    };
    const itemHolds = (item: unknown): boolean => {
      const range = (item as YamlNode | null | undefined)?.range;
      return holds(range?.[0], range?.[2]);
    };
    for (let depth = 0; depth <= MAX_NESTING * 2; depth++) {
      let next: { segment: string | number; node: unknown } | undefined;
      if (isMap(node)) {
        const items = node.items as Pair[];
        const index = wellFormed ? itemAround(items, offset, (p) => (p.key as YamlNode | null)?.range?.[0]) : items.findIndex(pairHolds);
        const pair = items[index];
        if (pair && pairHolds(pair)) next = { segment: keyText(pair.key as Scalar), node: pair.value };
      } else if (isSeq(node)) {
        const index = wellFormed
          ? itemAround(node.items, offset, (item) => (item as YamlNode | null)?.range?.[0])
          : node.items.findIndex(itemHolds);
        if (index >= 0 && itemHolds(node.items[index])) next = { segment: index, node: node.items[index] };
      }
      if (next === undefined) break;
      path.push(next.segment);
      node = next.node;
    }
    return path;
  }

  #offsetOfPath(path: DocPath, at?: 'key'): number {
    let node: unknown = this.doc?.contents ?? undefined;
    let best = { node: node as YamlNode | undefined, key: undefined as YamlNode | undefined };
    for (const segment of path) {
      const next = this.#child(this.#resolve(node), segment);
      if (!next) break;
      best = next;
      node = next.value;
    }
    const value = best.node;
    const usable = (n: YamlNode | undefined): n is YamlNode => n?.range !== undefined && n.range !== null;
    if (at === 'key' && usable(best.key)) return best.key.range![0];
    if (usable(value)) {
      const emptyScalar = isScalar(value) && value.value === null && value.range![0] === value.range![1];
      const pointAtValue = (isScalar(value) || isAlias(value)) && !emptyScalar;
      if (pointAtValue || !usable(best.key)) return value.range![0];
    }
    if (usable(best.key)) return best.key.range![0];
    return 0;
  }

  #child(node: unknown, segment: string | number): { node: YamlNode | undefined; key: YamlNode | undefined; value: unknown } | undefined {
    if (isMap(node)) {
      const pair = this.#entries(node).get(String(segment));
      if (!pair || !isScalar(pair.key)) return undefined;
      const value = (pair.value ?? undefined) as YamlNode | undefined;
      return { node: value, key: pair.key, value };
    }
    if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as YamlNode | undefined;
      return item === undefined ? undefined : { node: item, key: undefined, value: item };
    }
    return undefined;
  }

  readonly #entryIndex = new WeakMap<YAMLMap, Map<string, Pair>>();

  /** The entries of a mapping by key text, the first of each key, indexed once per mapping. */
  #entries(map: YAMLMap): Map<string, Pair> {
    let entries = this.#entryIndex.get(map);
    if (entries === undefined) {
      entries = new Map();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const key = keyText(pair.key);
        if (!entries.has(key)) entries.set(key, pair);
      }
      this.#entryIndex.set(map, entries);
    }
    return entries;
  }

  #resolve(node: unknown): unknown {
    return isAlias(node) ? this.resolveAlias(node) : node;
  }

  #anchors: Map<Alias, YamlNode | undefined> | undefined;

  /** The node an alias stands for: the last anchor of that name before it. Undefined when there is none. */
  resolveAlias(alias: Alias): YamlNode | undefined {
    // Resolved in one pass over the document: the library's own resolve() walks the whole document per alias.
    if (this.#anchors === undefined) {
      const anchors = new Map<Alias, YamlNode | undefined>();
      const latest = new Map<string, YamlNode>();
      if (this.doc) {
        visit(this.doc, {
          Node: (_key, node) => {
            if (isAlias(node)) anchors.set(node, latest.get(node.source));
            else if (node.anchor) latest.set(node.anchor, node);
          },
        });
      }
      this.#anchors = anchors;
    }
    return this.#anchors.get(alias);
  }

  /** Maps an index in a string value back to the file, when the value's text appears in the source. */
  #offsetInString(path: DocPath, target: NonNullable<Problem['inString']>): number | undefined {
    let node: unknown = this.doc?.contents;
    for (const segment of path) {
      const next = this.#child(this.#resolve(node), segment);
      if (!next) return undefined;
      node = next.value;
    }
    if (!isScalar(node) || !node.range) return undefined;
    const raw = this.text.slice(node.range[0], node.range[1]);
    const found = raw.indexOf(target.anchor);
    if (found < 0) return undefined;
    return node.range[0] + found + (target.index - target.anchorIndex);
  }
}

/** Writes a document path the way messages show it: `steps[1].with.hostId`, `connections['my ocp']`. */
export function formatPath(path: DocPath): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `['${segment.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
  }
  return out;
}

/**
 * The index of the last item that starts at or before `offset` (items are in text order), found by
 * bisection; by a scan when an item has no position.
 */
function itemAround<T>(items: readonly T[], offset: number, startOf: (item: T) => number | undefined): number {
  let low = 0;
  let high = items.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const start = startOf(items[middle]!);
    if (start === undefined) return items.findLastIndex((item) => (startOf(item) ?? Infinity) <= offset);
    if (start <= offset) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

function keyText(key: Scalar): string {
  return key.value === null || key.value === undefined ? '' : String(key.value);
}

// ---------------------------------------------------------------------------------------------------
// YAML errors, in words

function describeYamlErrors(errors: YAMLError[], source: SourceDocument): Diagnostic[] {
  const out: Diagnostic[] = [];
  let reported = false;
  for (const error of errors) {
    const offset = error.pos[0];
    // After the first syntax error the parser is lost, and what it reports next is mostly an echo.
    // Only an unquoted expression in a flow collection on its own line is surely a separate mistake.
    const lineText = lineAt(source.text, offset);
    const hint = unquotedExpressionHint(lineText.text);
    const inFlow = hint !== undefined && /[[{]/.test(lineText.text.slice(0, hint.index));
    if (reported && !inFlow) continue;
    if (hint && (inFlow || !reported)) {
      const diagnostic = source.diagnosticAtOffset(
        'YAML_SYNTAX',
        `an unquoted \${{ }} is not valid YAML inside [ ] or { }; ${hint.message}`,
        lineText.start + hint.index,
      );
      if (!out.some((d) => d.line === diagnostic.line && d.column === diagnostic.column)) out.push(diagnostic);
    } else {
      out.push(describeSyntaxError(error, source));
    }
    reported = true;
  }
  return out;
}

function describeYamlWarnings(warnings: YAMLError[], source: SourceDocument): Diagnostic[] {
  return warnings.map((w) => {
    const message =
      w.code === 'TAG_RESOLVE_FAILED'
        ? `${w.message.replace(/^Unresolved tag: /, 'unsupported YAML tag ')}; runbooks use plain YAML values, remove the tag`
        : `YAML: ${w.message}`;
    return source.diagnosticAtOffset('YAML_SYNTAX', message, w.pos[0]);
  });
}

/** A YAML error in words, pointing where the mistake starts rather than where the parser gave up. */
function describeSyntaxError(error: YAMLError, source: SourceDocument): Diagnostic {
  const offset = error.pos[0];
  const path = source.pathAt(offset);
  const node = source.nodeAt(path);
  const start = node?.range?.[0];
  const flow = /^Flow (sequence|map)/.exec(error.message);
  if (error.code === 'BAD_INDENT' && flow) {
    const unclosed = findUnclosedFlow(source, path, flow[1] === 'sequence' ? ']' : '}');
    if (unclosed !== undefined) {
      const [open, close, what] = flow[1] === 'sequence' ? ['[', ']', 'list'] : ['{', '}', 'mapping'];
      return source.diagnosticAtOffset(
        'YAML_SYNTAX',
        `this ${open} is not closed; end the ${what} with ${close} (lines inside it must be indented more than its key)`,
        unclosed,
      );
    }
  }
  if (error.code === 'MISSING_CHAR' && /closing "quote|closing 'quote/.test(error.message) && isScalar(node) && start !== undefined) {
    const quote = source.text[start] === "'" ? "'" : '"';
    return source.diagnosticAtOffset('YAML_SYNTAX', `the string that starts here is not closed; end it with ${quote}`, start);
  }
  return source.diagnosticAtOffset('YAML_SYNTAX', yamlMessage(error), offset);
}

/** The start of the innermost flow collection along `path` whose text does not end with `close`. */
function findUnclosedFlow(source: SourceDocument, path: DocPath, close: ']' | '}'): number | undefined {
  for (let length = path.length; length >= 0; length--) {
    const node = source.nodeAt(path.slice(0, length));
    const wanted = close === ']' ? isSeq(node) : isMap(node);
    if (!wanted || !(node as { flow?: boolean }).flow || !node?.range) continue;
    if (!source.text.slice(node.range[0], node.range[1]).trimEnd().endsWith(close)) return node.range[0];
  }
  return undefined;
}

function yamlMessage(error: YAMLError): string {
  switch (error.code) {
    case 'BLOCK_AS_IMPLICIT_KEY':
      return "YAML reads this value as the key of a nested mapping: quote the value if it holds ': ', or fix the indentation of the line after it";
    case 'MULTILINE_IMPLICIT_KEY':
      return "a key must fit on one line: is a ':' missing, or is this line indented differently from the lines around it?";
    case 'BAD_SCALAR_START':
      return `YAML syntax error: ${error.message.replace(/\.$/, '')}; quote the value`;
    case 'MULTIPLE_DOCS':
      return "the file holds more than one YAML document; keep one runbook per file (remove the second '---')";
    case 'RESOURCE_EXHAUSTION':
      return `the document nests too deeply; flatten it`;
    case 'TAB_AS_INDENT':
      return 'a tab is used for indentation; indent with spaces';
    default:
      return `YAML syntax error: ${error.message.replace(/\.$/, '')}; fix the YAML here`;
  }
}

function lineAt(text: string, offset: number): { text: string; start: number } {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  const endAt = text.indexOf('\n', offset);
  return { text: text.slice(start, endAt < 0 ? text.length : endAt), start };
}

/** When a line holds an unquoted `${{`, says how to quote it, e.g. `quote the expression: hostId: "${{ item }}"`. */
export function unquotedExpressionHint(line: string): { message: string; index: number } | undefined {
  const pattern = /\$\{\{/g;
  for (let match = pattern.exec(line); match; match = pattern.exec(line)) {
    const before = line.slice(0, match.index).trimEnd();
    const previous = before[before.length - 1];
    if (previous === '"' || previous === "'" || insideQuotes(line, match.index)) continue;
    const close = line.indexOf('}}', match.index);
    const expression = line.slice(match.index, close < 0 ? line.length : close + 2).trim();
    const quoted = expression.includes('"') ? `'${expression.replace(/'/g, "''")}'` : `"${expression}"`;
    const key = /([A-Za-z0-9_-]+)\s*:\s*$/.exec(line.slice(0, match.index));
    const message = `quote the expression: ${key ? `${key[1]}: ` : ''}${quoted}`;
    return { message, index: match.index };
  }
  return undefined;
}

function insideQuotes(line: string, index: number): boolean {
  let quote: string | undefined;
  for (let i = 0; i < index; i++) {
    const c = line[i];
    if (quote === '"' && c === '\\') i++;
    else if (quote !== undefined && c === quote) quote = undefined;
    else if (quote === undefined && (c === '"' || c === "'") && /[\s[{,:]/.test(line[i - 1] ?? ' ')) quote = c;
  }
  return quote !== undefined;
}

// ---------------------------------------------------------------------------------------------------
// Structural safety

/**
 * What the text alone shows to be too much for the parser, whose memory grows with the number of entries
 * and whose recursion grows with the depth: an upper estimate of the depth (indentation levels, sequence
 * markers and open brackets outside quotes, comments and block scalars), and an estimate of the entries
 * (a line of block YAML, a sequence marker, a flow collection, a comma in one). Returns the offset where
 * a limit is passed, and which, or undefined.
 */
export function findExcessiveStructure(text: string): { offset: number; limit: 'depth' | 'entries' } | undefined {
  let entries = 0;
  const indents: number[] = [];
  let flow = 0;
  let quote: string | undefined;
  let blockScalarIndent = -1;
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const line = text.slice(lineStart, lineEnd);
    let i = 0;
    while (line[i] === ' ') i++;
    const indent = i;
    const blank = /^\s*(?:#.*)?$/.test(line);
    if (blockScalarIndent >= 0 && quote === undefined) {
      if (blank || indent > blockScalarIndent) {
        lineStart = lineEnd + 1;
        continue;
      }
      blockScalarIndent = -1;
    }
    let depth = 0;
    if (quote === undefined && flow === 0 && !blank) {
      while (indents.length > 0 && indents[indents.length - 1]! > indent) indents.pop();
      if (indents.length === 0 || indents[indents.length - 1]! < indent) indents.push(indent);
      while ((line[i] === '-' || line[i] === '?') && (line[i + 1] === ' ' || line[i + 1] === undefined)) {
        depth++;
        i++;
        while (line[i] === ' ') i++;
      }
      entries += Math.max(1, depth);
      if (entries > MAX_ENTRIES) return { offset: lineStart + indent, limit: 'entries' };
    }
    depth += indents.length;
    let tokenStart = true;
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (quote !== undefined) {
        if (quote === '"' && c === '\\') i++;
        else if (c === quote) quote = undefined;
        tokenStart = false;
        continue;
      }
      if (c === ' ' || c === '\t') {
        tokenStart = true;
        continue;
      }
      if (c === '#' && tokenStart) break;
      if ((c === '"' || c === "'") && tokenStart) quote = c;
      else if ((c === '[' || c === '{') && (tokenStart || flow > 0)) {
        flow++;
        if (depth + flow > MAX_NESTING) return { offset: lineStart + i, limit: 'depth' };
        if (++entries > MAX_ENTRIES) return { offset: lineStart + i, limit: 'entries' };
      } else if (c === ',' && flow > 0) {
        if (++entries > MAX_ENTRIES) return { offset: lineStart + i, limit: 'entries' };
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
      else if ((c === '|' || c === '>') && tokenStart && flow === 0 && /^[|>][0-9+-]*\s*(?:#.*)?$/.test(line.slice(i))) {
        blockScalarIndent = indent;
        break;
      }
      tokenStart = flow > 0 && (c === ',' || c === '[' || c === '{' || c === ':');
    }
    if (depth + flow > MAX_NESTING) return { offset: lineStart + indent, limit: 'depth' };
    lineStart = lineEnd + 1;
  }
  return undefined;
}

/** What checkNodes finds: problems that stop the document here, and key problems reported with the rest. */
interface NodeCheck {
  /** Cycles, dangling aliases, too deep or too large an expansion, complex keys: toJS must not run. */
  problems: Diagnostic[];
  /** Duplicate keys and merge keys: the data is still usable for finding the other mistakes. */
  keyProblems: Diagnostic[];
  firstAlias?: YamlNode;
}

/**
 * Checks what toJS cannot be trusted with, in one pass over the nodes, each collection once: alias cycles,
 * unresolved aliases, deep or large expansion, complex keys; and finds duplicate keys and merge keys.
 * An alias counts as many values as the value it stands for, so the count is the size of the data toJS
 * and everything after it would hold, and the alias that takes it over MAX_EXPANDED_VALUES is named.
 */
function checkNodes(doc: Document.Parsed, source: SourceDocument): NodeCheck {
  const problems: Diagnostic[] = [];
  const keyProblems: Diagnostic[] = [];
  const measured = new Map<unknown, { height: number; size: number }>();
  const open = new Set<unknown>();
  const path: DocPath = [];
  let firstAlias: YamlNode | undefined;
  let lastAlias: Alias | undefined;
  let expanded = 0;
  let tooLarge = false;
  const refused = { height: Infinity, size: 0 };
  const fail = (code: ErrorCode, message: string, node: YamlNode): typeof refused => {
    if (problems.length < 20) problems.push(source.diagnosticAtOffset(code, message, source.offsetOf(node)));
    return refused;
  };
  // Counted as the walk goes, in document order, so that the value that crosses the bound is the one named.
  const count = (values: number, node: YamlNode): boolean => {
    expanded += values;
    if (expanded <= MAX_EXPANDED_VALUES || tooLarge) return tooLarge;
    tooLarge = true;
    const at = isAlias(node) ? node : lastAlias;
    if (at) {
      fail(
        'YAML_ALIAS_LIMIT',
        `alias *${at.source} takes the document over ${MAX_EXPANDED_VALUES} values once its aliases are expanded (an alias bomb); write the values out, or use fewer aliases`,
        at,
      );
    } else {
      fail('YAML_ALIAS_LIMIT', `the document holds more than ${MAX_EXPANDED_VALUES} values; split it`, node);
    }
    return true;
  };

  const visit = (node: unknown, depth: number): { height: number; size: number } => {
    if (tooLarge) return refused;
    if (depth > MAX_NESTING)
      return fail('YAML_SYNTAX', `the document nests more than ${MAX_NESTING} levels deep; flatten it`, node as YamlNode);
    if (isAlias(node)) {
      firstAlias ??= node;
      lastAlias = node;
      const target = source.resolveAlias(node);
      if (!target)
        return fail('YAML_SYNTAX', `alias *${node.source} names no anchor defined before it; define &${node.source} first`, node);
      if (open.has(target))
        return fail(
          'YAML_ALIAS_LIMIT',
          `alias *${node.source} refers to a value that contains it (a cycle); write the value out instead`,
          node,
        );
      let expansion = measured.get(target);
      if (expansion === undefined) {
        // Not walked yet (an anchor on a key): walking it counts it once, here.
        expansion = visit(target, depth);
      } else if (count(expansion.size, node)) {
        return refused;
      }
      if (depth + expansion.height > MAX_NESTING) {
        return fail('YAML_ALIAS_LIMIT', `alias *${node.source} expands the document more than ${MAX_NESTING} levels deep`, node);
      }
      return expansion;
    }
    if (node === null || node === undefined) return { height: 0, size: 0 };
    if (count(1, node as YamlNode)) return refused;
    if (!isMap(node) && !isSeq(node)) return { height: 1, size: 1 };
    open.add(node);
    let height = 0;
    let size = 1;
    const keys = isMap(node) ? new Map<string, Scalar>() : undefined;
    node.items.forEach((item, index) => {
      if (tooLarge) return;
      let child: unknown = item;
      if (isPair(item)) {
        child = item.value;
        if (item.key !== null && !isScalar(item.key)) {
          fail('SCHEMA', 'a key must be a plain string, not a list, a mapping or an alias', item.key as YamlNode);
          return;
        }
        const key = item.key === null ? new Scalar(null) : item.key;
        const name = keyText(key);
        path.push(name);
        checkKey(key, name, keys);
        if (count(1, key)) return;
        size += 1;
      } else {
        path.push(index);
      }
      const measure = visit(child, depth + 1);
      path.pop();
      height = Math.max(height, measure.height);
      size += measure.size;
    });
    open.delete(node);
    const result = { height: height + 1, size };
    measured.set(node, result);
    return result;
  };

  const checkKey = (key: Scalar, name: string, keys: Map<string, Scalar> | undefined): void => {
    const at = () => ({ file: source.file, ...source.position(key.range?.[0] ?? 0), path: formatPath(path) });
    if (name === '<<') {
      keyProblems.push({ ...at(), code: 'SCHEMA', message: "merge key '<<': YAML merge keys are not supported, write the keys out" });
    }
    const first = keys?.get(name);
    if (first === undefined) {
      keys?.set(name, key);
      return;
    }
    const firstOffset = first.range?.[0];
    const where = firstOffset === undefined ? '' : ` (first on line ${source.position(firstOffset).line})`;
    keyProblems.push({
      ...at(),
      code: 'YAML_DUPLICATE_KEY',
      message: `key '${name}' appears twice in the same mapping${where}; remove or rename one`,
    });
  };

  visit(doc.contents, 0);
  return firstAlias === undefined ? { problems, keyProblems } : { problems, keyProblems, firstAlias };
}

/** Refuses values that plain YAML cannot hold but tags or directives could bring (Set, Date, bytes, infinity). */
function checkPlainData(value: unknown, path: DocPath, problems: Problem[]): void {
  if (problems.length >= 20) return;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      problems.push({ code: 'SCHEMA', message: `${formatPath(path) || 'the value'} must be a finite number`, path });
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkPlainData(v, [...path, i], problems));
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) checkPlainData(v, [...path, k], problems);
    return;
  }
  problems.push({
    code: 'SCHEMA',
    message: `${formatPath(path) || 'the document'} holds a value plain YAML cannot express; remove its tag`,
    path,
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
