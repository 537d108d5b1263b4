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
/** How many alias expansions a document may make (the yaml library's guard against alias bombs). */
export const MAX_ALIAS_COUNT = 100;


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
  const deep = findExcessiveNesting(text);
  if (deep !== undefined) {
    // Refused before parsing: the parser recurses once per level and a deep enough document exhausts the stack.
    const source = new SourceDocument(text, file, undefined, lineCounter);
    lineCounter.addNewLine(0);
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineCounter.addNewLine(i + 1);
    return {
      source,
      diagnostics: [
        source.diagnosticAtOffset(
          'YAML_SYNTAX',
          `the document nests more than ${MAX_NESTING} levels deep; flatten it`,
          deep,
        ),
      ],
    };
  }
  const doc = parseDocument(text, {
    lineCounter,
    uniqueKeys: true,
    prettyErrors: false,
    // 'error', not 'silent': below it the library stops reporting a second document.
    logLevel: 'error',
    resolveKnownTags: false,
    keepSourceTokens: false,
  });
  const source = new SourceDocument(text, file, doc, lineCounter);
  const diagnostics = [...describeYamlErrors(doc.errors, source), ...describeYamlWarnings(doc.warnings, source)];
  const fatal = doc.errors.some((e) => e.code !== 'DUPLICATE_KEY');
  if (fatal) return { source, diagnostics };

  const structural = checkNodes(doc, source);
  if (structural.problems.length > 0) return { source, diagnostics: [...diagnostics, ...structural.problems] };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const at = structural.firstAlias ? source.offsetOf(structural.firstAlias) : 0;
    const bomb = error instanceof ReferenceError && /alias/i.test(error.message);
    return {
      source,
      diagnostics: [
        ...diagnostics,
        bomb
          ? source.diagnosticAtOffset(
              'YAML_ALIAS_LIMIT',
              `the document expands YAML aliases more than ${MAX_ALIAS_COUNT} times (an alias bomb); write the values out instead`,
              at,
            )
          : source.diagnosticAtOffset('YAML_SYNTAX', `the YAML cannot be read: ${messageOf(error)}`, at),
      ],
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
    return this.#descend(offset).path;
  }

  /** The entry whose key starts at `offset`: its path, its key text, and the line of an earlier entry with the same key. */
  keyAt(offset: number): { path: DocPath; key: string; firstLine?: number } | undefined {
    const { path, containers } = this.#descend(offset);
    const parent = containers[containers.length - 1];
    if (!isMap(parent)) return undefined;
    const index = parent.items.findIndex((p) => isScalar(p.key) && p.key.range?.[0] === offset);
    const pair = parent.items[index];
    if (!pair || !isScalar(pair.key)) return undefined;
    const key = keyText(pair.key);
    const earlier = parent.items.slice(0, index).find((p) => isScalar(p.key) && keyText(p.key) === key);
    const firstOffset = earlier && isScalar(earlier.key) ? earlier.key.range?.[0] : undefined;
    return { path, key, ...(firstOffset === undefined ? {} : { firstLine: this.position(firstOffset).line }) };
  }

  /** Walks down to `offset` by the text ranges of the nodes (so that a duplicate key is told from the first). */
  #descend(offset: number): { path: DocPath; containers: unknown[] } {
    const path: DocPath = [];
    const containers: unknown[] = [];
    let node: unknown = this.doc?.contents ?? undefined;
    const holds = (start: number | undefined, end: number | undefined): boolean =>
      start !== undefined && end !== undefined && offset >= start && offset <= end;
    for (let depth = 0; depth <= MAX_NESTING * 2; depth++) {
      let next: { segment: string | number; node: unknown } | undefined;
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = pair.key as YamlNode | null;
          const value = pair.value as YamlNode | null;
          if (isScalar(key) && holds(key.range?.[0], value?.range?.[2] ?? key.range?.[2])) {
            next = { segment: keyText(key), node: value };
            break;
          }
        }
      } else if (isSeq(node)) {
        node.items.forEach((item, index) => {
          const range = (item as YamlNode | null)?.range;
          if (next === undefined && holds(range?.[0], range?.[2])) next = { segment: index, node: item };
        });
      }
      if (next === undefined) break;
      containers.push(node);
      path.push(next.segment);
      node = next.node;
    }
    return { path, containers };
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
      for (const pair of node.items) {
        if (isScalar(pair.key) && keyText(pair.key) === String(segment)) {
          const value = (pair.value ?? undefined) as YamlNode | undefined;
          return { node: value, key: pair.key, value };
        }
      }
      return undefined;
    }
    if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as YamlNode | undefined;
      return item === undefined ? undefined : { node: item, key: undefined, value: item };
    }
    return undefined;
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
    if (error.code === 'DUPLICATE_KEY') {
      out.push(describeDuplicateKey(error, source));
      continue;
    }
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

function describeDuplicateKey(error: YAMLError, source: SourceDocument): Diagnostic {
  const offset = error.pos[0];
  const found = source.keyAt(offset);
  const key = found?.key ?? source.text.slice(offset, source.text.indexOf(':', offset)).trim();
  const where = found?.firstLine === undefined ? '' : ` (first on line ${found.firstLine})`;
  const diagnostic = source.diagnosticAtOffset(
    'YAML_DUPLICATE_KEY',
    `key '${key}' appears twice in the same mapping${where}; remove or rename one`,
    offset,
  );
  return found ? { ...diagnostic, path: formatPath(found.path) } : diagnostic;
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
 * An upper estimate of how deep the YAML nests, from the text alone (indentation levels, sequence
 * markers and open brackets outside quotes, comments and block scalars). Returns the offset where the
 * limit is passed, or undefined.
 */
export function findExcessiveNesting(text: string): number | undefined {
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
        if (depth + flow > MAX_NESTING) return lineStart + i;
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
      else if ((c === '|' || c === '>') && tokenStart && flow === 0 && /^[|>][0-9+-]*\s*(?:#.*)?$/.test(line.slice(i))) {
        blockScalarIndent = indent;
        break;
      }
      tokenStart = flow > 0 && (c === ',' || c === '[' || c === '{' || c === ':');
    }
    if (depth + flow > MAX_NESTING) return lineStart + indent;
    lineStart = lineEnd + 1;
  }
  return undefined;
}

/** Checks what toJS cannot be trusted with: alias cycles, unresolved aliases, deep expansion, complex keys. */
function checkNodes(doc: Document.Parsed, source: SourceDocument): { problems: Diagnostic[]; firstAlias?: YamlNode } {
  const problems: Diagnostic[] = [];
  const heights = new Map<unknown, number>();
  const open = new Set<unknown>();
  let firstAlias: YamlNode | undefined;
  const fail = (code: ErrorCode, message: string, node: YamlNode): number => {
    if (problems.length < 20) problems.push(source.diagnosticAtOffset(code, message, source.offsetOf(node)));
    return Infinity;
  };

  const visit = (node: unknown, depth: number): number => {
    if (depth > MAX_NESTING) return fail('YAML_SYNTAX', `the document nests more than ${MAX_NESTING} levels deep; flatten it`, node as YamlNode);
    if (isAlias(node)) {
      firstAlias ??= node;
      const target = source.resolveAlias(node);
      if (!target) return fail('YAML_SYNTAX', `alias *${node.source} names no anchor defined before it; define &${node.source} first`, node);
      if (open.has(target)) return fail('YAML_ALIAS_LIMIT', `alias *${node.source} refers to a value that contains it (a cycle); write the value out instead`, node);
      const height = heights.get(target) ?? visit(target, depth);
      if (depth + height > MAX_NESTING) {
        return fail('YAML_ALIAS_LIMIT', `alias *${node.source} expands the document more than ${MAX_NESTING} levels deep`, node);
      }
      return height;
    }
    if (isMap(node) || isSeq(node)) {
      open.add(node);
      let height = 0;
      for (const item of node.items) {
        if (isPair(item)) {
          if (item.key !== null && !isScalar(item.key)) {
            fail('SCHEMA', 'a key must be a plain string, not a list, a mapping or an alias', item.key as YamlNode);
          }
          height = Math.max(height, visit(item.value, depth + 1));
        } else {
          height = Math.max(height, visit(item, depth + 1));
        }
      }
      open.delete(node);
      heights.set(node, height + 1);
      return height + 1;
    }
    return 1;
  };
  visit(doc.contents, 0);
  return firstAlias === undefined ? { problems } : { problems, firstAlias };
}

/** Refuses values that plain YAML cannot hold but tags or directives could bring (Set, Date, bytes, infinity). */
function checkPlainData(value: unknown, path: DocPath, problems: Problem[]): void {
  if (problems.length >= 20) return;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) problems.push({ code: 'SCHEMA', message: `${formatPath(path) || 'the value'} must be a finite number`, path });
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
  problems.push({ code: 'SCHEMA', message: `${formatPath(path) || 'the document'} holds a value plain YAML cannot express; remove its tag`, path });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
