import type { AppContext } from '../context.ts';
import { updateProposalCard } from '../slack/notifier.ts';
import { getProposalForUpdate } from '../store/repos/proposals.ts';
import { ALERT_RESOLVED, cancelInTrx } from './cancel.ts';

/**
 * The incident's alerts have all resolved: a proposal still waiting (for approval, or approved
 * but not started) is cancelled with a note, its approvals void, and its cards say so. Runs as
 * a job after the ingest commits, so the webhook never waits on proposal locks.
 *
 * Then every posted card of the incident is re-rendered, cancelled or not: a resolved incident is
 * what opens "How did the bot do?" on them (blocks/feedback.ts). Safe to retry: a cancelled
 * proposal is not cancelled again, and re-rendering a card from committed state is idempotent. A
 * proposal still executing shows no buttons yet; it gets them when its outcome updates the card.
 */
export async function cancelForResolvedIncident(ctx: AppContext, incidentId: string): Promise<void> {
  const cancelled = await ctx.db.transaction().execute(async (trx) => {
    const live = await trx.selectFrom('proposals').select('id').where('incident_id', '=', incidentId).where('state', 'in', ['pending', 'approved']).execute();
    const ids: string[] = [];
    for (const { id } of live) {
      const p = await getProposalForUpdate(trx, id);
      if (p?.state !== 'pending' && p?.state !== 'approved') continue;
      await cancelInTrx(trx, p, ALERT_RESOLVED, ctx.now());
      ids.push(id);
    }
    return ids;
  });
  for (const id of cancelled) ctx.log.info({ proposalId: id, incidentId }, 'proposal cancelled: the alert resolved');
  const posted = await ctx.db.selectFrom('proposals').select('id').where('incident_id', '=', incidentId).where('slack_ts', 'is not', null).orderBy('created_at').execute();
  // The cancelled ones too, posted or not: their DM cards (two-person) must stop offering Approve.
  const ids = [...new Set([...cancelled, ...posted.map((p) => p.id)])];
  for (const id of ids) {
    await updateProposalCard(ctx, id).catch((err: unknown) => ctx.log.error({ err, proposalId: id }, 'could not update the cards of a proposal whose incident resolved'));
  }
}
