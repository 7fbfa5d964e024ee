import type { AppContext } from '../context.ts';
import { appendAudit } from '../store/audit.ts';
import { postEscalation } from '../slack/escalation-note.ts';
import { updateProposalCard } from '../slack/notifier.ts';
import { getProposalWithEvidence } from '../store/repos/proposals.ts';
import { escalationMentions } from './escalate.ts';

/**
 * A diagnosis that recommends escalating (a group at its capacity ceiling, say) calls the policy's
 * escalation group in by itself: nobody has to press a button for the bot to say "a human must
 * decide". Marked on the proposal first, so a retried diagnosis job never calls them twice; the
 * card says the same thing, so a failed post loses no information (it is logged).
 */
export async function escalateIfRecommended(ctx: AppContext, proposalId: string): Promise<void> {
  const policy = ctx.policy.current;
  if (!policy.escalation) return;
  // The frozen evidence decides, not a new look: the recommendation is part of the snapshot.
  const found = await getProposalWithEvidence(ctx.db, { id: proposalId });
  if (found?.evidence.diagnosis.recommendation !== 'escalate') return;
  const mentions = escalationMentions(ctx);
  const marked = await ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('proposals')
      .set({ escalated_at: ctx.now() })
      .where('id', '=', proposalId)
      .where('escalated_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (row) await appendAudit(trx, { actor: 'system', kind: 'proposal.escalated', subject: `proposal:${row.id}`, payload: { reason: 'the diagnosis recommends escalating', to: policy.escalation?.approvers ?? [], channel: policy.escalation?.channel ?? null, mentions } });
    return row;
  });
  if (!marked) return;
  await postEscalation(ctx, marked, null, mentions).catch((err: unknown) => ctx.log.error({ err, proposalId }, 'could not post the recommended escalation'));
  // The card shows who was called in, like after a click on Escalate.
  await updateProposalCard(ctx, proposalId).catch((err: unknown) => ctx.log.error({ err, proposalId }, 'could not update the card after escalating'));
}
