import type { AppContext } from '../context.ts';
import { allApprovers } from '../control/kill-switch.ts';
import { checkEligibility } from './eligibility.ts';

export type PolicyPerson = { ok: true; via: string } | { ok: false; reason: string };

/**
 * Whether `userId` is one of the policy's people: an admin, or an approver of any action — named
 * or through a user group whose members are read now (fail closed, like every approval). For what
 * is not tied to one action: simulating a card, seeing the digest.
 */
export async function approverOrAdmin(ctx: AppContext, userId: string, what: string): Promise<PolicyPerson> {
  const policy = ctx.policy.current;
  if (policy.admins.includes(userId)) return { ok: true, via: 'admin' };
  const eligible = await checkEligibility(ctx.usergroups, userId, allApprovers(policy));
  return eligible.ok ? { ok: true, via: eligible.via } : { ok: false, reason: `only an approver or an admin of the policy may ${what} (admins: ${policy.admins.join(', ') || 'none'})` };
}
