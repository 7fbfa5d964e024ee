import { confirmsTarget } from '../../blocks/modals.ts';
import type { AppContext } from '../context.ts';
import type { ProposalState, Requirement } from '../domain/proposal.ts';
import { stricter } from '../policy/decision.ts';
import type { EligibleApprovers } from '../policy/decision.ts';
import { eligibleApprovers } from '../policy/evaluator.ts';
import { durationMs, type Policy } from '../policy/schema.ts';
import { appendAudit } from '../store/audit.ts';
import type { DbOrTrx, Trx } from '../store/db.ts';
import { liveApprovals, recordApproval } from '../store/repos/approvals.ts';
import { recordClick } from '../store/repos/clicks.ts';
import { getProposalForUpdate, transitionProposal } from '../store/repos/proposals.ts';
import type { ProposalRow } from '../store/tables.ts';
import { approvalsNeeded, countingApprovals } from './counting.ts';
import { checkEligibility, escalationApprovers, joinApprovers, withEscalation, type Eligibility } from './eligibility.ts';
import { ALERT_RESOLVED, cancelInTrx, incidentResolved } from './cancel.ts';
import { expireInTrx, expiryReason } from './clocks.ts';
import { evaluateProposalRowNow } from './policy-now.ts';
import { authorizeDecision, type Decision } from './state-machine.ts';

export interface ClickInput {
  proposalId: string;
  userId: string;
  actionId: string;
  decision: Decision;
  retryNum: number | null;
  /** The channel the click came from (a DM card's channel for two-person approvals). */
  channelId?: string | null;
  /** Milliseconds between the card being shown and the click, when known. */
  seenMs?: number | null;
  /** 'click': a button; 'dialog': the modal the click opened (reject reason, typed target). */
  stage: 'click' | 'dialog';
  /** What the person typed in the confirmation dialog (two-person approvals). */
  typedTarget?: string;
  reason?: string;
}

export type ClickOutcome =
  | { allowed: true; state: ProposalState; approvals?: number; needed?: number }
  /** Allowed so far; the listener opens the dialog in which the decision is made. */
  | { allowed: true; dialog: true; proposal: Pick<ProposalRow, 'id' | 'action' | 'target' | 'environment'> }
  /** `changed`: the refusal itself changed the proposal (it expired), so its cards need updating. */
  | { allowed: false; reason: string; changed?: boolean; code?: 'use-dm-card' };

export type Gate = { requirement: Requirement; approvers: EligibleApprovers } | { refusal: string };

/**
 * Who may decide, from the policy in force now (not when the card was posted). An approval
 * also needs the policy to allow the change now — kill switch, freeze, budget, cooldown — so a
 * paused bot keeps the proposal pending instead of taking approvals it would refuse to run.
 * Rejecting is always safe: the action's approvers, escalation approvers and admins may reject.
 * Also read by App Home ("Waiting for you"), so the list and the click judge alike.
 */
export async function clickGate(ctx: AppContext, trx: DbOrTrx, proposal: ProposalRow, decision: Decision): Promise<Gate> {
  const policy = ctx.policy.current;
  const stored = proposal.requirement as Requirement;
  const escalation = proposal.escalated_at ? escalationApprovers(policy) : null;
  if (decision === 'reject' || proposal.state !== 'pending') {
    const approvers = eligibleApprovers(policy, proposal.action);
    return { requirement: stored, approvers: joinApprovers(joinApprovers(approvers, { users: policy.admins, usergroups: [] }), escalation) };
  }
  const now = await evaluateProposalRowNow(trx, policy, proposal, ctx.now());
  if (!now.ok) return { refusal: `the policy does not allow this change right now: ${now.reasons.join('; ')}` };
  // Never looser than what the card promised, even if the policy was relaxed since. During a
  // freeze the evaluator narrows approvers to the admins; escalation does not widen that.
  const approvers = withEscalation(policy, now, proposal.escalated_at !== null);
  return { requirement: stricter(stored, now.requirement), approvers };
}

/** How the approver was eligible, for the audit: named, through a user group, or called in by escalation. */
function viaOf(eligibility: Eligibility, policy: Policy, proposal: ProposalRow): string {
  if (!eligibility.ok) return 'unknown';
  const named = eligibleApprovers(policy, proposal.action).users.includes(eligibility.userId) || policy.admins.includes(eligibility.userId);
  return eligibility.via === 'named approver' && !named && proposal.escalated_at ? 'escalation approver' : eligibility.via;
}

async function fromOwnDm(trx: Trx, proposalId: string, userId: string, channelId: string | null | undefined): Promise<boolean> {
  if (!channelId) return false;
  const card = await trx
    .selectFrom('proposal_messages')
    .select('ts')
    .where('proposal_id', '=', proposalId)
    .where('kind', '=', 'dm')
    .where('slack_user', '=', userId)
    .where('channel', '=', channelId)
    .executeTakeFirst();
  return card !== undefined;
}

/**
 * Authorises a click on the server against the *current* policy and the *current* state, under
 * the proposal's row lock, so concurrent clicks, Slack retries and replicas are decided one
 * after another. The click row, the approval, the state change, the audit rows and the jobs
 * commit together or not at all.
 */
export async function decideProposal(ctx: AppContext, click: ClickInput): Promise<ClickOutcome> {
  return ctx.db.transaction().execute(async (trx) => {
    const proposal = await getProposalForUpdate(trx, click.proposalId);
    const record = (allowed: boolean, reason: string) =>
      recordClick(trx, { proposalId: proposal?.id ?? null, userId: click.userId, actionId: click.actionId, allowed, reason, retryNum: click.retryNum, seenMs: click.seenMs ?? null });
    const deny = async (reason: string, changed = false): Promise<ClickOutcome> => {
      await record(false, reason);
      return { allowed: false, reason, ...(changed ? { changed } : {}) };
    };
    if (!proposal) return deny(`unknown proposal '${click.proposalId.slice(0, 64)}'`);
    // The clock is checked here too, not only by the scheduled job: a late job must not let a late click through.
    const late = expiryReason(proposal, ctx.now(), ctx.policy.current.time_limits);
    if (late) {
      await expireInTrx(trx, proposal, late, ctx.now());
      return deny(`this proposal has expired: ${late}`, true);
    }
    // The alert is over: there is nothing left to approve.
    if (proposal.state === 'pending' && (await incidentResolved(trx, proposal.incident_id))) {
      await cancelInTrx(trx, proposal, ALERT_RESOLVED, ctx.now());
      return deny(`this proposal was cancelled: ${ALERT_RESOLVED}`, true);
    }
    const gate = await clickGate(ctx, trx, proposal, click.decision);
    if ('refusal' in gate) return deny(gate.refusal);
    const eligibility: Eligibility = await checkEligibility(ctx.usergroups, click.userId, gate.approvers);
    const already = (await liveApprovals(trx, proposal.id, proposal.hash)).some((a) => a.slack_user === click.userId);
    const facts = {
      eligibility,
      fromOwnDm: await fromOwnDm(trx, proposal.id, click.userId, click.channelId),
      confirmedTarget: confirmsTarget(click.typedTarget, proposal.target),
      alreadyApproved: already,
      stage: click.stage,
    };
    const subject = { state: proposal.state as ProposalState, requirement: gate.requirement, decidedBy: proposal.decided_by, requestedBy: proposal.requested_by };
    const auth = authorizeDecision(subject, facts, click.decision);
    if (auth.ok === 'dialog') {
      await record(true, click.decision === 'reject' ? 'reason dialog opened' : 'confirmation dialog opened');
      return { allowed: true, dialog: true, proposal: { id: proposal.id, action: proposal.action, target: proposal.target, environment: proposal.environment } };
    }
    if (!auth.ok) {
      const denied = await deny(auth.reason);
      return auth.code ? { ...denied, code: auth.code } : denied;
    }
    if (click.decision === 'reject') return reject(ctx, trx, proposal, click, record);
    const via = viaOf(eligibility, ctx.policy.current, proposal);
    await recordApproval(trx, { proposalId: proposal.id, userId: click.userId, hash: proposal.hash, via });
    const counting = await countingApprovals(ctx.usergroups, trx, proposal, gate.approvers);
    const needed = approvalsNeeded(gate.requirement);
    await appendAudit(trx, {
      actor: `slack:${click.userId}`,
      kind: 'proposal.approval',
      subject: `proposal:${proposal.id}`,
      payload: { hash: proposal.hash, via, counting, needed, seenMs: click.seenMs ?? null },
    });
    if (counting.length < needed) {
      await record(true, `approval ${counting.length} of ${needed}`);
      return { allowed: true, state: 'pending', approvals: counting.length, needed };
    }
    const now = ctx.now();
    const executeBy = new Date(now.getTime() + durationMs(ctx.policy.current.time_limits.execution));
    await transitionProposal(trx, proposal.id, 'pending', 'approved', { decided_by: click.userId, decided_at: now, execute_by: executeBy });
    await record(true, 'approved');
    await appendAudit(trx, {
      actor: `slack:${click.userId}`,
      kind: 'proposal.approved',
      subject: `proposal:${proposal.id}`,
      payload: { hash: proposal.hash, action: proposal.action, target: proposal.target, params: proposal.params, approvers: counting, executeBy: executeBy.toISOString() },
    });
    await ctx.jobs.enqueueExecution(trx, proposal.id);
    await ctx.jobs.scheduleExpiry(trx, proposal.id, executeBy);
    return { allowed: true, state: 'approved', approvals: counting.length, needed };
  });
}

async function reject(
  ctx: AppContext,
  trx: Trx,
  proposal: ProposalRow,
  click: ClickInput,
  record: (allowed: boolean, reason: string) => Promise<void>,
): Promise<ClickOutcome> {
  await transitionProposal(trx, proposal.id, 'pending', 'rejected', { decided_by: click.userId, decided_at: ctx.now(), ...(click.reason ? { outcome: `Reason: ${click.reason}` } : {}) });
  await record(true, click.reason ? `rejected: ${click.reason}` : 'rejected');
  await appendAudit(trx, {
    actor: `slack:${click.userId}`,
    kind: 'proposal.rejected',
    subject: `proposal:${proposal.id}`,
    payload: { hash: proposal.hash, action: proposal.action, target: proposal.target, params: proposal.params, reason: click.reason ?? null },
  });
  return { allowed: true, state: 'rejected' };
}
