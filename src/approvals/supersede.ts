import type { AppContext } from '../context.ts';
import type { ProposalState } from '../domain/proposal.ts';
import { appendAudit } from '../store/audit.ts';
import type { Trx } from '../store/db.ts';
import { voidApprovals } from '../store/repos/approvals.ts';
import { transitionProposal } from '../store/repos/proposals.ts';
import type { ProposalRow } from '../store/tables.ts';

/**
 * The proposal no longer matches the world (the target changed, or new evidence changes the
 * parameters): it is superseded, every approval on it is void, and the incident is diagnosed
 * again so a new proposal — with its own hash, cards and approvals — can follow.
 */
export async function supersedeInTrx(ctx: AppContext, trx: Trx, p: ProposalRow, from: ProposalState, reason: string): Promise<boolean> {
  const moved = await transitionProposal(trx, p.id, from, 'superseded', { outcome: `Superseded: ${reason}; its approvals are void and a new proposal follows` });
  if (!moved) return false;
  await voidApprovals(trx, p.id, reason, ctx.now());
  await appendAudit(trx, { actor: 'system', kind: 'proposal.superseded', subject: `proposal:${p.id}`, payload: { reason, hash: p.hash } });
  await ctx.jobs.enqueueDiagnosis(trx, p.incident_id);
  return true;
}
