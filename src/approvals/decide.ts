import type { AppContext } from '../context.ts';
import type { ProposalState, Requirement } from '../domain/proposal.ts';
import { eligibleApprovers } from '../policy/evaluator.ts';
import { ownValue } from '../policy/matchers.ts';
import { appendAudit } from '../store/audit.ts';
import { recordClick } from '../store/repos/clicks.ts';
import { getProposal, transitionProposal } from '../store/repos/proposals.ts';
import { authorizeDecision, type Decision } from './state-machine.ts';

export interface ClickInput {
  proposalId: string;
  userId: string;
  actionId: string;
  decision: Decision;
  retryNum: number | null;
  reason?: string;
}

export type ClickOutcome = { allowed: true; state: ProposalState } | { allowed: false; reason: string };

/**
 * Authorises a click on the server against the *current* policy and the *current* state,
 * then claims the proposal with a guarded update. The click row, the state change, the
 * audit rows and the execution job commit together or not at all.
 */
export async function decideProposal(ctx: AppContext, click: ClickInput): Promise<ClickOutcome> {
  return ctx.db.transaction().execute(async (trx) => {
    const proposal = await getProposal(trx, click.proposalId);
    const deny = async (reason: string): Promise<ClickOutcome> => {
      await recordClick(trx, { proposalId: proposal ? proposal.id : null, userId: click.userId, actionId: click.actionId, allowed: false, reason, retryNum: click.retryNum });
      return { allowed: false, reason };
    };
    if (!proposal) return deny(`unknown proposal '${click.proposalId.slice(0, 64)}'`);
    // Approvers come from the policy in force now, not from when the card was posted.
    const eligible = ownValue(ctx.policy.current.actions, proposal.action) ? eligibleApprovers(ctx.policy.current, proposal.action) : [];
    const auth = authorizeDecision(
      { state: proposal.state as ProposalState, requirement: proposal.requirement as Requirement, decidedBy: proposal.decided_by },
      click.userId,
      eligible,
      click.decision,
    );
    if (!auth.ok) return deny(auth.reason);
    const to: ProposalState = click.decision === 'approve' ? 'approved' : 'rejected';
    const claimed = await transitionProposal(trx, proposal.id, 'pending', to, { decided_by: click.userId, decided_at: ctx.now() });
    // Lost a race with another click or replica between our read and our update.
    if (!claimed) return deny('this proposal was decided a moment ago by someone else');
    await recordClick(trx, { proposalId: proposal.id, userId: click.userId, actionId: click.actionId, allowed: true, reason: to, retryNum: click.retryNum });
    await appendAudit(trx, {
      actor: `slack:${click.userId}`,
      kind: `proposal.${to}`,
      subject: `proposal:${proposal.id}`,
      payload: { hash: proposal.hash, action: proposal.action, target: proposal.target, params: proposal.params, reason: click.reason ?? null },
    });
    if (to === 'approved') await ctx.jobs.enqueueExecution(trx, proposal.id);
    return { allowed: true, state: to };
  });
}
