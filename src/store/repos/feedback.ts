import { feedbackClosed, type FeedbackTally, type FeedbackVerdict } from '../../domain/feedback.ts';
import { appendAudit } from '../audit.ts';
import type { DbOrTrx, Trx } from '../db.ts';

export interface FeedbackAnswer {
  proposalId: string;
  userId: string;
  verdict: FeedbackVerdict;
  /** How the person is allowed to answer (named approver, member of a user group, admin). */
  via: string;
  seenMs: number | null;
  now: Date;
}

export type FeedbackWrite = { kind: 'recorded' } | { kind: 'changed'; previous: FeedbackVerdict } | { kind: 'unchanged' };

/**
 * Records a person's answer, or their change of mind, with its audit row in the same transaction.
 * The caller holds the proposal's row lock, so one person's clicks on one proposal are serialised;
 * the unique (proposal, person) key still makes a second row impossible. The same answer again
 * (a Slack retry, a double click) changes nothing and is not audited as an answer.
 */
export async function upsertFeedback(trx: Trx, a: FeedbackAnswer): Promise<FeedbackWrite> {
  const before = await trx
    .selectFrom('feedback')
    .select('verdict')
    .where('proposal_id', '=', a.proposalId)
    .where('slack_user', '=', a.userId)
    .forUpdate()
    .executeTakeFirst();
  if (before?.verdict === a.verdict) return { kind: 'unchanged' };
  await trx
    .insertInto('feedback')
    .values({ proposal_id: a.proposalId, slack_user: a.userId, verdict: a.verdict, created_at: a.now, updated_at: a.now })
    .onConflict((oc) => oc.columns(['proposal_id', 'slack_user']).doUpdateSet({ verdict: a.verdict, updated_at: a.now }))
    .execute();
  await appendAudit(trx, {
    actor: `slack:${a.userId}`,
    kind: before ? 'feedback.changed' : 'feedback.recorded',
    subject: `proposal:${a.proposalId}`,
    payload: { verdict: a.verdict, previous: before?.verdict ?? null, via: a.via, seenMs: a.seenMs },
  });
  return before ? { kind: 'changed', previous: before.verdict } : { kind: 'recorded' };
}

export async function feedbackTally(db: DbOrTrx, proposalId: string): Promise<FeedbackTally> {
  const rows = await db
    .selectFrom('feedback')
    .select((eb) => ['verdict', eb.fn.countAll<string>().as('n')])
    .where('proposal_id', '=', proposalId)
    .groupBy('verdict')
    .execute();
  const n = (v: FeedbackVerdict) => Number(rows.find((r) => r.verdict === v)?.n ?? 0);
  return { right: n('right'), wrong: n('wrong'), shouldEscalate: n('should_escalate') };
}

/** The answers so far when the card may ask for feedback; null while it may not (see domain/feedback.ts). */
export async function cardFeedback(db: DbOrTrx, proposal: { id: string; incident_id: string; state: string }): Promise<FeedbackTally | null> {
  const incident = await db.selectFrom('incidents').select('status').where('id', '=', proposal.incident_id).executeTakeFirst();
  if (feedbackClosed(incident?.status, proposal.state) !== null) return null;
  return feedbackTally(db, proposal.id);
}
