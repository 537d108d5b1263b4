// How large and how deep a YAML document may be, and the check of the text alone that refuses one too
// large or too deep for the parser before it parses.

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
