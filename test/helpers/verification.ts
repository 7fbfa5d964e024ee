// For verification and rollback tests: what the diagnosis "saw" before the change, written into a
// seeded proposal's frozen evidence (seedProposal records no signals).
import { sql } from 'kysely';
import type { Db } from '../../src/store/db.ts';

export async function setBeforeSignal(db: Db, proposalId: string, signal: { id: string; value: number }): Promise<void> {
  const s = {
    id: signal.id, label: signal.id, source: 'cloudwatch', query: 'seeded', window: '15m', value: signal.value, unit: '%', threshold: 80, comparison: '>', breached: signal.value > 80,
  };
  await sql`UPDATE evidence SET snapshot = jsonb_set(snapshot, '{diagnosis,signals}', ${JSON.stringify([s])}::jsonb)
    WHERE id = (SELECT evidence_id FROM proposals WHERE id = ${proposalId})`.execute(db);
}
