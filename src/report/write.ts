// Writes files so that a reader never sees half of one: a temporary file beside the target, flushed to
// disk, then renamed over it. A crash at any moment leaves either the old file or the new one. Every file
// is created new, 0600, and never through a symbolic link.

import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { JournalRecords } from './journal-records.js';

/** Text is encoded and written this many characters at a time. */
const CHUNK_CHARS = 1 << 20;

/** Creates a new file for writing only, 0600: fails if anything, a symbolic link included, is at `path`. */
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Creates a new, empty file at `file`, 0600, replacing whatever was there (a symbolic link is replaced, never
 * followed; a file linked elsewhere is left intact), and returns it open for writing.
 */
export function createReplacing(file: string): number {
  const tmp = temporaryPathFor(file);
  const fd = openSync(tmp, CREATE_NEW, 0o600);
  try {
    renameSync(tmp, file);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  return fd;
}

/** A name beside `file` that nothing else uses. */
function temporaryPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** True for a device or a pipe (`/dev/stdout`, a FIFO): written in place, since it cannot be replaced. */
export function isStream(file: string): boolean {
  try {
    const stat = statSync(file);
    return stat.isCharacterDevice() || stat.isFIFO();
  } catch {
    return false;
  }
}

/**
 * Atomically replaces `file` with `content`; its folder must exist. The text is written a
 * megabyte at a time, so that a report of 100,000 operations is never held twice, as text and as bytes.
 */
export async function writeFileAtomic(file: string, content: string): Promise<void> {
  await writeAtomic(file, (write) => write(content));
}

/**
 * Atomically replaces `file` with what `produce` writes, a megabyte at a time: the whole text is never held
 * in memory. Written synchronously (a file at the end of a command; nothing else is waiting).
 */
export async function writeAtomic(file: string, produce: (write: (text: string) => void) => void): Promise<void> {
  if (isStream(file)) {
    writeInPlace(file, produce);
    return;
  }
  const tmp = temporaryPathFor(file);
  const fd = openSync(tmp, CREATE_NEW, 0o600);
  try {
    const pending: string[] = [];
    let pendingChars = 0;
    const flush = (): void => {
      if (pendingChars === 0) return;
      writeText(fd, pending.length === 1 ? (pending[0] as string) : pending.join(''));
      pending.length = 0;
      pendingChars = 0;
    };
    produce((text) => {
      pending.push(text);
      pendingChars += text.length;
      if (pendingChars >= CHUNK_CHARS) flush();
    });
    flush();
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncFolder(dirname(file));
}

/** Flushes a folder's entries to disk, so that a rename in it survives a power cut. */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, constants.O_RDONLY | constants.O_DIRECTORY);
    fsyncSync(fd);
  } catch {
    // Some file systems cannot sync a folder; the file itself is already on disk.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes into a device or a pipe, which has no folder to hold a temporary file beside it. */
function writeInPlace(file: string, produce: (write: (text: string) => void) => void): void {
  const fd = openSync(file, constants.O_WRONLY);
  try {
    // What was opened, not what the path named a moment before: a file put there meanwhile is not written.
    const opened = fstatSync(fd);
    if (!opened.isCharacterDevice() && !opened.isFIFO())
      throw Object.assign(new Error(`${file} is no longer a device or a pipe`), { code: 'EEXIST' });
    produce((text) => writeText(fd, text));
  } finally {
    closeSync(fd);
  }
}

/** Atomically replaces `file` with `toJson(value)` (each piece through `text`), never holding the whole text. */
export async function writeJsonAtomic(file: string, value: unknown, text?: JsonText): Promise<void> {
  await writeAtomic(file, (write) => writeJson(value, write, text));
}

/** Writes `text` at the file's current position, a megabyte at a time (never one buffer of the whole). */
function writeText(fd: number, text: string): void {
  for (let at = 0; at < text.length; ) {
    const end = chunkEnd(text, at);
    const bytes = Buffer.from(end - at === text.length ? text : text.slice(at, end), 'utf8');
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    at = end;
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

/** How `writeJson` turns what it writes into text: each value below the indented levels, and each key above them. */
export interface JsonText {
  /** The JSON text of a value (undefined where JSON.stringify leaves it out). Default JSON.stringify. */
  value(value: unknown): string | undefined;
  /** The JSON text of a key, quotes included. Default JSON.stringify. */
  key(name: string): string;
}

const PLAIN_JSON: JsonText = {
  value: (value) => JSON.stringify(value) as string | undefined,
  key: (name) => JSON.stringify(name),
};

/**
 * Serialises a value as JSON with a trailing newline: the first levels indented, each value below them on
 * one line. In a report or a plan that is one line per operation: easy to read and to grep, and much
 * smaller than indenting everything.
 */
export function toJson(value: unknown): string {
  // One list of pieces joined once: nested joins would hold the operations' text three times over.
  const parts: string[] = [];
  writeJson(value, (piece) => parts.push(piece));
  return parts.join('');
}

/** Writes the text of `toJson(value)` piece by piece to `write` (with `text`, e.g. redacting each piece). */
export function writeJson(value: unknown, write: (piece: string) => void, text: JsonText = PLAIN_JSON): void {
  const json = toJsonValue(value, '');
  if (isLeaf(json, 0)) write(text.value(json) ?? 'null');
  else renderComposite(json as object, 0, '', write, text);
  write('\n');
}

/** Written on one line: anything below the indented levels, and every value that is not an object or a list. */
function isLeaf(json: unknown, depth: number): boolean {
  return depth >= INDENTED_LEVELS || json === null || typeof json !== 'object' || isBoxed(json);
}

/** Writes an object or a list of an indented level, its members one per line. */
function renderComposite(json: object, depth: number, indent: string, write: (piece: string) => void, text: JsonText): void {
  const inner = `${indent}  `;
  let written = 0;
  const separator = (): string => (written === 0 ? `\n${inner}` : `,\n${inner}`);
  const member = (item: unknown, key: string, prefix: string, whenLeftOut: string | undefined): void => {
    const json = toJsonValue(item, key);
    if (!isLeaf(json, depth + 1)) {
      write(`${separator()}${prefix}`);
      renderComposite(json as object, depth + 1, inner, write, text);
      written += 1;
      return;
    }
    // What JSON.stringify leaves out (undefined, a function) is null in a list and absent from an object.
    const value = text.value(json) ?? whenLeftOut;
    if (value === undefined) return;
    write(`${separator()}${prefix}${value}`);
    written += 1;
  };
  if (Array.isArray(json) || json instanceof JournalRecords) {
    write('[');
    let i = 0;
    for (const item of json as Iterable<unknown>) member(item, String(i++), '', 'null'); // holes too, as JSON.stringify does
    write(written === 0 ? ']' : `\n${indent}]`);
    return;
  }
  write('{');
  for (const [name, item] of Object.entries(json)) member(item, name, `${text.key(name)}: `, undefined);
  write(written === 0 ? '}' : `\n${indent}}`);
}

/** What JSON.stringify serialises in place of `value`: the result of its toJSON, when it has one. */
function toJsonValue(value: unknown, key: string): unknown {
  // A large step's records are written one at a time, never made into one list first (as its toJSON does).
  if (value instanceof JournalRecords) return value;
  const toJSON = value !== null && typeof value === 'object' ? (value as { toJSON?: unknown }).toJSON : undefined;
  return typeof toJSON === 'function' ? (toJSON as (key: string) => unknown).call(value, key) : value;
}

function isBoxed(value: object): boolean {
  return value instanceof Number || value instanceof String || value instanceof Boolean;
}
