// YAML text -> a parsed document with source positions. Refuses what is unsafe (alias bombs, cycles,
// deep nesting) before converting to plain data, and finds the line and column of any document path.
// The parts: yaml-limits.ts (what is too large or too deep), check-nodes.ts (the checks of the parsed
// nodes), yaml-errors.ts (YAML errors in words), source-document.ts (positions), doc-path.ts (paths).

import { LineCounter, parseDocument } from 'yaml';
import type { Diagnostic } from '../errors.js';
import type { Problem } from './doc-path.js';
import { SourceDocument } from './source-document.js';
import { findExcessiveStructure, MAX_ENTRIES, MAX_NESTING } from './yaml-limits.js';
import { describeYamlErrors, describeYamlWarnings } from './yaml-errors.js';
import { checkNodes, checkPlainData } from './check-nodes.js';

export { formatPath, type DocPath, type Problem } from './doc-path.js';
export { SourceDocument } from './source-document.js';
export { findExcessiveStructure, MAX_ENTRIES, MAX_EXPANDED_VALUES, MAX_NESTING } from './yaml-limits.js';
export { unquotedExpressionHint } from './yaml-errors.js';

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

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
