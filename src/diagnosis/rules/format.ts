// Pure number and word formatting shared by the capacity rules, so every card writes "94%",
// "1 instance" and "3 instances" the same way. Numbers are rounded BEFORE any decision is taken on
// them, so what the card shows is exactly what the verdict was computed from.

/** One decimal. */
export const r1 = (n: number): number => Math.round(n * 10) / 10;

/** A confidence: clamped to [0, 1], two decimals. */
export const r2 = (n: number): number => Math.round(Math.min(Math.max(n, 0), 1) * 100) / 100;

/** 94 → "94%", 80.4 → "80.4%": one decimal only when it carries information. */
export const pct = (n: number): string => `${Number.isInteger(r1(n)) ? r1(n).toFixed(0) : r1(n).toFixed(1)}%`;

/** plural(1, 'instance') → "1 instance", plural(3, 'instance') → "3 instances". */
export const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;
