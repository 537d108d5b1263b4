// The validated runbook: what the loader produces and the planner and engine consume.
// Values that hold ${{ }} expressions are kept as written; they are evaluated when a step starts.

export type ParamType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object';

export interface ParamSpec {
  type: ParamType;
  default?: unknown;
  description?: string;
  enum?: unknown[];
  /** Redact this param's value everywhere (reports, logs, plans). */
  secret?: boolean;
  /** JSON Schema of the items of an array param. */
  items?: Record<string, unknown>;
}

/** A connection entry as written (expressions unresolved). `type` picks the connection definition. */
export interface ConnectionSpec {
  type: string;
  [key: string]: unknown;
}

export interface RetrySpec {
  attempts: number;
  delayMs: number;
  maxDelayMs: number;
}

export interface RolloutSpec {
  /** Batch sizes: a count, or a percentage of the step's operations ("10%", "100%"). */
  batches: (number | string)[];
  pauseBetweenMs: number;
}

export interface StepSpec {
  id: string;
  name?: string;
  /** What the step does, for people; kept in the report. */
  description?: string;
  action: string;
  connection?: string;
  /** An expression or a literal list; undefined when the step does not fan out. */
  forEach?: unknown;
  with: Record<string, unknown>;
  concurrency?: number;
  /** A count, or a percentage string such as "10%". Default 0. */
  maxErrors: number | string;
  continueOnError: boolean;
  retry?: RetrySpec;
  /** Deadline of one request attempt. */
  timeoutMs?: number;
  /** Deadline of one whole operation (every request, retry and wait of it), enforced by the engine. */
  operationTimeoutMs?: number;
  /** An expression or a literal boolean; undefined = always run. */
  if?: unknown;
  rollout?: RolloutSpec;
}

export interface Runbook {
  /** The path the runbook was loaded from, as given. */
  file: string;
  /** SHA-256 of the file bytes, hex. */
  sha256: string;
  version: 1;
  name: string;
  description?: string;
  params: Record<string, ParamSpec>;
  connections: Record<string, ConnectionSpec>;
  /** Global cap on operations in flight (default 4). */
  concurrency: number;
  /** Plugin module specifiers as written (paths relative to the runbook file, or package names). */
  plugins: string[];
  steps: StepSpec[];
  /** Steps run when the run fails, after the failing step and before `finally` (none when absent). */
  onFailure?: StepSpec[];
  /** Steps run after every run: succeeded, failed or cancelled (none when absent). */
  finally?: StepSpec[];
  /**
   * Finds the line and column of a document path such as ['steps', 1, 'with', 'hostId'], or of a place
   * inside the string value there (`anchor`: the value's text from `anchorIndex`; `index`: the place).
   */
  locate(
    path: (string | number)[],
    inString?: { anchor: string; anchorIndex: number; index: number },
  ): { line: number; column: number } | undefined;
}

/** Default values of the format, in one place (docs/format.md quotes them). */
export const DEFAULTS = {
  concurrency: 4,
  timeoutMs: 60_000,
  operationTimeoutMs: 3_600_000,
  retry: { attempts: 1, delayMs: 1_000, maxDelayMs: 30_000 } satisfies RetrySpec,
  maxErrors: 0,
  maxFileBytes: 1024 * 1024,
} as const;

/** The lists of steps of a runbook, in the order they run: the main steps, then the handlers. */
export const STEP_LISTS = ['steps', 'onFailure', 'finally'] as const;
export type StepList = (typeof STEP_LISTS)[number];

/** Every step of the runbook: the main steps, then `onFailure`, then `finally`. */
export function allSteps(runbook: Pick<Runbook, 'steps' | 'onFailure' | 'finally'>): StepSpec[] {
  return [...runbook.steps, ...(runbook.onFailure ?? []), ...(runbook.finally ?? [])];
}
