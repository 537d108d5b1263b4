// The checks of a parsed YAML document that must pass before it becomes plain data (alias cycles and
// bombs, dangling aliases, deep nesting, complex keys), the key problems found on the way (duplicate and
// merge keys), and the check of the plain data for values plain YAML cannot hold.

import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  Scalar,
  type Alias,
  type Document,
  type Node as YamlNode,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import type { Diagnostic, ErrorCode } from '../errors.js';
import { formatPath, type DocPath, type Problem } from './doc-path.js';
import { keyText, type SourceDocument } from './source-document.js';
import { MAX_EXPANDED_VALUES, MAX_NESTING } from './yaml-limits.js';

/** What checkNodes finds: problems that stop the document here, and key problems reported with the rest. */
export interface NodeCheck {
  /** Cycles, dangling aliases, too deep or too large an expansion, complex keys: toJS must not run. */
  problems: Diagnostic[];
  /** Duplicate keys and merge keys: the data is still usable for finding the other mistakes. */
  keyProblems: Diagnostic[];
  firstAlias?: YamlNode;
}

/** The height (nesting levels) and the size (values, aliases expanded) of a node. */
interface Measure {
  height: number;
  size: number;
}

/**
 * Checks what toJS cannot be trusted with, in one pass over the nodes, each collection once: alias cycles,
 * unresolved aliases, deep or large expansion, complex keys; and finds duplicate keys and merge keys.
 * An alias counts as many values as the value it stands for, so the count is the size of the data toJS
 * and everything after it would hold, and the alias that takes it over MAX_EXPANDED_VALUES is named.
 */
export function checkNodes(doc: Document.Parsed, source: SourceDocument): NodeCheck {
  const walker = new NodeWalker(source);
  walker.visit(doc.contents, 0);
  const { problems, keyProblems, firstAlias } = walker;
  return firstAlias === undefined ? { problems, keyProblems } : { problems, keyProblems, firstAlias };
}

/** The walk of checkNodes: each collection is measured once, and an alias counts as what it stands for. */
class NodeWalker {
  readonly problems: Diagnostic[] = [];
  readonly keyProblems: Diagnostic[] = [];
  firstAlias: YamlNode | undefined;
  readonly #measured = new Map<unknown, Measure>();
  /** The collections being walked: an alias to one of them is a cycle. */
  readonly #open = new Set<unknown>();
  readonly #path: DocPath = [];
  #lastAlias: Alias | undefined;
  #expanded = 0;
  #tooLarge = false;
  readonly #refused: Measure = { height: Infinity, size: 0 };

  constructor(readonly source: SourceDocument) {}

  #fail(code: ErrorCode, message: string, node: YamlNode): Measure {
    if (this.problems.length < 20) this.problems.push(this.source.diagnosticAtOffset(code, message, this.source.offsetOf(node)));
    return this.#refused;
  }

  // Counted as the walk goes, in document order, so that the value that crosses the bound is the one named.
  #count(values: number, node: YamlNode): boolean {
    this.#expanded += values;
    if (this.#expanded <= MAX_EXPANDED_VALUES || this.#tooLarge) return this.#tooLarge;
    this.#tooLarge = true;
    const at = isAlias(node) ? node : this.#lastAlias;
    if (at) {
      this.#fail(
        'YAML_ALIAS_LIMIT',
        `alias *${at.source} takes the document over ${MAX_EXPANDED_VALUES} values once its aliases are expanded (an alias bomb); write the values out, or use fewer aliases`,
        at,
      );
    } else {
      this.#fail('YAML_ALIAS_LIMIT', `the document holds more than ${MAX_EXPANDED_VALUES} values; split it`, node);
    }
    return true;
  }

  visit(node: unknown, depth: number): Measure {
    if (this.#tooLarge) return this.#refused;
    if (depth > MAX_NESTING)
      return this.#fail('YAML_SYNTAX', `the document nests more than ${MAX_NESTING} levels deep; flatten it`, node as YamlNode);
    if (isAlias(node)) return this.#visitAlias(node, depth);
    if (node === null || node === undefined) return { height: 0, size: 0 };
    if (this.#count(1, node as YamlNode)) return this.#refused;
    if (!isMap(node) && !isSeq(node)) return { height: 1, size: 1 };
    return this.#visitCollection(node, depth);
  }

  #visitAlias(node: Alias, depth: number): Measure {
    this.firstAlias ??= node;
    this.#lastAlias = node;
    const target = this.source.resolveAlias(node);
    if (!target)
      return this.#fail('YAML_SYNTAX', `alias *${node.source} names no anchor defined before it; define &${node.source} first`, node);
    if (this.#open.has(target))
      return this.#fail(
        'YAML_ALIAS_LIMIT',
        `alias *${node.source} refers to a value that contains it (a cycle); write the value out instead`,
        node,
      );
    let expansion = this.#measured.get(target);
    if (expansion === undefined) {
      // Not walked yet (an anchor on a key): walking it counts it once, here.
      expansion = this.visit(target, depth);
    } else if (this.#count(expansion.size, node)) {
      return this.#refused;
    }
    if (depth + expansion.height > MAX_NESTING) {
      return this.#fail('YAML_ALIAS_LIMIT', `alias *${node.source} expands the document more than ${MAX_NESTING} levels deep`, node);
    }
    return expansion;
  }

  #visitCollection(node: YAMLMap | YAMLSeq, depth: number): Measure {
    this.#open.add(node);
    let height = 0;
    let size = 1;
    const keys = isMap(node) ? new Map<string, Scalar>() : undefined;
    node.items.forEach((item, index) => {
      if (this.#tooLarge) return;
      let child: unknown = item;
      if (isPair(item)) {
        child = item.value;
        if (item.key !== null && !isScalar(item.key)) {
          this.#fail('SCHEMA', 'a key must be a plain string, not a list, a mapping or an alias', item.key as YamlNode);
          return;
        }
        const key = item.key === null ? new Scalar(null) : item.key;
        const name = keyText(key);
        this.#path.push(name);
        this.#checkKey(key, name, keys);
        if (this.#count(1, key)) return;
        size += 1;
      } else {
        this.#path.push(index);
      }
      const measure = this.visit(child, depth + 1);
      this.#path.pop();
      height = Math.max(height, measure.height);
      size += measure.size;
    });
    this.#open.delete(node);
    const result = { height: height + 1, size };
    this.#measured.set(node, result);
    return result;
  }

  #checkKey(key: Scalar, name: string, keys: Map<string, Scalar> | undefined): void {
    const source = this.source;
    const at = () => ({ file: source.file, ...source.position(key.range?.[0] ?? 0), path: formatPath(this.#path) });
    if (name === '<<') {
      this.keyProblems.push({ ...at(), code: 'SCHEMA', message: "merge key '<<': YAML merge keys are not supported, write the keys out" });
    }
    const first = keys?.get(name);
    if (first === undefined) {
      keys?.set(name, key);
      return;
    }
    const firstOffset = first.range?.[0];
    const where = firstOffset === undefined ? '' : ` (first on line ${source.position(firstOffset).line})`;
    this.keyProblems.push({
      ...at(),
      code: 'YAML_DUPLICATE_KEY',
      message: `key '${name}' appears twice in the same mapping${where}; remove or rename one`,
    });
  }
}

/** Refuses values that plain YAML cannot hold but tags or directives could bring (Set, Date, bytes, infinity). */
export function checkPlainData(value: unknown, path: DocPath, problems: Problem[]): void {
  if (problems.length >= 20) return;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      problems.push({ code: 'SCHEMA', message: `${formatPath(path) || 'the value'} must be a finite number`, path });
    return;
  }
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) checkPlainData(v, [...path, i], problems);
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
