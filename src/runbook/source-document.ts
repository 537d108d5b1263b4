// A parsed YAML file and its positions: the line and column of a document path or of a place in a string
// value, the path at a character offset, and aliases resolved to their anchors.

import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  visit,
  type Alias,
  type Document,
  type LineCounter,
  type Node as YamlNode,
  type Pair,
  type Scalar,
  type YAMLMap,
} from 'yaml';
import type { Diagnostic, ErrorCode } from '../errors.js';
import { formatPath, type DocPath, type Problem } from './doc-path.js';
import { MAX_NESTING } from './yaml-limits.js';

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

export function keyText(key: Scalar): string {
  return key.value === null || key.value === undefined ? '' : String(key.value);
}
