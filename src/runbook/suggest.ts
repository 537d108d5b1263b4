// "Did you mean ...?": picks the closest known word to a misspelt one, by edit distance.

/**
 * Returns the candidate closest to `word`, or undefined when none is close enough to be a likely typo.
 * Comparison ignores case; a transposition of two neighbouring letters counts as one edit. When no
 * candidate is that close, an abbreviation of exactly one candidate (`int` for `integer`) is recognised.
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  const target = word.toLowerCase();
  const limit = Math.max(1, Math.min(3, Math.floor(target.length / 3)));
  let best: string | undefined;
  let bestDistance = Infinity;
  const extensions: string[] = [];
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const lower = candidate.toLowerCase();
    const distance = editDistance(target, lower, limit);
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
    if (target.length >= 3 && lower.startsWith(target)) extensions.push(candidate);
  }
  return best ?? (extensions.length === 1 ? extensions[0] : undefined);
}

/** Formats a suggestion as `; did you mean 'x'?`, or '' when there is none. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const guess = suggest(word, candidates);
  return guess === undefined ? '' : `; did you mean '${guess}'?`;
}

/** Optimal string alignment distance; gives up (returns limit + 1) once it cannot come under `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let twoAgo: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, twoAgo[j - 2]! + 1);
      }
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return limit + 1;
    twoAgo = previous;
    previous = current;
  }
  return previous[b.length]!;
}
