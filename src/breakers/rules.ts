// Pure: when a circuit breaker trips. Each function gets the facts read by the adapter
// (src/breakers/checks.ts) and answers with a trip or null. A trip carries a key derived from the
// facts that tripped it (the incident, the verdict or the execution that crossed the line), so
// checking the same facts again gives the same key and the store records it once.
import { iso } from '../policy/citation.ts';
import { durationMs } from '../policy/schema.ts';
import type { Breakers, Budget } from '../policy/schema.ts';

export type BreakerName = 'recurrence' | 'verification_failures' | 'soft_limit' | 'hard_limit';

export interface Trip {
  breaker: BreakerName;
  /** Unique per (action, environment, breaker): the fact that tripped it. */
  key: string;
  /** When the tripping fact happened; later checks count only what came after it. */
  at: Date;
  /** `pause` only for the hard limit: the kill switch stops the action. */
  effect: 'demote' | 'pause';
  reason: string;
}

export interface Subject {
  action: string;
  environment: string;
}

/** A succeeded execution of the action on the target, before this incident. */
export interface PastSuccess {
  proposalId: string;
  finishedAt: Date;
}

/**
 * Recurrence: the target alerts again (a new incident) within `breakers.recurrence` of the
 * action's last success on it — the fix did not hold.
 */
export function recurrenceTrip(
  s: Subject & { breakers: Breakers | undefined; target: string; incidentId: string; alertName: string; lastSuccess: PastSuccess | null; now: Date },
): Trip | null {
  const window = s.breakers?.recurrence;
  if (window === undefined || s.lastSuccess === null) return null;
  const since = s.now.getTime() - s.lastSuccess.finishedAt.getTime();
  // A success "in the future" (clock skew) counts as recent: the safe reading.
  if (since > durationMs(window)) return null;
  const minutes = Math.max(0, Math.round(since / 60_000));
  return {
    breaker: 'recurrence',
    key: `incident:${s.incidentId}`,
    at: s.now,
    effect: 'demote',
    reason: `'${s.alertName}' opened a new incident on ${s.target} ${minutes} min after ${s.action} succeeded there (proposal ${s.lastSuccess.proposalId}), within its recurrence window of ${window}`,
  };
}

export interface Verdict {
  proposalId: string;
  passed: boolean;
  at: Date;
}

/**
 * Verification failures: `breakers.verification_failures` failed verifications in a row. The
 * verdicts are those after the previous trip of this breaker, oldest first, so a streak that
 * tripped once must grow anew to trip again.
 */
export function verificationTrip(s: Subject & { breakers: Breakers | undefined; verdicts: readonly Verdict[] }): Trip | null {
  const threshold = s.breakers?.verification_failures;
  if (threshold === undefined) return null;
  const streak: Verdict[] = [];
  for (const v of s.verdicts) {
    if (v.passed) streak.length = 0;
    else streak.push(v);
  }
  const last = streak.at(-1);
  if (streak.length < threshold || last === undefined) return null;
  return {
    breaker: 'verification_failures',
    key: `proposal:${last.proposalId}`,
    at: last.at,
    effect: 'demote',
    reason: `${streak.length} verifications of ${s.action} in ${s.environment} failed in a row (the last at ${iso(last.at)}), the limit is ${threshold}`,
  };
}

export interface PastExecution {
  id: string;
  startedAt: Date;
}

/**
 * Soft or hard limit: more than `max` executions of the action in the environment within `per`.
 * Counted are executions after the window start and after the previous trip of the same limit,
 * oldest first; the one that crossed the line keys the trip.
 */
export function limitTrip(
  kind: 'soft_limit' | 'hard_limit',
  s: Subject & { limit: Budget | undefined; executions: readonly PastExecution[]; lastTripAt: Date | null; now: Date },
): Trip | null {
  if (s.limit === undefined) return null;
  const windowStart = s.now.getTime() - durationMs(s.limit.per);
  const since = Math.max(windowStart, s.lastTripAt?.getTime() ?? Number.NEGATIVE_INFINITY);
  const counted = s.executions.filter((e) => e.startedAt.getTime() > since);
  const crossing = counted[s.limit.max];
  if (crossing === undefined) return null;
  const what = kind === 'hard_limit' ? 'hard limit' : 'soft limit';
  return {
    breaker: kind,
    key: `execution:${crossing.id}`,
    at: crossing.startedAt,
    effect: kind === 'hard_limit' ? 'pause' : 'demote',
    reason: `${counted.length} executions of ${s.action} in ${s.environment} within ${s.limit.per}, past its ${what} of ${s.limit.max} per ${s.limit.per}`,
  };
}
