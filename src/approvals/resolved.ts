import type { AppContext } from '../context.ts';
import { updateProposalCard } from '../slack/notifier.ts';
import { getProposalForUpdate } from '../store/repos/proposals.ts';
import { ALERT_RESOLVED, cancelInTrx } from './cancel.ts';

/**
 * The incident's alerts have all resolved: a proposal still waiting (for approval, or approved
 * but not started) is cancelled with a note, its approvals void, and its cards say so. Runs as
 * a job after the ingest commits, so the webhook never waits on proposal locks.
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
  for (const id of cancelled) {
    ctx.log.info({ proposalId: id, incidentId }, 'proposal cancelled: the alert resolved');
    await updateProposalCard(ctx, id).catch((err: unknown) => ctx.log.error({ err, proposalId: id }, 'could not update the cards of a cancelled proposal'));
  }
}
