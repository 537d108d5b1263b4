// Writes files so that a reader never sees half of one: a temporary file beside the target, flushed to
// disk, then renamed over it. A crash at any moment leaves either the old file or the new one.

import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';

/** Text is encoded and written this many characters at a time. */
const CHUNK_CHARS = 1 << 20;

/**
 * Atomically replaces `file` with `content`, creating its folder if needed. The text is written a
 * megabyte at a time, so that a report of 100,000 operations is never held twice, as text and as bytes.
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w', 0o600);
  try {
    for (let at = 0; at < content.length; ) {
      const end = chunkEnd(content, at);
      await handle.writeFile(content.slice(at, end), 'utf8'); // from the current position, to the last byte
      at = end;
    }
    await handle.sync();
  } catch (e) {
    await handle.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Where the chunk from `at` ends: never between the two halves of a surrogate pair (each would become U+FFFD). */
function chunkEnd(content: string, at: number): number {
  const end = Math.min(at + CHUNK_CHARS, content.length);
  const last = content.charCodeAt(end - 1);
  return end < content.length && last >= 0xd800 && last <= 0xdbff ? end - 1 : end;
}

/** Levels indented by `toJson`; anything deeper is written on one line. */
const INDENTED_LEVELS = 4;

/**
 * Serialises a value as JSON with a trailing newline: the first levels indented, each value below them on
 * one line. In a report or a plan that is one line per operation: easy to read and to grep, and a
 * third of the size of indenting everything (which, for 100,000 operations, is tens of megabytes).
 */
export function toJson(value: unknown): string {
  // One list of pieces joined once: nested joins would hold the operations' text three times over.
  const parts: string[] = [];
  if (!render(value, '', 0, '', parts)) parts.push('null');
  parts.push('\n');
  return parts.join('');
}

/**
 * Appends the JSON of `value` to `parts`, indenting the first INDENTED_LEVELS levels; false (and nothing
 * appended) where JSON.stringify leaves the value out.
 */
function render(value: unknown, key: string, depth: number, indent: string, parts: string[]): boolean {
  const json = toJsonValue(value, key);
  if (depth >= INDENTED_LEVELS || json === null || typeof json !== 'object' || isBoxed(json)) {
    const text = JSON.stringify(json) as string | undefined;
    if (text === undefined) return false;
    parts.push(text);
    return true;
  }
  const inner = `${indent}  `;
  let written = 0;
  const separator = (): string => (written === 0 ? `\n${inner}` : `,\n${inner}`);
  if (Array.isArray(json)) {
    parts.push('[');
    for (let i = 0; i < json.length; i += 1) {
      parts.push(separator());
      if (!render(json[i], String(i), depth + 1, inner, parts)) parts.push('null'); // holes too, as JSON.stringify does
      written += 1;
    }
    parts.push(written === 0 ? ']' : `\n${indent}]`);
    return true;
  }
  parts.push('{');
  for (const [name, item] of Object.entries(json)) {
    const mark = parts.length;
    parts.push(separator(), `${JSON.stringify(name)}: `);
    if (render(item, name, depth + 1, inner, parts)) written += 1;
    else parts.length = mark; // left out, as JSON.stringify does
  }
  parts.push(written === 0 ? '}' : `\n${indent}}`);
  return true;
}

/** What JSON.stringify serialises in place of `value`: the result of its toJSON, when it has one. */
function toJsonValue(value: unknown, key: string): unknown {
  const toJSON = value !== null && typeof value === 'object' ? (value as { toJSON?: unknown }).toJSON : undefined;
  return typeof toJSON === 'function' ? (toJSON as (key: string) => unknown).call(value, key) : value;
}

function isBoxed(value: object): boolean {
  return value instanceof Number || value instanceof String || value instanceof Boolean;
}
