// Document paths: how a place in a runbook is named before it has a line and column, and how messages
// write it.

import type { ErrorCode } from '../errors.js';

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
