// The exit codes of every command, documented in docs/exit-codes.md. Scripts and cron wrappers depend on them.

export const EXIT = {
  /** The command did what was asked; a run succeeded with no failed operation. */
  OK: 0,
  /** A run failed: a step broke its failure budget (or an operation failed in a step without budget). */
  RUN_FAILED: 1,
  /** Invalid input or usage: a runbook that does not validate, a bad --param, an unknown flag, a stale plan. */
  INVALID: 2,
  /** A run finished within its budgets, but some operations failed (tolerated by maxErrors or continueOnError). */
  TOLERATED: 3,
  /** The run's work is done (as 0 or 3 would say), but an output file (report, JUnit, Markdown) could not be written. */
  OUTPUT_FAILED: 4,
  /** `plan --detailed-exitcode`: the plan has operations that would change something. */
  PLAN_CHANGES: 5,
  /** `plan --detailed-exitcode`: an operation would fail (an online prediction, or inputs that cannot be sent). */
  PLAN_WOULD_FAIL: 6,
  /** Another run of the same runbook holds the lock (EX_TEMPFAIL: try again later). */
  LOCKED: 75,
  /** Interrupted by SIGINT (128 + 2). */
  SIGINT: 130,
  /** Interrupted by SIGTERM (128 + 15). */
  SIGTERM: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
