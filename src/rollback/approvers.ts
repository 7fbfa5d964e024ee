import { joinApprovers } from '../approvals/eligibility.ts';
import type { EligibleApprovers } from '../policy/decision.ts';
import { eligibleApprovers } from '../policy/evaluator.ts';
import type { Policy } from '../policy/schema.ts';

/**
 * Who may judge or undo a change: the approvers the policy in force names for its action, and
 * the admins — the people who could have approved it. Read now, so a person removed from the
 * policy since can no longer press these buttons.
 */
export function undoApprovers(policy: Policy, action: string): EligibleApprovers {
  return joinApprovers(eligibleApprovers(policy, action), { users: policy.admins, usergroups: [] });
}
