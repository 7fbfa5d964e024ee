// The two clocks of a proposal: the approval window runs from the card being posted, the
// execution window from the last required approval. When either runs out the proposal expires
// and nothing runs later — checked by a scheduled job and again when an execution is claimed.
import type { AppContext } from '../context.ts';
import { durationMs } from '../policy/schema.ts';
import type { Policy } from '../policy/schema.ts';
import { appendAudit } from '../store/audit.ts';
import type { Trx } from '../store/db.ts';
import { voidApprovals } from '../store/repos/approvals.ts';
import { getProposalForUpdate, transitionProposal } from '../store/repos/proposals.ts';
import type { ProposalRow } from '../store/tables.ts';
import { updateProposalCard } from '../slack/notifier.ts';

type Clocked = Pick<ProposalRow, 'state' | 'approval_expires_at' | 'execute_by' | 'decided_at'>;

/** Pure: why the proposal has expired at `now`, or null while its clock still runs. */
export function expiryReason(p: Clocked, now: Date, limits: Policy['time_limits']): string | null {
  if (p.state === 'pending' && p.approval_expires_at && now >= p.approval_expires_at) {
    return `no decision within the approval window of ${limits.approval}`;
  }
  if (p.state === 'approved' && p.execute_by && now >= p.execute_by) {
    const at = p.decided_at ? ` (approved at ${p.decided_at.toISOString()})` : '';
    return `not started within the execution window of ${limits.execution}${at}`;
  }
  return null;
}

/** Expires a proposal whose clock has run out, voiding its approvals; in the caller's transaction. */
export async function expireInTrx(trx: Trx, p: ProposalRow, reason: string, now: Date): Promise<void> {
  await transitionProposal(trx, p.id, p.state as 'pending' | 'approved', 'expired', { outcome: `Expired: ${reason}; nothing ran` });
  await voidApprovals(trx, p.id, `expired: ${reason}`, now);
  await appendAudit(trx, { actor: 'system', kind: 'proposal.expired', subject: `proposal:${p.id}`, payload: { reason, from: p.state, hash: p.hash } });
}

/** The scheduled check: expires the proposal if a clock has run out, then updates its cards. */
export async function expireIfDue(ctx: AppContext, proposalId: string): Promise<void> {
  const expired = await ctx.db.transaction().execute(async (trx) => {
    const p = await getProposalForUpdate(trx, proposalId);
    if (!p) return false;
    const reason = expiryReason(p, ctx.now(), ctx.policy.current.time_limits);
    if (!reason) {
      // Fired early (the queue's clock and ours differ slightly): check again at the deadline.
      const deadline = p.state === 'pending' ? p.approval_expires_at : p.state === 'approved' ? p.execute_by : null;
      if (deadline && deadline > ctx.now()) await ctx.jobs.scheduleExpiry(trx, proposalId, new Date(deadline.getTime() + 1_000));
      return false;
    }
    await expireInTrx(trx, p, reason, ctx.now());
    return true;
  });
  if (!expired) return;
  ctx.log.info({ proposalId }, 'proposal expired');
  await updateProposalCard(ctx, proposalId);
}

/** Starts the approval clock once the card is up: from now, for the policy's approval window. */
export async function startApprovalClock(ctx: AppContext, proposalId: string): Promise<void> {
  const now = ctx.now();
  const expiresAt = new Date(now.getTime() + durationMs(ctx.policy.current.time_limits.approval));
  await ctx.db.transaction().execute(async (trx) => {
    const started = await trx
      .updateTable('proposals')
      .set({ posted_at: now, approval_expires_at: expiresAt })
      .where('id', '=', proposalId)
      .where('state', '=', 'pending')
      .where('posted_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (started) await ctx.jobs.scheduleExpiry(trx, proposalId, expiresAt);
  });
}
