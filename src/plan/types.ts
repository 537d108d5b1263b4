// The shapes of a plan: the concrete operations a runbook resolves to, before anything runs.

import type { PredictedOutcome } from '../contracts/action.js';
import type { HttpMethod } from '../contracts/connection.js';
import type { ErrorCode } from '../errors.js';

/** A request as the plan shows it: the exact method, URL and body, credentials never included. */
export interface RequestPreview {
  method: HttpMethod;
  url: string;
  body?: unknown;
}

export interface OperationError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** One concrete operation: produced by expanding a step for one forEach item. */
export interface ResolvedOperation {
  /** `stepId/key`, stable across runs with the same params. */
  key: string;
  inputs: Record<string, unknown>;
  item?: unknown;
  index?: number;
  /** The requests it would send (mutating ones), as far as they are known before running. */
  requests: RequestPreview[];
  /** Why the request is not fully known before running. */
  unresolved?: string;
  /** Set when the operation cannot even be attempted (bad inputs after expressions were evaluated). */
  error?: OperationError;
  /** The outcome `plan --online` predicts. */
  prediction?: { outcome: PredictedOutcome; reason: string };
}

/** Why a step produced no operations. */
export type StepDisposition = 'planned' | 'skipped' | 'unresolved' | 'failed';

export interface ResolvedStep {
  id: string;
  name?: string;
  action: string;
  connection?: string;
  disposition: StepDisposition;
  /** For a step of onFailure (runs only if the run fails) or finally (always runs); absent for a main step. */
  part?: 'onFailure' | 'finally';
  /** For skipped, unresolved and failed steps: the reason in words. */
  reason?: string;
  /** For a step that could not be expanded (forEach not a list, expression error). */
  error?: OperationError;
  operations: ResolvedOperation[];
}
