// Pure: what stops an approved proposal at the last moment before its executor runs, given the
// policy's decision under the state of the world now. Budget, cooldown, kill switch, bounds and
// whitelist come from the decision itself; this adds what only the approval can tell.
import { AUTO_APPROVER, type Requirement } from '../domain/proposal.ts';
import type { PolicyDecision } from '../policy/decision.ts';
import { requirementOrder } from '../policy/decision.ts';

export interface ApprovedProposal {
  requirement: Requirement;
  /** A Slack user id, or AUTO_APPROVER when the policy approved it on its own. */
  decidedBy: string | null;
  /** Whether the decider is still an eligible approver now (directly or through a user group). */
  approverEligible: boolean;
}

export function lastMomentRefusals(decision: PolicyDecision, approved: ApprovedProposal): string[] {
  if (!decision.ok) return decision.reasons;
  const reasons: string[] = [];
  // The policy may have been tightened (or the auto tier paused) since the approval.
  if (requirementOrder.indexOf(decision.requirement) > requirementOrder.indexOf(approved.requirement)) {
    reasons.push(`the policy now requires '${decision.requirement}' but this proposal was approved under '${approved.requirement}'`);
  }
  const by = approved.decidedBy;
  if (by !== AUTO_APPROVER && (by === null || !approved.approverEligible)) {
    const who = by ?? 'nobody';
    reasons.push(
      decision.freeze
        ? `freeze '${decision.freeze.name}' is active until ${decision.freeze.until.toISOString()}: only an admin's approval lets a change run, and it was approved by ${who}`
        : `${who} is no longer an eligible approver of this action under the policy in force`,
    );
  }
  return reasons;
}
