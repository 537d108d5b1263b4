// Durations as runbooks write them (`500ms`, `30s`, `5m`, `1h`, or `1m30s`) and back, in milliseconds.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** The pattern a duration string must match (also used by the JSON Schema). */
export const DURATION_PATTERN = '^(?:[0-9]+(?:\\.[0-9]+)?(?:ms|s|m|h))+$';
const WHOLE = new RegExp(DURATION_PATTERN);
const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g;

/**
 * The longest duration a runbook can ask for, about 24.8 days: Node's timers cannot wait longer, and
 * treat a longer wait as 1 ms, so a `timeout: 1000h` would otherwise expire at once.
 */
export const MAX_DURATION_MS = 2_147_483_647;

/**
 * Parses a duration such as `500ms`, `30s`, `5m`, `1h` or `1h30m` into milliseconds (rounded).
 * Returns undefined for anything else, including numbers without a unit and durations longer than
 * MAX_DURATION_MS.
 */
export function parseDuration(text: string): number | undefined {
  if (typeof text !== 'string' || !WHOLE.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(PART)) {
    total += Number(amount) * UNIT_MS[unit as Unit];
  }
  return Number.isFinite(total) && total <= MAX_DURATION_MS ? Math.round(total) : undefined;
}

/** Formats milliseconds the way a person writes them: `500ms`, `1.5s`, `2m`, `1m30s`, `1h5m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return `${ms}ms`;
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${trimZeros((ms / 1_000).toFixed(3))}s`;
  const rounded = Math.round(ms / 1_000);
  const hours = Math.floor(rounded / 3_600);
  const minutes = Math.floor((rounded % 3_600) / 60);
  const seconds = rounded % 60;
  return `${hours ? `${hours}h` : ''}${minutes ? `${minutes}m` : ''}${seconds ? `${seconds}s` : ''}` || '0s';
}

function trimZeros(fixed: string): string {
  return fixed.replace(/\.?0+$/, '');
}
