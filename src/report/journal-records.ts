// The records of a large step, read back from the journal as they are iterated: a run of 100,000
// operations would otherwise hold every record to its end. The report builder keeps where each record's
// line is; this list reads those lines, in the step's order, when a writer iterates the step's records.

import { closeSync, openSync, readSync } from 'node:fs';
import type { OperationList, OperationRecord } from './types.js';

/** Bytes read from the journal at a time. */
const WINDOW_BYTES = 1 << 20;
/**
 * How far before the wanted line a window starts: operations finish a little out of order, so the line of
 * the next operation is often just before the last one read.
 */
const WINDOW_LEAD_BYTES = 128 * 1024;

/** Where a step's records are: by the position of the operation in the step. */
export interface RecordPlaces {
  /** The journal file. */
  file: string;
  /** The key of each operation, in the step's order. */
  keys: readonly string[];
  /** Byte offset of each operation's line; negative when its record is not in the journal. */
  offsets: Float64Array;
  /** Byte length of each line, without its newline. */
  lengths: Uint32Array;
  /** The records the journal does not hold (a line it could not take), by position. */
  kept: ReadonlyMap<number, OperationRecord>;
  /** The record of an operation that has none (the run ended before it reported its outcome). */
  absent(key: string): OperationRecord;
  /** Records whose key the step did not announce, after the others. */
  extra: readonly OperationRecord[];
}

/**
 * A large step's records, without their outputs (which a large step's report leaves to the journal). The
 * report's writer (report/write.ts) reads them one at a time; JSON.stringify gets them as one list.
 */
export class JournalRecords implements OperationList {
  readonly #places: RecordPlaces;

  constructor(places: RecordPlaces) {
    this.#places = places;
  }

  get length(): number {
    return this.#places.keys.length + this.#places.extra.length;
  }

  *[Symbol.iterator](): Iterator<OperationRecord> {
    const { keys, offsets, lengths, kept, extra } = this.#places;
    const window = new JournalWindow(this.#places.file);
    for (let i = 0; i < keys.length; i += 1) {
      const offset = offsets[i] as number;
      if (offset >= 0) yield withoutOutputs(window.line(offset, lengths[i] as number, i));
      else yield kept.get(i) ?? this.#places.absent(keys[i] as string);
    }
    yield* extra;
  }

  toJSON(): OperationRecord[] {
    return [...this];
  }
}

function withoutOutputs(line: string): OperationRecord {
  const { record } = JSON.parse(line) as { record: OperationRecord };
  const { outputs: _inJournal, ...kept } = record;
  return kept;
}

/** Reads lines of a file through a window of a megabyte: reading lines in about their order reads each megabyte once. */
class JournalWindow {
  #buffer = Buffer.alloc(0);
  #start = 0;

  constructor(readonly file: string) {}

  line(offset: number, length: number, position: number): string {
    if (offset < this.#start || offset + length > this.#start + this.#buffer.length) this.#read(offset, length, position);
    return this.#buffer.toString('utf8', offset - this.#start, offset - this.#start + length);
  }

  #read(offset: number, length: number, position: number): void {
    const start = Math.max(0, offset - WINDOW_LEAD_BYTES);
    const size = Math.max(WINDOW_BYTES, offset - start + length);
    const buffer = Buffer.allocUnsafe(size);
    const fd = openSync(this.file, 'r');
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
      throw new Error(
        `the journal ${this.file} ends before the line of operation ${position + 1}: was it changed or truncated during the run?`,
      );
    }
    this.#buffer = buffer.subarray(0, got);
    this.#start = start;
  }
}
