// Whether one person could approve a pending proposal right now, judged by the same pieces a
// click is judged by (the click gate, eligibility, the state machine), so App Home's "Waiting for
// you" never lists a proposal whose Approve click would be refused — nor leaves one out that
// would be taken. Read-only: nothing here expires, cancels or records anything.
import type { AppContext } from '../context.ts';
import type { ProposalState, Requirement } from '../domain/proposal.ts';
import { liveApprovals } from '../store/repos/approvals.ts';
import type { ProposalRow } from '../store/tables.ts';
import { expiryReason } from './clocks.ts';
import { approvalsNeeded, countingApprovals } from './counting.ts';
import { clickGate } from './decide.ts';
import { checkEligibility } from './eligibility.ts';
import { authorizeDecision } from './state-machine.ts';

export type ApprovalChance =
  | { may: true; requirement: Requirement; approvals: number; needed: number }
  /** `blocked`: the policy lets nobody approve it right now (kill switch, budget, cooldown …). */
  | { may: false; blocked: boolean };

export async function mayApproveNow(ctx: AppContext, proposal: ProposalRow, userId: string): Promise<ApprovalChance> {
  if (proposal.state !== 'pending') return { may: false, blocked: false };
  // Its clock ran out: the next click or the expiry job expires it.
  if (expiryReason(proposal, ctx.now(), ctx.policy.current.time_limits)) return { may: false, blocked: false };
  const gate = await clickGate(ctx, ctx.db, proposal, 'approve');
  if ('refusal' in gate) return { may: false, blocked: true };
  const eligibility = await checkEligibility(ctx.usergroups, userId, gate.approvers);
  if (!eligibility.ok) return { may: false, blocked: false };
  const live = await liveApprovals(ctx.db, proposal.id, proposal.hash);
  const subject = { state: proposal.state as ProposalState, requirement: gate.requirement, decidedBy: proposal.decided_by, requestedBy: proposal.requested_by };
  // fromOwnDm: an eligible approver of a two-person change without a DM card gets one on their
  // first Approve click (proposal-buttons.ts), so the DM rule never keeps them from approving.
  const facts = { eligibility, fromOwnDm: true, confirmedTarget: false, alreadyApproved: live.some((a) => a.slack_user === userId), stage: 'click' as const };
  const auth = authorizeDecision(subject, facts, 'approve');
  if (auth.ok === false) return { may: false, blocked: false };
  const counting = await countingApprovals(ctx.usergroups, ctx.db, proposal, gate.approvers);
  return { may: true, requirement: gate.requirement, approvals: counting.length, needed: approvalsNeeded(gate.requirement) };
}
