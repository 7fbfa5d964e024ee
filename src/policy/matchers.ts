// Pure matching of policy patterns against alerts and resources. No regular expressions are
// built from policy text, so a pattern can neither inject regex syntax nor backtrack badly.

/** Own-property lookup: `labels['constructor']` must not find Object.prototype.constructor. */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * Glob match over the whole value: `*` matches any run of characters (also none), `?` exactly
 * one character, everything else itself. Greedy with a single backtrack point, O(n·m) worst case.
 */
export function matchesGlob(pattern: string, value: string): boolean {
  const p = Array.from(pattern);
  const v = Array.from(value);
  let pi = 0;
  let vi = 0;
  let starPi = -1; // position of the last `*` seen in the pattern
  let starVi = 0; // value position that `*` was last assumed to extend to
  while (vi < v.length) {
    const pc = p[pi];
    if (pc === '*') {
      starPi = pi++;
      starVi = vi;
    } else if (pc !== undefined && (pc === '?' || pc === v[vi])) {
      pi++;
      vi++;
    } else if (starPi >= 0) {
      // Mismatch: let the last `*` swallow one more character and retry after it.
      pi = starPi + 1;
      vi = ++starVi;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

/** Environment match: every listed label is present and has one of the listed values. */
export function labelsMatch(
  match: Readonly<Record<string, readonly string[]>>,
  labels: Readonly<Record<string, string>>,
): boolean {
  return Object.entries(match).every(([label, accepted]) => {
    const value = ownValue(labels, label);
    return value !== undefined && accepted.includes(value);
  });
}

/** Rule `when`: `alertname` compares with the alert's name, every other key with a label. */
export function whenMatches(
  when: Readonly<Record<string, string>>,
  alert: { name: string; labels: Readonly<Record<string, string>> },
): boolean {
  return Object.entries(when).every(([key, expected]) =>
    key === 'alertname' ? alert.name === expected : ownValue(alert.labels, key) === expected,
  );
}
