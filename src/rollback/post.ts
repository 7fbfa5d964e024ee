// After a rollback proposal commits: its card in the original's thread, the DM cards a
// two-person requirement needs, its approval clock, and the original's card (whose Rollback
// button gives way to a note). Each step skips what is done, so a retry completes the rest.
import type { AppContext } from '../context.ts';
import { startApprovalClock } from '../approvals/clocks.ts';
import { postApprovalDms, postProposalCard, updateProposalCard } from '../slack/notifier.ts';

export async function postRollback(ctx: AppContext, rollbackId: string, originalId: string): Promise<void> {
  const row = await ctx.db.selectFrom('proposals').select(['slack_ts', 'state', 'requirement']).where('id', '=', rollbackId).executeTakeFirstOrThrow();
  if (!row.slack_ts) await postProposalCard(ctx, rollbackId);
  if (row.state === 'pending' && row.requirement === 'two') await postApprovalDms(ctx, rollbackId);
  await startApprovalClock(ctx, rollbackId);
  await updateProposalCard(ctx, originalId);
}
