// The checks of a step's timing that a schema cannot say: durations longer than a timer can wait, a retry
// delay longer than its maximum, and rollout batches that do not grow.

import type { DocPath, Problem } from './document.js';
import { DURATION_PATTERN, formatDuration, MAX_DURATION_MS, parseDuration } from '../common/durations.js';
import { isPlainObject } from '../common/plain-data.js';

const DURATION_FORM = new RegExp(DURATION_PATTERN);

/**
 * Each rollout entry counts the operations started by the end of its batch, so entries of the same kind
 * must grow: `[10, 5]` is most likely written as batch sizes, and the engine would drop the 5.
 */
export function checkRolloutGrows(step: Record<string, unknown>, path: DocPath, label: string, add: (problem: Problem) => void): void {
  const batches = isPlainObject(step.rollout) && Array.isArray(step.rollout.batches) ? step.rollout.batches : [];
  const measure = (entry: unknown): { kind: 'count' | 'percent'; amount: number } | undefined => {
    if (typeof entry === 'number') return { kind: 'count', amount: entry };
    if (typeof entry === 'string' && /^[0-9]+(?:\.[0-9]+)?%$/.test(entry)) return { kind: 'percent', amount: Number.parseFloat(entry) };
    return undefined;
  };
  const latest: Partial<Record<'count' | 'percent', { amount: number; index: number }>> = {};
  batches.forEach((entry: unknown, index: number) => {
    const m = measure(entry);
    if (!m) return;
    const before = latest[m.kind];
    if (before && m.amount <= before.amount) {
      add({
        code: 'SCHEMA',
        message: `rollout.batches of ${label}: entry ${index + 1} (${JSON.stringify(entry)}) is not more than entry ${before.index + 1} (${JSON.stringify(batches[before.index])}); each entry is the number of operations started by the end of its batch, so the entries must grow, as in [1, "10%", "100%"]`,
        path: [...path, 'rollout', 'batches', index],
      });
    }
    latest[m.kind] = { amount: m.amount, index };
  });
}

/** Durations the schema accepts by their form but that are longer than a timer can wait. */
export function checkDurationLimits(step: Record<string, unknown>, path: DocPath, label: string, add: (problem: Problem) => void): void {
  const retry = isPlainObject(step.retry) ? step.retry : {};
  const rollout = isPlainObject(step.rollout) ? step.rollout : {};
  const places: [unknown, DocPath, string][] = [
    [step.timeout, [...path, 'timeout'], 'timeout'],
    [step.operationTimeout, [...path, 'operationTimeout'], 'operationTimeout'],
    [retry.delay, [...path, 'retry', 'delay'], 'retry.delay'],
    [retry.maxDelay, [...path, 'retry', 'maxDelay'], 'retry.maxDelay'],
    [rollout.pauseBetween, [...path, 'rollout', 'pauseBetween'], 'rollout.pauseBetween'],
  ];
  for (const [value, at, name] of places) {
    if (typeof value === 'string' && DURATION_FORM.test(value) && parseDuration(value) === undefined) {
      add({
        code: 'SCHEMA',
        message: `${name} of ${label} is ${value}, longer than the longest wait runbook supports (${formatDuration(MAX_DURATION_MS)}, about 24 days)`,
        path: at,
      });
    }
  }
}

/** A first retry delay longer than the longest delay between attempts. */
export function checkRetryDelays(step: Record<string, unknown>, path: DocPath, label: string, add: (problem: Problem) => void): void {
  if (isPlainObject(step.retry) && typeof step.retry.delay === 'string' && typeof step.retry.maxDelay === 'string') {
    const delay = parseDuration(step.retry.delay);
    const maxDelay = parseDuration(step.retry.maxDelay);
    if (delay !== undefined && maxDelay !== undefined && delay > maxDelay) {
      add({
        code: 'SCHEMA',
        message: `retry.delay (${step.retry.delay}) is longer than retry.maxDelay (${step.retry.maxDelay}) in ${label}`,
        path: [...path, 'retry', 'delay'],
      });
    }
  }
}
