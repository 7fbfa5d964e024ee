import type { AppContext } from '../context.ts';
import { eligibleApprovers } from '../policy/evaluator.ts';
import { appendAudit } from '../store/audit.ts';
import { recordClick } from '../store/repos/clicks.ts';
import { getProposalForUpdate } from '../store/repos/proposals.ts';
import type { ProposalRow } from '../store/tables.ts';
import { checkEligibility, escalationApprovers, joinApprovers } from './eligibility.ts';

export interface EscalateInput {
  proposalId: string;
  userId: string;
  retryNum: number | null;
  seenMs?: number | null;
}

export type EscalateOutcome = { allowed: true; proposal: ProposalRow; mentions: string[] } | { allowed: false; reason: string };

/** Who an escalation calls in: the escalation groups' users and user groups, and the channel. */
export function escalationMentions(ctx: AppContext): string[] {
  const e = ctx.policy.current.escalation;
  if (!e) return [];
  const { users, usergroups } = escalationApprovers(ctx.policy.current);
  return [...users, ...usergroups, ...(e.channel ? [e.channel] : [])];
}

/**
 * Escalate: the proposal's approvers (or an admin) call in the policy's escalation group, who
 * may then decide as well. Recorded and audited like any click; once per proposal.
 */
export async function escalateProposal(ctx: AppContext, input: EscalateInput): Promise<EscalateOutcome> {
  return ctx.db.transaction().execute(async (trx) => {
    const p = await getProposalForUpdate(trx, input.proposalId);
    const record = (allowed: boolean, reason: string) =>
      recordClick(trx, { proposalId: p?.id ?? null, userId: input.userId, actionId: 'proposal.escalate', allowed, reason, retryNum: input.retryNum, seenMs: input.seenMs ?? null });
    const deny = async (reason: string): Promise<EscalateOutcome> => {
      await record(false, reason);
      return { allowed: false, reason };
    };
    if (!p) return deny(`unknown proposal '${input.proposalId.slice(0, 64)}'`);
    const policy = ctx.policy.current;
    if (!policy.escalation) return deny('the policy names no escalation group, so there is nobody to escalate to');
    if (p.state !== 'pending') return deny(`this proposal is already ${p.state}; nothing to escalate`);
    if (p.escalated_at) return deny(`this proposal was already escalated by ${p.escalated_by ?? 'someone'}`);
    const approvers = eligibleApprovers(policy, p.action);
    const eligibility = await checkEligibility(ctx.usergroups, input.userId, joinApprovers(approvers, { users: policy.admins, usergroups: [] }));
    if (!eligibility.ok) return deny(eligibility.reason);
    const now = ctx.now();
    const updated = await trx
      .updateTable('proposals')
      .set({ escalated_at: now, escalated_by: input.userId })
      .where('id', '=', p.id)
      .where('escalated_at', 'is', null)
      .returningAll()
      .executeTakeFirstOrThrow();
    const mentions = escalationMentions(ctx);
    await record(true, 'escalated');
    await appendAudit(trx, { actor: `slack:${input.userId}`, kind: 'proposal.escalated', subject: `proposal:${p.id}`, payload: { to: policy.escalation.approvers, channel: policy.escalation.channel ?? null, mentions } });
    return { allowed: true, proposal: updated, mentions };
  });
}
