// The exit codes of every command, documented in the README. Scripts and cron wrappers depend on them.

export const EXIT = {
  /** The command did what was asked; a run succeeded. */
  OK: 0,
  /** A run failed: a step broke its failure budget (or an operation failed in a step without budget). */
  RUN_FAILED: 1,
  /** Invalid input or usage: a runbook that does not validate, a bad --param, an unknown flag, a stale plan. */
  INVALID: 2,
  /** Another run of the same runbook holds the lock (EX_TEMPFAIL: try again later). */
  LOCKED: 75,
  /** Interrupted by SIGINT (128 + 2). */
  SIGINT: 130,
  /** Interrupted by SIGTERM (128 + 15). */
  SIGTERM: 143,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
