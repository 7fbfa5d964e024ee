// Verification rows: one per execution (unique), its verdict written once, its human decision
// set once by a guarded update.
import type { Insertable, Selectable } from 'kysely';
import type { DbOrTrx, Trx } from '../store/db.ts';
import type { VerificationsTable } from '../store/tables.ts';

export type VerificationRow = Selectable<VerificationsTable>;

const UUID = /^[0-9a-f-]{36}$/i;

/** Inserts the verdict unless this execution already has one; returns the row that stands. */
export async function insertVerification(trx: Trx, row: Insertable<VerificationsTable>): Promise<{ row: VerificationRow; inserted: boolean }> {
  const inserted = await trx.insertInto('verifications').values(row).onConflict((oc) => oc.column('execution_id').doNothing()).returningAll().executeTakeFirst();
  if (inserted) return { row: inserted, inserted: true };
  const existing = await trx.selectFrom('verifications').selectAll().where('execution_id', '=', row.execution_id).executeTakeFirstOrThrow();
  return { row: existing, inserted: false };
}

export async function getVerification(db: DbOrTrx, id: string): Promise<VerificationRow | undefined> {
  // A crafted button value must read as "not found", not as a database error.
  if (!UUID.test(id)) return undefined;
  return db.selectFrom('verifications').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getVerificationForUpdate(trx: Trx, id: string): Promise<VerificationRow | undefined> {
  if (!UUID.test(id)) return undefined;
  return trx.selectFrom('verifications').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export async function verificationOfProposal(db: DbOrTrx, proposalId: string): Promise<VerificationRow | undefined> {
  return db.selectFrom('verifications').selectAll().where('proposal_id', '=', proposalId).executeTakeFirst();
}

/** The human gate: succeeds for exactly one caller while nobody has decided. */
export async function setDecision(trx: Trx, id: string, decision: 'confirmed' | 'not-fixed', by: string, at: Date): Promise<boolean> {
  const row = await trx
    .updateTable('verifications')
    .set({ decision, decided_by: by, decided_at: at })
    .where('id', '=', id)
    .where('decision', 'is', null)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

export async function setVerificationMessage(db: DbOrTrx, id: string, channel: string, ts: string): Promise<void> {
  await db.updateTable('verifications').set({ slack_channel: channel, slack_ts: ts }).where('id', '=', id).execute();
}
