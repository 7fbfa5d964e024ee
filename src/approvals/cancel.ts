import { appendAudit } from '../store/audit.ts';
import type { Trx } from '../store/db.ts';
import { voidApprovals } from '../store/repos/approvals.ts';
import { transitionProposal } from '../store/repos/proposals.ts';
import type { ProposalRow } from '../store/tables.ts';

export const ALERT_RESOLVED = 'the alert resolved before the change ran';

export async function incidentResolved(trx: Trx, incidentId: string): Promise<boolean> {
  const row = await trx.selectFrom('incidents').select('status').where('id', '=', incidentId).executeTakeFirst();
  return row?.status === 'resolved';
}

/** Cancels a pending or approved proposal (caller holds its row lock), voiding its approvals. */
export async function cancelInTrx(trx: Trx, p: ProposalRow, reason: string, now: Date): Promise<void> {
  await transitionProposal(trx, p.id, p.state as 'pending' | 'approved', 'cancelled', { outcome: `Cancelled: ${reason}; nothing ran` });
  await voidApprovals(trx, p.id, `cancelled: ${reason}`, now);
  await appendAudit(trx, { actor: 'system', kind: 'proposal.cancelled', subject: `proposal:${p.id}`, payload: { reason, hash: p.hash } });
}
