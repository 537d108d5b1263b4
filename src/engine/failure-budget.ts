// The failure budget of a step: how many operations may fail before the step stops starting new ones.

/**
 * Turns `maxErrors` (a count, or a percentage such as "10%") into a count of operations.
 * A percentage is taken of the step's operation count and rounded down.
 */
export function maxErrorsFor(maxErrors: number | string, operationCount: number): number {
  if (typeof maxErrors === 'number') return maxErrors;
  const percent = Number.parseFloat(maxErrors);
  return Math.floor((percent * operationCount) / 100);
}

/** Counts failures; the step is broken once failures exceed the budget. */
export class FailureBudget {
  #failures = 0;
  constructor(readonly allowed: number) {}

  recordFailure(): void {
    this.#failures += 1;
  }

  get failures(): number {
    return this.#failures;
  }

  /** True once more operations failed than `maxErrors` allows: no new operation may start. */
  get broken(): boolean {
    return this.#failures > this.allowed;
  }
}
