// Rollout batches: a canary first, then growing slices of the step, each gated on the failure budget.

/**
 * Turns `rollout.batches` into the cumulative number of operations started by the end of each batch.
 * Each entry is a count (`1`) or a percentage of the step's operations (`"10%"`, rounded up), measured
 * from the start of the step, so `[1, "10%", "100%"]` is one canary, then up to 10% in all, then the rest.
 * Entries that would not add an operation are dropped, and the rest of the step always forms a last batch.
 */
export function rolloutBatches(batches: readonly (number | string)[], operationCount: number): number[] {
  const ends: number[] = [];
  let previous = 0;
  for (const batch of batches) {
    const target = Math.min(operationCount, cumulativeTarget(batch, operationCount));
    if (target > previous) {
      ends.push(target);
      previous = target;
    }
  }
  if (previous < operationCount) ends.push(operationCount);
  return ends;
}

function cumulativeTarget(batch: number | string, operationCount: number): number {
  if (typeof batch === 'number') return batch;
  const percent = Number.parseFloat(batch);
  return Math.ceil((percent * operationCount) / 100);
}
