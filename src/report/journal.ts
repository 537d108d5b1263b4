// The journal: one JSON line per event of a run, written and flushed as it happens. It is the record
// of the run; the report, --resume, --junit and --summary-md are all derived from it, and after a crash
// `runbook report JOURNAL` rebuilds the report from whatever lines reached the disk.

import { closeSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { RunbookError } from '../errors.js';
import { journalEventProblem } from './journal-check.js';
import { createReplacing } from './write.js';
import type { OperationError } from '../plan/types.js';
import type { Redactor } from '../secrets/redactor.js';
import type { OperationRecord, RunStatus, StepStatus } from './types.js';

export const JOURNAL_VERSION = 1;

export interface StepOutline {
  id: string;
  name?: string;
  description?: string;
  action: string;
  connection?: string;
}

export type JournalEvent =
  | {
      type: 'run';
      journalVersion: typeof JOURNAL_VERSION;
      runId: string;
      runbook: { name: string; file: string; sha256: string; description?: string };
      mode: 'run' | 'dry-run';
      params: Record<string, unknown>;
      startedAt: string;
      steps: StepOutline[];
      resumedFrom?: string;
    }
  | {
      type: 'step';
      id: string;
      startedAt: string;
      /** Every operation the step will account for, in order. */
      keys: string[];
      maxErrors?: number;
    }
  | { type: 'op'; step: string; record: OperationRecord }
  | {
      type: 'stepEnd';
      id: string;
      status: StepStatus;
      reason?: string;
      continueOnError?: boolean;
      /** Why a step that produced no operation failed (its inputs could not be resolved, say). */
      error?: OperationError;
      durationMs: number;
      outputs?: Record<string, unknown>;
    }
  | { type: 'end'; status: RunStatus; finishedAt: string; durationMs: number; signal?: string; error?: OperationError };

/** Where journal events go while a run is in progress. */
export interface JournalSink {
  write(event: JournalEvent): void;
  close(): void;
  /**
   * A journal on disk: its path, and how many bytes it holds so far (where the next line starts). The
   * executor then leaves a large step's records there and reads them back when the report needs them.
   */
  readonly file?: string;
  readonly position?: number;
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
    get position() {
      return position;
    },
    get failure() {
      return failure;
    },
    write(event) {
      if (!open || failure) return;
      const bytes = Buffer.from(`${journalLine(event, redactor)}\n`, 'utf8');
      try {
        for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
      } catch (e) {
        failure = e as Error;
        onFailure?.(failure);
        return;
      }
      position += bytes.length;
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

/**
 * Reads a journal, tolerating a last line cut short by a crash. Every other line must be an event with
 * the fields the report is built from: the first one that is not is named by its line number.
 */
export async function readJournal(file: string): Promise<JournalEvent[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new RunbookError('FILE_NOT_FOUND', `cannot read the journal ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const lines = text.split('\n');
  const events: JournalEvent[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let event: unknown;
    try {
      event = JSON.parse(line);
    } catch {
      // Only the last line may be torn (the crash happened while it was written).
      if (i < lines.length - 2) {
        throw new RunbookError('SCHEMA', `${file}:${i + 1}: not a journal line (not JSON); is this a runbook journal?`);
      }
      return;
    }
    const problem = journalEventProblem(event);
    if (problem !== undefined) throw new RunbookError('SCHEMA', `${file}:${i + 1}: ${problem}; is this a journal runbook wrote?`);
    events.push(event as JournalEvent);
  });
  const first = events[0];
  if (!first || first.type !== 'run') {
    throw new RunbookError('SCHEMA', `${file}: not a runbook journal (its first line is not the run header)`);
  }
  if (first.journalVersion !== JOURNAL_VERSION) {
    throw new RunbookError('SCHEMA', `${file}: journal version ${String(first.journalVersion)} is not supported (expected ${JOURNAL_VERSION})`);
  }
  return events;
}
