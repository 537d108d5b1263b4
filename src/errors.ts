// The catalogue of every error code a user can see, and the error classes that carry them.
// Codes are stable: reports, JUnit files and scripts match on them. Add codes here, never inline.

/** Every user-visible error code, with a one-line description (used in docs and tests). */
export const ERROR_CODES = {
  // Input: the runbook file, its params, the command line. Exit code 2.
  FILE_NOT_FOUND: 'the runbook file (or a file it names) does not exist or cannot be read',
  FILE_TOO_LARGE: 'the runbook file is larger than the size limit, or holds more than 100,000 list items and mapping entries',
  YAML_SYNTAX: 'the file is not well-formed YAML',
  YAML_DUPLICATE_KEY: 'a mapping has the same key twice',
  YAML_ALIAS_LIMIT: 'YAML aliases expand the document past 1,000,000 values (an alias bomb), or refer to a value that contains them',
  SCHEMA: 'a value does not match the runbook format',
  UNKNOWN_ACTION: 'a step names an action that is not registered',
  DUPLICATE_STEP_ID: 'two steps have the same id',
  UNKNOWN_CONNECTION: 'a step names a connection that is not declared',
  CONNECTION_REQUIRED: 'a step whose action talks to a server has no connection',
  CONNECTION_TYPE_MISMATCH: 'a step uses a connection of the wrong type for its action',
  UNKNOWN_CONNECTION_TYPE: 'a connection has a type that is not registered',
  EXPRESSION_SYNTAX: 'a ${{ }} expression cannot be parsed',
  UNKNOWN_REFERENCE: 'an expression refers to a param, step or variable that does not exist',
  PLUGIN_LOAD: 'a plugin module could not be loaded or is not a valid action',
  PLUGIN_NAME_CLASH: 'a plugin action or connection takes a name that is already registered',
  BAD_PARAM: 'a --param or --params-file value is missing, unknown or of the wrong type, or a params file holds no mapping',
  USAGE: 'the command line is not valid',
  PLAN_STALE: 'a saved plan no longer matches its runbook, or is too old',
  PLAN_SECRET: 'plan --out would save a secret that with: reads from the environment',
  IRREVERSIBLE:
    'revert (or plan --revert-from) was asked to undo a change whose action declares no inverse (give --skip-irreversible to leave it as it is)',
  PLAN_TARGET_CHANGED: 'a saved plan was made against other servers (connection URLs, or --sim) than apply would use',
  LOCKED: 'another run of the same runbook holds the lock',
  LOCK_UNUSABLE:
    'the lock path or its folder cannot be used safely: not a regular file, not yours, writable by others, or not writable; the message says what to do',
  OUTPUT_PATH:
    'an output path (--report, --report-dir, --junit, --summary-md, --log-file, --out) cannot be written: its folder is missing or read-only, or it is a folder or a symbolic link',
  OUTPUT_WRITE:
    "an output file (journal, report, JUnit, Markdown, log) could not be written during or after the run, e.g. the disk is full (exit 4, or the run's own code when it failed)",

  // Run time: one operation failed. Exit code 1.
  INVALID_INPUT: 'the resolved inputs of an operation do not match the action input schema',
  EXPRESSION: 'an expression could not be evaluated at run time',
  UNRESOLVED_INPUT:
    'a step reads the outputs of an earlier step that has none (it failed, was skipped or was cancelled); the step fails, and continueOnError applies as for any failure',
  ENV_MISSING: 'an expression reads an environment variable that is not set; every one is reported before the run starts',
  HTTP_STATUS: 'the server answered with an HTTP error status',
  OCP_ERROR: 'OCP answered with successful: false',
  BAO_ERROR: 'BAO answered with a response other than Success',
  AUTH_FAILED: 'the server refused the credentials',
  CONNECTION_ERROR: 'the server could not be reached, or closed the connection',
  TIMEOUT: "a request did not complete within the step's timeout, or an operation within its operationTimeout",
  TLS_ERROR: 'the TLS handshake failed (certificate not trusted, or wrong host)',
  REDIRECT_REFUSED: 'the server redirected to another host; the request was not sent there',
  BAD_RESPONSE: 'the server answered with a body the action cannot understand',
  NOT_FOUND: 'the target (host, process, peer, task) does not exist',
  NOT_OPERABLE: 'OCP marks the process as not operable',
  UNEXPECTED_STATE: 'after the operation the target is not in the wanted state',
  WAIT_TIMEOUT: 'a wait did not see the wanted state before its timeout',
  TASK_FAILED: 'an asynchronous OCP task ended FAILED',
  ASSERTION_FAILED: 'a core.assert expression was false',
  FAILED_ON_PURPOSE: 'a core.fail step ran',
  PLUGIN_ERROR: 'a plugin action threw, rejected or returned something malformed',
  CANCELLED: 'the run was interrupted before or during the operation',
  STEP_FAILED: 'a step failed and does not set continueOnError: the run stopped there (the report error names it)',
  HANDLER_FAILED: 'the main steps succeeded, but a step of onFailure or finally failed: the run failed',
  INTERNAL: 'a bug in runbook itself; please report it',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A position in a runbook file. `line` and `column` are 1-based. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
  /** The path in the document, written as `steps[1].with.hostId`. */
  path?: string;
}

/** One problem found in a runbook or on the command line: what, where, and what to do. */
export interface Diagnostic extends Partial<SourceLocation> {
  code: ErrorCode;
  message: string;
}

/** An error with a stable code. Everything the engine throws on purpose is one of these. */
export class RunbookError extends Error {
  readonly code: ErrorCode;
  /** Extra, serialisable facts for the report (HTTP status, OCP error code, traceId...). */
  readonly details: Record<string, unknown> | undefined;
  /** Whether retrying the same request may succeed (connection errors, timeouts, 429, 5xx). */
  readonly transient: boolean;

  constructor(code: ErrorCode, message: string, options: { details?: Record<string, unknown>; transient?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RunbookError';
    this.code = code;
    this.details = options.details;
    this.transient = options.transient ?? false;
  }
}

/** Errors found while loading or validating input: carries every diagnostic at once. */
export class ValidationError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join('\n'));
    this.name = 'ValidationError';
    this.diagnostics = diagnostics;
  }
}

/** `file:line:col: message [code]`, the format editors and CI annotate from. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line ? `:${d.line}:${d.column ?? 1}` : ''}: ` : '';
  const path = d.path ? ` (at ${d.path})` : '';
  return `${where}error: ${d.message}${path} [${d.code}]`;
}

/**
 * True for a RunbookError, including one made by another copy of this package (a plugin may bundle its
 * own): recognised by its name and a known code rather than by class identity.
 */
export function isRunbookError(e: unknown): e is RunbookError {
  if (e instanceof RunbookError) return true;
  if (!(e instanceof Error) || e.name !== 'RunbookError') return false;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}
