import { appendAudit } from '../audit.ts';
import type { DbOrTrx, Trx } from '../db.ts';

export interface ApprovalRecord {
  proposalId: string;
  userId: string;
  /** The proposal hash the person approved. */
  hash: string;
  via: string;
}

/**
 * Records one person's approval. Returns false when that person already has a live approval on
 * the proposal (a double click or a Slack retry): nobody counts twice.
 */
export async function recordApproval(trx: Trx, a: ApprovalRecord): Promise<boolean> {
  const inserted = await trx
    .insertInto('approvals')
    .values({ proposal_id: a.proposalId, slack_user: a.userId, proposal_hash: a.hash, via: a.via })
    .onConflict((oc) => oc.columns(['proposal_id', 'slack_user']).where('voided_at', 'is', null).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

/** Live approvals that were given for exactly this hash, oldest first. */
export async function liveApprovals(db: DbOrTrx, proposalId: string, hash: string): Promise<{ slack_user: string; via: string; at: Date }[]> {
  return db
    .selectFrom('approvals')
    .select(['slack_user', 'via', 'at'])
    .where('proposal_id', '=', proposalId)
    .where('proposal_hash', '=', hash)
    .where('voided_at', 'is', null)
    .orderBy('at')
    .execute();
}

/** Voids every live approval of a proposal, with the reason, audited in the same transaction. */
export async function voidApprovals(trx: Trx, proposalId: string, reason: string, at: Date): Promise<number> {
  const voided = await trx
    .updateTable('approvals')
    .set({ voided_at: at, void_reason: reason })
    .where('proposal_id', '=', proposalId)
    .where('voided_at', 'is', null)
    .returning('slack_user')
    .execute();
  if (voided.length > 0) {
    await appendAudit(trx, { actor: 'system', kind: 'approvals.voided', subject: `proposal:${proposalId}`, payload: { reason, users: voided.map((v) => v.slack_user) } });
  }
  return voided.length;
}
