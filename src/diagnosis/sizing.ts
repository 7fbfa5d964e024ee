// Pure: a new desired capacity for an Auto Scaling group, clamped by every bound that applies —
// the group's own MinSize/MaxSize, the policy target's min/max, and the policy's max step from the
// current size — with one sentence per clamp, so the card can say exactly why the number is what
// it is. Shared by the rules that scale out (cpu-saturation) and in (low-utilisation).
import type { CapacityBounds } from '../domain/bounds.ts';
import type { AsgState } from './collectors/autoscaling.ts';

export interface Sizing {
  /** The unclamped number the load asks for (e.g. ceil(desired × avg / target)). */
  raw: number;
  proposed: number;
  /** One sentence per clamp that changed the number. */
  clamps: string[];
  /** Limits that stop the move, when `proposed` did not move in the wanted direction. */
  ceiling: string[];
  /** Set when the bounds contradict each other (no allowed value). */
  conflict: string | null;
}

type Limit = [number, string];

/** Clamps `wanted` into every bound; `direction` says which way the move was meant to go. */
export function clampCapacity(g: Pick<AsgState, 'desired' | 'min' | 'max'>, raw: number, wanted: number, policy: CapacityBounds | null, direction: 'out' | 'in'): Sizing {
  const d = g.desired;
  const upper: Limit[] = [[g.max, `the group's own MaxSize (${g.max})`]];
  const lower: Limit[] = [[g.min, `the group's own MinSize (${g.min})`]];
  if (policy) {
    upper.push([policy.max, `the policy maximum (${policy.max})`], [d + policy.maxStep, `the policy's max step of ${policy.maxStep} from ${d}`]);
    lower.push([policy.min, `the policy minimum (${policy.min})`], [d - policy.maxStep, `the policy's max step of ${policy.maxStep} from ${d}`]);
  }
  const hi = Math.min(...upper.map(([v]) => v));
  const lo = Math.max(...lower.map(([v]) => v));
  const by = (ls: Limit[], v: number) => ls.filter(([x]) => x === v).map(([, why]) => why).join(' and ');
  const out: Sizing = { raw, proposed: d, clamps: [], ceiling: [], conflict: null };
  if (lo > hi) {
    out.conflict = `No desired capacity satisfies every bound: at least ${lo} (${by(lower, lo)}) but at most ${hi} (${by(upper, hi)}).`;
    return out;
  }
  let n = wanted;
  if (n > hi) { out.clamps.push(`Capped from ${n} to ${hi} by ${by(upper, hi)}.`); n = hi; }
  if (n < lo) { out.clamps.push(`Raised from ${n} to ${lo} to meet ${by(lower, lo)}.`); n = lo; }
  out.proposed = n;
  if (direction === 'out' && n <= d) out.ceiling = upper.filter(([v]) => v <= d).map(([, why]) => why);
  if (direction === 'in' && n >= d) out.ceiling = lower.filter(([v]) => v >= d).map(([, why]) => why);
  return out;
}

/** Instances needed to bring average utilisation `avg` to `target`, for the current desired capacity. */
export function instancesFor(desired: number, avg: number, target: number): number {
  // Tiny epsilon: 4 × 90 / 60 must be 6, not 7 through float noise.
  return Math.ceil((desired * avg) / target - 1e-9);
}

/** Scale out for a group over threshold: at least one more instance, whatever the arithmetic says. */
export function sizeScaleOut(g: AsgState, avg: number, targetPct: number, policy: CapacityBounds | null): Sizing {
  const raw = instancesFor(g.desired, avg, targetPct);
  return clampCapacity(g, raw, Math.max(raw, g.desired + 1), policy, 'out');
}

/**
 * Scale in for a group under threshold: down to what the load needs at target, never below it —
 * when the load needs every instance, `proposed` stays at the current size (no move).
 */
export function sizeScaleIn(g: AsgState, avg: number, targetPct: number, policy: CapacityBounds | null, atLeast = 1): Sizing {
  // Never size to zero from arithmetic: one instance (or what the caller's peak needs) is the floor before the bounds apply.
  const raw = Math.max(1, atLeast, instancesFor(g.desired, avg, targetPct));
  return clampCapacity(g, raw, Math.min(raw, g.desired), policy, 'in');
}
