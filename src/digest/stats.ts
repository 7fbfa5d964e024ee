// Small, exact statistics for the digest.

/**
 * Nearest-rank percentile: sort ascending and take the value at rank ⌈p/100 · n⌉ (1-based).
 * It is always one of the observed values (no interpolation), so a "p90 of 42 s" is a decision
 * that really took 42 s. With this definition the median of an even count is the lower middle.
 */
export function nearestRank(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[rank - 1] ?? null;
}

/** Arithmetic mean rounded to whole milliseconds; null for no values. */
export function meanMs(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  return Math.round(values.reduce((s, v) => s + v, 0) / values.length);
}
