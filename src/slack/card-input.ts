import type { ProposalCardInput } from '../../blocks/proposal.ts';
import type { ProposalState, Requirement } from '../domain/proposal.ts';
import type { AppContext } from '../context.ts';
import { escalationMentions } from '../approvals/escalate.ts';
import { liveApprovals } from '../store/repos/approvals.ts';
import { cardFeedback } from '../store/repos/feedback.ts';
import { getProposalWithEvidence } from '../store/repos/proposals.ts';
import { rollbackOffer } from '../rollback/card.ts';

export interface CardSource {
  input: ProposalCardInput;
  channel: string;
  ts: string | null;
  /** Who asked for the action; never sent an approval card. */
  requestedBy: string | null;
}

/**
 * Everything on a card comes from the proposal row, its approvals and its frozen evidence; only
 * whether escalation is possible (and to whom) comes from the policy in force.
 */
export async function loadCardSource(ctx: AppContext, proposalId: string): Promise<CardSource | undefined> {
  const found = await getProposalWithEvidence(ctx.db, { id: proposalId });
  if (!found) return undefined;
  const { proposal: row, evidence: ev } = found;
  const approvals = await liveApprovals(ctx.db, row.id, row.hash);
  const mentions = escalationMentions(ctx);
  return {
    requestedBy: row.requested_by,
    channel: row.slack_channel ?? ev.channel,
    ts: row.slack_ts,
    input: {
      proposalId: row.id,
      environment: row.environment,
      action: row.action,
      actionDescription: ev.action?.description ?? undefined,
      target: row.target,
      params: row.params,
      requirement: row.requirement as Requirement,
      approvers: row.approvers,
      freeze: ev.policy.freeze ?? null,
      approvals: approvals.map((a) => ({ user: a.slack_user, via: a.via })),
      escalation: { configured: mentions.length > 0, escalatedBy: row.escalated_by, escalatedAt: row.escalated_at, mentions },
      approvalExpiresAt: row.approval_expires_at,
      executeBy: row.execute_by,
      blocked: ev.policy.blocked ?? [],
      dryRun: ev.policy.dryRun === true,
      rollbackOffer: await rollbackOffer(ctx.db, row),
      // A change still running when its incident resolves gets the buttons on the card update
      // that reports its outcome (null until then; proposalCard shows them on the channel card only).
      feedback: await cardFeedback(ctx.db, row),
      blastRadius: ev.action?.blastRadius ?? 'n/a',
      rollback: ev.action?.rollback ?? 'n/a',
      alert: { name: ev.alert.name, severity: ev.alert.severity, summary: ev.alert.summary, link: ev.alert.link },
      diagnosis: ev.diagnosis,
      state: row.state as ProposalState,
      decidedBy: row.decided_by,
      decidedAt: row.decided_at,
      outcome: row.outcome ?? (ev.policy.refusals.length ? `Policy: ${ev.policy.refusals.join('; ')}` : null),
    },
  };
}
