import { sql } from 'kysely';
import type { ProposalState } from '../../domain/proposal.ts';
import type { DbOrTrx, Trx } from '../db.ts';
import type { EvidenceSnapshot } from '../../domain/evidence.ts';
import type { ProposalRow } from '../tables.ts';

export async function getProposal(db: DbOrTrx, id: string): Promise<ProposalRow | undefined> {
  // A malformed id (crafted payload) must read as "not found", not as a database error.
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  return db.selectFrom('proposals').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The incident's live proposal: superseded ones have given way to a newer one. */
/** The proposal with its row locked until the transaction ends: decisions on it happen one after another. */
export async function getProposalForUpdate(trx: Trx, id: string): Promise<ProposalRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return undefined;
  return trx.selectFrom('proposals').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function getProposalForIncident(db: DbOrTrx, incidentId: string): Promise<ProposalRow | undefined> {
  return db.selectFrom('proposals').selectAll().where('incident_id', '=', incidentId).where('state', '<>', 'superseded').executeTakeFirst();
}

/**
 * The only way a proposal changes state: succeeds for exactly one caller when the row is
 * still in `from`. Double clicks, Slack retries and racing replicas get `undefined`.
 */
export async function transitionProposal(
  trx: Trx,
  id: string,
  from: ProposalState,
  to: ProposalState,
  set: { decided_by?: string; decided_at?: Date; outcome?: string; execute_by?: Date } = {},
): Promise<ProposalRow | undefined> {
  return trx
    .updateTable('proposals')
    .set({ ...set, state: to, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .where('state', '=', from)
    .returningAll()
    .executeTakeFirst();
}

export async function setProposalMessage(db: DbOrTrx, id: string, channel: string, ts: string): Promise<void> {
  await db.updateTable('proposals').set({ slack_channel: channel, slack_ts: ts }).where('id', '=', id).execute();
}

export interface ProposalWithEvidence {
  proposal: ProposalRow;
  /** Written by the bot itself when the proposal was made (see approvals/evidence-snapshot.ts). */
  evidence: EvidenceSnapshot;
}

/** A proposal with its frozen evidence, by id or by its channel card (channel + message ts). */
export async function getProposalWithEvidence(db: DbOrTrx, by: { id: string } | { channel: string; ts: string }): Promise<ProposalWithEvidence | undefined> {
  let q = db.selectFrom('proposals').innerJoin('evidence', 'evidence.id', 'proposals.evidence_id').selectAll('proposals').select('evidence.snapshot');
  if ('id' in by) {
    if (!/^[0-9a-f-]{36}$/i.test(by.id)) return undefined;
    q = q.where('proposals.id', '=', by.id);
  } else {
    q = q.where('proposals.slack_channel', '=', by.channel).where('proposals.slack_ts', '=', by.ts);
  }
  const row = await q.executeTakeFirst();
  if (!row) return undefined;
  const { snapshot, ...proposal } = row;
  return { proposal, evidence: snapshot as EvidenceSnapshot };
}
