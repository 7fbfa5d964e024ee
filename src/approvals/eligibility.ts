import type { EligibleApprovers } from '../policy/decision.ts';
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
