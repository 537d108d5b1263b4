// YAML errors, in words: what the parser reports, pointed at where the mistake starts, with what to do.

import { isMap, isScalar, isSeq, type YAMLError } from 'yaml';
import type { Diagnostic } from '../errors.js';
import type { DocPath } from './doc-path.js';
import type { SourceDocument } from './source-document.js';

export function describeYamlErrors(errors: YAMLError[], source: SourceDocument): Diagnostic[] {
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

export function describeYamlWarnings(warnings: YAMLError[], source: SourceDocument): Diagnostic[] {
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
