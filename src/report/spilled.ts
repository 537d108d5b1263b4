// The records of a large step, left in the journal: a run of 100,000 operations would otherwise hold every
// record to its end, and those records (with the garbage collector's headroom over them) would be most of
// the run's memory. The report reads them back from the journal, in the step's order, when it is written.

import { closeSync, openSync, readSync } from 'node:fs';
import type { OperationRecord } from './types.js';

/** Bytes read from the journal at a time. */
const WINDOW_BYTES = 1 << 20;
/**
 * How far before the wanted line a window starts: operations finish a little out of order, so the line of
 * the next operation is often just before the last one read.
 */
const WINDOW_LEAD_BYTES = 128 * 1024;

/** Where each operation's journal line is, by the operation's position in its step. */
export interface SpilledLines {
  file: string;
  /** Byte offset of each line. */
  offsets: Float64Array;
  /** Byte length of each line, without its newline. */
  lengths: Uint32Array;
  /** The records whose line the journal could not take (a full disk), by position: they are kept here. */
  unwritten?: ReadonlyMap<number, OperationRecord>;
}

/**
 * A read-only array of a step's records, each read back from its journal line when it is accessed (without
 * the outputs, which a large step's report leaves to the journal). It behaves as an array for every reader
 * (length, indexing, iteration, array methods, JSON.stringify) and holds nothing per operation but the
 * place of its line. Reading in order costs one read of the file per megabyte.
 */
export function spilledOperations(lines: SpilledLines): OperationRecord[] {
  const count = lines.offsets.length;
  const target: OperationRecord[] = [];
  target.length = count; // holes: no memory per operation
  let window = Buffer.alloc(0);
  let windowStart = 0;

  const read = (i: number): OperationRecord => {
    const unwritten = lines.unwritten?.get(i);
    if (unwritten) return unwritten;
    const offset = lines.offsets[i] as number;
    const length = lines.lengths[i] as number;
    if (offset < windowStart || offset + length > windowStart + window.length) {
      const start = Math.max(0, offset - WINDOW_LEAD_BYTES);
      const size = Math.max(WINDOW_BYTES, offset - start + length);
      const buffer = Buffer.allocUnsafe(size);
      const fd = openSync(lines.file, 'r');
      let got = 0;
      try {
        while (got < size) {
          const n = readSync(fd, buffer, got, size - got, start + got);
          if (n === 0) break;
          got += n;
        }
      } finally {
        closeSync(fd);
      }
      if (start + got < offset + length) {
        throw new Error(`the journal ${lines.file} ends before the line of operation ${i + 1}: was it changed or truncated during the run?`);
      }
      window = buffer.subarray(0, got);
      windowStart = start;
    }
    const line = window.toString('utf8', offset - windowStart, offset - windowStart + length);
    const { record } = JSON.parse(line) as { record: OperationRecord };
    const { outputs: _inJournal, ...kept } = record;
    return kept;
  };

  const indexOf = (prop: string | symbol): number | undefined => {
    if (typeof prop !== 'string' || prop === '' || prop.length > 15) return undefined;
    const i = Number(prop);
    return Number.isInteger(i) && i >= 0 && i < count && String(i) === prop ? i : undefined;
  };

  return new Proxy(target, {
    get(t, prop, receiver) {
      const i = indexOf(prop);
      return i === undefined ? Reflect.get(t, prop, receiver) : read(i);
    },
    has(t, prop) {
      return indexOf(prop) !== undefined || Reflect.has(t, prop);
    },
    ownKeys(t) {
      return [...Array.from({ length: count }, (_, i) => String(i)), ...Reflect.ownKeys(t)];
    },
    getOwnPropertyDescriptor(t, prop) {
      const i = indexOf(prop);
      return i === undefined ? Reflect.getOwnPropertyDescriptor(t, prop) : { value: read(i), writable: false, enumerable: true, configurable: true };
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}
