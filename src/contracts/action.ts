// The public contract of an action: what a built-in or a plugin declares, and what the engine hands it.
// Built-in actions are written against exactly these types and register through the same registry.

import type { Logger } from 'pino';
import type { ConnectionDefinition, HttpClient, HttpRequest } from './connection.js';
import type { JsonSchema } from './json-schema.js';

export type { JsonSchema } from './json-schema.js';

/** How one operation ended. `skipped` is set by the engine, never returned by an action. */
export type OperationStatus = 'changed' | 'unchanged' | 'failed' | 'skipped';

/** What `plan --online` predicts for one operation. */
export type PredictedOutcome = 'would change' | 'unchanged' | 'would fail' | 'unknown until run';

/** One concrete operation, as `plan` returns it. */
export interface PlannedOperation<I = Record<string, unknown>> {
  /**
   * Short, stable, human-readable identity within the step, such as `host=20/process=185`.
   * The engine prefixes the step id. Defaults to the forEach index.
   */
  key?: string;
  /** The inputs `run` will receive for this operation. */
  inputs: I;
  /**
   * The request this operation will send, for the dry run. Omit it for actions that send nothing.
   * Use a list when the operation sends several mutating requests.
   */
  request?: HttpRequest | HttpRequest[];
  /** Why the request cannot be known before running (for example an alias still to resolve). */
  unresolved?: string;
}

/** An operation the engine hands to `run` and `probe`. */
export interface Operation<I = Record<string, unknown>> {
  /** The full key, `stepId/key`, stable across runs with the same params. */
  key: string;
  inputs: I;
  /** The forEach item and index this operation came from, if the step fans out. */
  item?: unknown;
  index?: number;
}

export interface PlanContext {
  step: { id: string };
  /** The connection's type and base URL, when the action uses one. */
  connection?: { name: string; type: string; url: string };
}

export interface RunContext {
  step: { id: string };
  /** The connection's HTTP client, with auth, TLS, timeouts and retries applied. */
  http: HttpClient;
  /** A child logger bound to this operation. Secrets are redacted from everything it writes. */
  log: Logger;
  /** Aborted when the run is cancelled: stop waiting and give up. */
  signal: AbortSignal;
  /** Waits, or rejects early when the run is cancelled. */
  sleep(ms: number): Promise<void>;
}

/** The read-only context of `probe`: its HTTP client refuses any method but GET and HEAD. */
export type ProbeContext = RunContext;

export interface RunResult<O = Record<string, unknown>> {
  status: 'changed' | 'unchanged';
  outputs?: O;
}

export interface Prediction {
  outcome: Exclude<PredictedOutcome, 'unknown until run'>;
  reason: string;
  /**
   * The request the operation would send, when the probe has learned something `plan` could not (an alias
   * resolved to an id, say): the preview then shows it instead of the planned one.
   */
  request?: HttpRequest;
}

/** An operation a run changed, as its report or journal records it: what `revert` is given. */
export interface ChangedOperation<O = Record<string, unknown>> {
  /** The full key, `stepId/key`. */
  key: string;
  /** What the action's `run` returned (absent when the report does not hold it: read the journal instead). */
  outputs?: O;
  /**
   * For an action that changes nothing (a wait): the inverse operations the revert sends just before this
   * one's inverse, those of the step it followed. A wait then waits only for what they change.
   */
  after?: readonly InverseOperation[];
}

/** The operation that undoes a changed one: an action of the registry and its `with:`. */
export interface InverseOperation {
  action: string;
  inputs: Record<string, unknown>;
}

/** An action: one module, one object. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds actions of every input and output type; each action's own code is typed by its I and O
export interface ActionDefinition<I = any, O = any> {
  /** `vendor.verb`, for example `ocp.stopAgentProcess`. */
  name: string;
  description: string;
  /** JSON Schema for the step's `with:` block. */
  inputs: JsonSchema;
  /** JSON Schema of the outputs `run` returns (documentation and editor completion). */
  outputs?: JsonSchema;
  /** The connection type this action needs (`ocp`, `bao`, `http`); omit when it talks to no server. */
  connection?: string;
  /** False for read-only actions: they really run during a dry run and feed later steps. */
  mutates: boolean;
  /**
   * True for an action that changes nothing on the server although `mutates` keeps it out of previews
   * (a wait: a preview must not block for its timeout). `runbook revert` treats it as a read-only action:
   * with a `revert`, its operations that ended `unchanged` or `changed` are undone, right after the inverse
   * of the step before it; without one, it is passed over.
   */
  changesNothing?: boolean;
  /**
   * Top-level string inputs that are URL paths. In them only the runbook's literal text shapes the path:
   * the value of every `${{ }}` is percent-encoded as exactly one segment (see `encodePathSegment`), and
   * must be a string or a number. Anything else is a validation error where its type is known before the
   * run, and fails the operation with INVALID_INPUT otherwise. The action receives the encoded path.
   */
  pathInputs?: readonly string[];
  /** Turns the resolved `with:` of one forEach item into concrete operations. Pure: no I/O. */
  plan?(inputs: I, ctx: PlanContext): PlannedOperation<I>[];
  /** Predicts the outcome of one operation with read-only requests, for `plan --online`. */
  probe?(operation: Operation<I>, ctx: ProbeContext): Promise<Prediction>;
  /** Performs one operation. Throw to fail it; a thrown RunbookError keeps its code. */
  run(operation: Operation<I>, ctx: RunContext): Promise<RunResult<O>>;
  /**
   * How `runbook revert` undoes one operation that ended `changed`, from what it returned. Return null
   * when that operation left nothing to undo. An action that changes something and omits `revert` cannot
   * be reverted: `revert` refuses it unless told to skip it. Actions that do not mutate need none; one
   * that declares it (a wait for a state) is undone for its operations that ended `unchanged` too, right
   * after the inverse of the step before it (the inverse of a wait for what a stop did waits for what its
   * start does).
   */
  revert?(operation: ChangedOperation<O>): InverseOperation | null;
}

/** Declares an action. It only adds types: a plain object with the same fields works too. */
export function defineAction<I = Record<string, unknown>, O = Record<string, unknown>>(
  action: ActionDefinition<I, O>,
): ActionDefinition<I, O> {
  return action;
}

/** Declares a connection type. It only adds types. */
export function defineConnection<C = Record<string, unknown>>(connection: ConnectionDefinition<C>): ConnectionDefinition<C> {
  return connection;
}
