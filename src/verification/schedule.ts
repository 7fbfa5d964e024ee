import type { AppContext } from '../context.ts';
import { ownValue } from '../policy/matchers.ts';
import { durationMs } from '../policy/schema.ts';
import type { Trx } from '../store/db.ts';
import type { ProposalRow } from '../store/tables.ts';

/**
 * Called in the transaction that records an execution's success, so the check is durable exactly
 * when the success is: `verify.after` from now, one job per proposal. A rollback is not verified
 * against the original's signal: it restores a state its executor has just confirmed, and judging
 * it by the signal that already failed could roll back the rollback, back and forth.
 */
export async function scheduleVerificationInTrx(ctx: AppContext, trx: Trx, proposal: Pick<ProposalRow, 'id' | 'action' | 'rollback_of'>): Promise<void> {
  if (proposal.rollback_of) return;
  const verify = ownValue(ctx.policy.current.actions, proposal.action)?.verify;
  if (!verify) return;
  if (!ctx.jobs.scheduleVerification) {
    ctx.log.warn({ proposalId: proposal.id }, 'this process has no verification queue: the change will not be verified');
    return;
  }
  await ctx.jobs.scheduleVerification(trx, proposal.id, new Date(ctx.now().getTime() + durationMs(verify.after)));
}
