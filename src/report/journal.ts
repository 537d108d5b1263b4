// The journal: one JSON line per event of a run, written and flushed as it happens. It is the record
// of the run; the report, --resume, --junit and --summary-md are all derived from it, and after a crash
// `runbook report JOURNAL` rebuilds the report from whatever lines reached the disk.

import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { RunbookError } from '../errors.js';
import { journalEventProblem } from './journal-check.js';
import { createReplacing } from './write.js';
import type { Redactor } from '../secrets/redactor.js';
import { JOURNAL_VERSION, type JournalEvent, type LinePlace } from './events.js';

export { JOURNAL_VERSION, type JournalEvent, type LinePlace, type StepOutline } from './events.js';

/** Where journal events go while a run is in progress. */
export interface JournalSink {
  /** Writes one event as a line; returns where the line is, or undefined when it could not be written. */
  write(event: JournalEvent): LinePlace | undefined;
  close(): void;
  /** The journal's path on disk. */
  readonly file?: string;
  /** Why the journal could not be written (a full disk): from then on it is left as it is. */
  readonly failure?: Error;
}

/** The journal path of a report: `<report>.journal.jsonl`. */
export function journalPathFor(reportFile: string): string {
  return `${reportFile}.journal.jsonl`;
}

/**
 * Opens a journal file: a new file, 0600, that replaces any previous one at that path (a symbolic link
 * there is replaced, never followed). Each event is written with one synchronous write, so a line is on
 * its way to the disk before the next operation is accounted for, and a kill -9 loses at most the line
 * being written. A write that fails (a full disk) does not throw: the journal keeps what it has, writes
 * nothing more, and tells `onFailure`, so that the run can stop starting operations it could not record.
 */
export function openJournal(file: string, redactor: Redactor, onFailure?: (error: Error) => void): JournalSink {
  const fd = createReplacing(file);
  let open = true;
  let position = 0;
  let failure: Error | undefined;
  return {
    file,
    get failure() {
      return failure;
    },
    write(event) {
      if (!open || failure) return undefined;
      const bytes = Buffer.from(`${journalLine(event, redactor)}\n`, 'utf8');
      try {
        for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
      } catch (e) {
        failure = e as Error;
        onFailure?.(failure);
        return undefined;
      }
      const place = { offset: position, length: bytes.length - 1 };
      position += bytes.length;
      return place;
    },
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
    },
  };
}

/** One event as a journal line, redacted (see `Redactor.stringify`). */
export function journalLine(event: JournalEvent, redactor: Redactor): string {
  return redactor.stringify(event) as string;
}

/** Reads a journal whole: its events, in order (see `foldJournal`). */
export async function readJournal(file: string): Promise<JournalEvent[]> {
  const events: JournalEvent[] = [];
  foldJournal(file, (event) => events.push(event));
  return events;
}

/** Bytes read from a journal at a time. */
const READ_BYTES = 1 << 20;

/**
 * Reads a journal a megabyte at a time and gives each event, with where its line is, to `onEvent`,
 * tolerating a last line cut short by a crash. Every other line must be an event with the fields the
 * report is built from: the first one that is not is named by its line number.
 */
export function foldJournal(file: string, onEvent: (event: JournalEvent, place: LinePlace) => void): void {
  const reader = new JournalLines(file, onEvent);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const chunk = Buffer.allocUnsafe(READ_BYTES);
    for (let n = readSync(fd, chunk); n > 0; n = readSync(fd, chunk)) reader.push(chunk.subarray(0, n));
  } catch (e) {
    if (e instanceof RunbookError) throw e;
    throw new RunbookError(
      'FILE_NOT_FOUND',
      `cannot read the journal ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  reader.end();
}

/** Splits a journal's bytes into lines, checks each, and passes on its event. */
class JournalLines {
  #pending = Buffer.alloc(0);
  #offset = 0;
  #line = 0;
  #first = true;
  /** The line number of a line that is not JSON: only the last line may be (a crash while it was written). */
  #torn: number | undefined;

  constructor(
    readonly file: string,
    readonly onEvent: (event: JournalEvent, place: LinePlace) => void,
  ) {}

  push(bytes: Buffer): void {
    let data = this.#pending.length > 0 ? Buffer.concat([this.#pending, bytes]) : Buffer.from(bytes);
    for (let nl = data.indexOf(10); nl !== -1; nl = data.indexOf(10)) {
      this.#take(data.subarray(0, nl));
      data = data.subarray(nl + 1);
    }
    this.#pending = data;
  }

  end(): void {
    if (this.#pending.length > 0) this.#take(this.#pending);
    if (this.#first) throw new RunbookError('SCHEMA', `${this.file}: not a runbook journal (its first line is not the run header)`);
  }

  #take(bytes: Buffer): void {
    const place = { offset: this.#offset, length: bytes.length };
    this.#offset += bytes.length + 1;
    this.#line += 1;
    if (this.#torn !== undefined) {
      throw new RunbookError('SCHEMA', `${this.file}:${this.#torn}: not a journal line (not JSON); is this a runbook journal?`);
    }
    const text = bytes.toString('utf8');
    if (text.trim() === '') return;
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      this.#torn = this.#line;
      return;
    }
    const problem = journalEventProblem(event);
    if (problem !== undefined) throw new RunbookError('SCHEMA', `${this.file}:${this.#line}: ${problem}; is this a journal runbook wrote?`);
    if (this.#first) this.#checkHeader(event as JournalEvent);
    this.onEvent(event as JournalEvent, place);
  }

  #checkHeader(first: JournalEvent): void {
    if (first.type !== 'run') {
      throw new RunbookError('SCHEMA', `${this.file}: not a runbook journal (its first line is not the run header)`);
    }
    if (first.journalVersion !== JOURNAL_VERSION) {
      throw new RunbookError(
        'SCHEMA',
        `${this.file}: journal version ${String(first.journalVersion)} is not supported (expected ${JOURNAL_VERSION})`,
      );
    }
    this.#first = false;
  }
}
