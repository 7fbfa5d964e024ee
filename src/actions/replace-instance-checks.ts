// Pure preconditions of replace-instance: when launching a replacement first and then terminating
// the instance could lower capacity or act on the wrong thing, it does not start. Each reason says
// exactly why, so the card tells a person what to do instead.
import type { CapacityBounds } from '../domain/bounds.ts';

export interface MemberState {
  id: string;
  lifecycle: string;
  health: string;
}

export interface GroupSnapshot {
  name: string;
  desired: number;
  min: number;
  max: number;
  inService: number;
  members: MemberState[];
}

export interface ReplaceParams {
  instanceId: string;
  capacityNeverBelow?: number | undefined;
}

export function replaceRefusals(
  g: GroupSnapshot,
  p: ReplaceParams,
  bounds: CapacityBounds | null,
  observed: Record<string, number> | undefined,
): { reasons: string[]; stale: boolean } {
  const reasons: string[] = [];
  let stale = false;
  const member = g.members.find((m) => m.id === p.instanceId);
  if (!member) {
    reasons.push(`instance ${p.instanceId} is not in ${g.name} (its members: ${g.members.map((m) => m.id).join(', ') || 'none'})`);
    stale = true;
  } else if (member.lifecycle !== 'InService') {
    reasons.push(`instance ${p.instanceId} is ${member.lifecycle}, not InService: Auto Scaling is already acting on it`);
    stale = true;
  }
  if (observed?.desiredCapacity !== undefined && g.desired !== observed.desiredCapacity) {
    reasons.push(`target changed since proposal: desired capacity is ${g.desired}, the diagnosis saw ${observed.desiredCapacity}`);
    stale = true;
  }
  // Mid-change (launching or terminating), "one more in service" could be someone else's instance.
  if (g.inService !== g.desired || g.members.length !== g.desired) {
    reasons.push(`${g.name} is not steady: desired ${g.desired}, ${g.members.length} instance(s) attached, ${g.inService} in service; wait until Auto Scaling settles`);
  }
  if (g.desired >= g.max) {
    reasons.push(`${g.name} is at its MaxSize (${g.max}): the replacement is launched before ${p.instanceId} is terminated, which needs room for one more instance (raise MaxSize to ${g.desired + 1} for the replacement, or replace it by hand)`);
  }
  if (bounds && g.desired + 1 > bounds.max) {
    reasons.push(`launching the replacement first takes desired capacity to ${g.desired + 1}, above the policy bound max ${bounds.max}`);
  }
  const floor = p.capacityNeverBelow;
  if (floor !== undefined && g.inService < floor) {
    reasons.push(`${g.name} has ${g.inService} instance(s) in service, already below capacityNeverBelow ${floor}`);
    stale = true;
  }
  return { reasons, stale };
}

/** Instances of `after` in service that `before` did not have: the replacement(s). */
export function newInService(before: GroupSnapshot, after: GroupSnapshot): string[] {
  const known = new Set(before.members.map((m) => m.id));
  return after.members.filter((m) => m.lifecycle === 'InService' && !known.has(m.id)).map((m) => m.id);
}
