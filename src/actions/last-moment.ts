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
  /** Approvals on it that still count now (bound to its hash, by people still eligible). */
  counting: number;
  /** How many the requirement in force needs. */
  needed: number;
}

export function lastMomentRefusals(decision: PolicyDecision, approved: ApprovedProposal): string[] {
  if (!decision.ok) return decision.reasons;
  const reasons: string[] = [];
  // The policy may have been tightened (or the auto tier paused) since the approval.
  if (requirementOrder.indexOf(decision.requirement) > requirementOrder.indexOf(approved.requirement)) {
    reasons.push(`the policy now requires '${decision.requirement}' but this proposal was approved under '${approved.requirement}'`);
  }
  if (approved.decidedBy !== AUTO_APPROVER && approved.counting < approved.needed) {
    const count = `${approved.counting} of the ${approved.needed} approval(s) needed still count`;
    reasons.push(
      decision.freeze
        ? `freeze '${decision.freeze.name}' is active until ${decision.freeze.until.toISOString()}: only admins' approvals let a change run, and ${count}`
        : `${count}: an approver is no longer eligible under the policy in force`,
    );
  }
  return reasons;
}
