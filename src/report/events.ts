// The events of a run, in the order they happen: what the engine emits, what the journal holds one per
// line, and what the report builder folds into a report (live, or rebuilt from a journal file).

import type { OperationError } from '../plan/types.js';
import type { OperationRecord, RunStatus, StepStatus } from './types.js';

export const JOURNAL_VERSION = 1;

export interface StepOutline {
  id: string;
  name?: string;
  description?: string;
  action: string;
  connection?: string;
}

/** The lists of steps that run after the main steps: `onFailure` when the run failed, `finally` always. */
export type HandlerPart = 'onFailure' | 'finally';

/**
 * A step the run header does not list: an inverse step a `core.revert` step runs, in the part of its
 * `core.revert` step (`parent`), undoing the operations of main step `undoes`.
 */
export interface AddedStepOutline extends StepOutline {
  part: HandlerPart;
  parent: string;
  undoes: string;
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
      /** The runbook's onFailure and finally steps, when it has them. */
      onFailure?: StepOutline[];
      finally?: StepOutline[];
      resumedFrom?: string;
      revertOf?: string;
    }
  | {
      type: 'step';
      id: string;
      startedAt: string;
      /** Every operation the step will account for, in order. */
      keys: string[];
      maxErrors?: number;
      /** For a step the run header does not list (an inverse step of core.revert): what it is. */
      outline?: AddedStepOutline;
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

/** Where a journal line is in its file: its byte offset, and its length without the newline. */
export interface LinePlace {
  offset: number;
  length: number;
}
