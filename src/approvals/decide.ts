import type { AppContext } from '../context.ts';
import type { ProposalState, Requirement } from '../domain/proposal.ts';
import { stricter } from '../policy/decision.ts';
import { eligibleApprovers } from '../policy/evaluator.ts';
import type { Trx } from '../store/db.ts';
import type { ProposalRow } from '../store/tables.ts';
import { checkEligibility, type Eligibility } from './eligibility.ts';
import { evaluateProposalRowNow } from './policy-now.ts';
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

type Gate = { requirement: Requirement; eligibility: Eligibility } | { refusal: string };

/**
 * Who may decide, from the policy in force now (not when the card was posted), with user group
 * members read now. An approval also needs the policy to allow the change now — kill switch,
 * freeze, budget, cooldown — so a paused bot keeps the proposal pending instead of taking
 * approvals it would refuse to run. Rejecting is always safe: the action's approvers and the
 * admins may reject.
 */
async function clickGate(ctx: AppContext, trx: Trx, proposal: ProposalRow, click: ClickInput): Promise<Gate> {
  const policy = ctx.policy.current;
  const stored = proposal.requirement as Requirement;
  // authorizeDecision refuses a decided proposal first; nothing here needs to be read for it.
  if (proposal.state !== 'pending') return { requirement: stored, eligibility: { ok: false, reason: 'not pending' } };
  if (click.decision === 'reject') {
    const approvers = eligibleApprovers(policy, proposal.action);
    const withAdmins = { ...approvers, users: [...new Set([...approvers.users, ...policy.admins])] };
    return { requirement: stored, eligibility: await checkEligibility(ctx.usergroups, click.userId, withAdmins) };
  }
  const now = await evaluateProposalRowNow(trx, policy, proposal, ctx.now());
  if (!now.ok) return { refusal: `the policy does not allow this change right now: ${now.reasons.join('; ')}` };
  // Never looser than what the card promised, even if the policy was relaxed since.
  return { requirement: stricter(stored, now.requirement), eligibility: await checkEligibility(ctx.usergroups, click.userId, now.approvers) };
}

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
    const gate = await clickGate(ctx, trx, proposal, click);
    if ('refusal' in gate) return deny(gate.refusal);
    const auth = authorizeDecision({ state: proposal.state as ProposalState, requirement: gate.requirement, decidedBy: proposal.decided_by }, gate.eligibility, click.decision);
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
