import type { EligibleApprovers } from '../policy/decision.ts';
import type { Policy } from '../policy/schema.ts';
import type { UsergroupDirectory } from '../slack/usergroups.ts';

export type Eligibility = { ok: true; userId: string; via: string } | { ok: false; userId: string; reason: string };

function listed(approvers: EligibleApprovers): string {
  const all = [...approvers.users, ...approvers.usergroups];
  return all.length > 0 ? all.join(', ') : 'none';
}

/**
 * Whether `userId` may decide, directly or through a user group whose members are read now.
 * Fail closed: a group whose members cannot be read counts for nobody, and the reason says so.
 */
export async function checkEligibility(directory: UsergroupDirectory, userId: string, approvers: EligibleApprovers): Promise<Eligibility> {
  if (approvers.users.includes(userId)) return { ok: true, userId, via: 'named approver' };
  const unreadable: string[] = [];
  for (const group of approvers.usergroups) {
    const members = await directory.members(group);
    if (!members.ok) unreadable.push(`${group} (${members.error})`);
    else if (members.users.includes(userId)) return { ok: true, userId, via: `member of user group ${group}` };
  }
  const base = `you are not an eligible approver for this action (approvers: ${listed(approvers)})`;
  if (unreadable.length === 0) return { ok: false, userId, reason: base };
  return { ok: false, userId, reason: `${base}; the members of user group(s) ${unreadable.join(', ')} could not be read, so they approve nobody until Slack answers` };
}

export function joinApprovers(a: EligibleApprovers, b: Pick<EligibleApprovers, 'users' | 'usergroups'> | null): EligibleApprovers {
  if (!b) return a;
  return { groups: a.groups, users: [...new Set([...a.users, ...b.users])], usergroups: [...new Set([...a.usergroups, ...b.usergroups])] };
}

/** Who the policy's escalation groups name: eligible once someone has escalated the proposal. */
export function escalationApprovers(policy: Policy): Pick<EligibleApprovers, 'users' | 'usergroups'> {
  const groups = (policy.escalation?.approvers ?? []).flatMap((g) => (Object.hasOwn(policy.approvers, g) ? [policy.approvers[g]] : []));
  return { users: [...new Set(groups.flatMap((g) => g?.users ?? []))], usergroups: [...new Set(groups.flatMap((g) => g?.usergroups ?? []))] };
}

/**
 * The approvers of a decision, widened by the escalation group once the proposal is escalated —
 * except during a freeze, when the evaluator has narrowed them to the admins on purpose.
 */
export function withEscalation(policy: Policy, decision: { approvers: EligibleApprovers; freeze: unknown }, escalated: boolean): EligibleApprovers {
  return escalated && !decision.freeze ? joinApprovers(decision.approvers, escalationApprovers(policy)) : decision.approvers;
}
