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

/** Serialises a value as pretty JSON with a trailing newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
