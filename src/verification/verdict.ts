// Pure: did the change work? The policy says on which side of which value the signal must end up;
// a signal that could not be read is no evidence either way, so it is `unavailable` and a person
// decides — never counted as passed.
import type { Verify } from '../policy/schema.ts';

export type Verdict = 'passed' | 'failed' | 'unavailable';

export interface Judgement {
  verdict: Verdict;
  comparison: 'below' | 'above';
  threshold: number;
}

/** The side and value the policy asks for (the schema guarantees exactly one of below/above). */
export function expectation(verify: Pick<Verify, 'below' | 'above'>): { comparison: 'below' | 'above'; threshold: number } {
  if (verify.below !== undefined) return { comparison: 'below', threshold: verify.below };
  if (verify.above !== undefined) return { comparison: 'above', threshold: verify.above };
  throw new Error("verify declares neither 'below' nor 'above'");
}

export function judge(verify: Pick<Verify, 'below' | 'above'>, after: number | null): Judgement {
  const { comparison, threshold } = expectation(verify);
  if (after === null || !Number.isFinite(after)) return { verdict: 'unavailable', comparison, threshold };
  // Strict: a value sitting exactly on the line has not got below (or above) it.
  const ok = comparison === 'below' ? after < threshold : after > threshold;
  return { verdict: ok ? 'passed' : 'failed', comparison, threshold };
}

/** The frozen evidence's value of this signal before the change, if the diagnosis read it. */
export function beforeValue(signals: readonly { id: string; value: number | null }[], signal: string): number | null {
  const found = signals.find((s) => s.id === signal);
  return found && typeof found.value === 'number' && Number.isFinite(found.value) ? found.value : null;
}
