import { sql } from 'kysely';
import { canonicalJson, sha256 } from '../domain/canonical.ts';
import type { Db, Trx } from './db.ts';
import { digestOfChainedAlerts } from './repos/alert-digest.ts';

export const GENESIS_HASH = '0'.repeat(64);
// Any constant works; it names the single head of the chain for pg_advisory_xact_lock.
const AUDIT_CHAIN_LOCK = 0x1a7d17;

export interface AuditEntry {
  actor: string;
  kind: string;
  subject: string;
  payload: unknown;
}

interface ChainedRow {
  seq: string;
  at: Date;
  actor: string;
  kind: string;
  subject: string;
  payload: unknown;
  prev_hash: string;
}

/** The hash of a row covers the previous hash and every column of its own content. */
export function rowHash(row: ChainedRow): string {
  return sha256(
    canonicalJson({
      seq: String(row.seq),
      at: row.at.toISOString(),
      actor: row.actor,
      kind: row.kind,
      subject: row.subject,
      payload: row.payload,
      prev_hash: row.prev_hash,
    }),
  );
}

/**
 * Appends to the hash chain inside the caller's transaction, so the audit row commits or
 * rolls back with the change it describes. The advisory lock serialises appenders until
 * commit: the chain has one head, and two writers must not both extend the same one.
 */
export async function appendAudit(trx: Trx, entry: AuditEntry): Promise<string> {
  await sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`.execute(trx);
  const head = await trx.selectFrom('audit_log').select('hash').orderBy('seq', 'desc').limit(1).executeTakeFirst();
  const { rows } = await sql<{ seq: string }>`SELECT nextval('audit_log_seq')::text AS seq`.execute(trx);
  // Millisecond precision so the timestamp round-trips through timestamptz unchanged.
  const row: ChainedRow = {
    seq: rows[0]!.seq,
    at: new Date(),
    actor: entry.actor,
    kind: entry.kind,
    subject: entry.subject,
    payload: JSON.parse(canonicalJson(entry.payload ?? {})),
    prev_hash: head?.hash ?? GENESIS_HASH,
  };
  const hash = rowHash(row);
  await trx
    .insertInto('audit_log')
    .values({ ...row, payload: canonicalJson(row.payload), hash })
    .execute();
  return hash;
}

export type VerifyResult = { ok: true; rows: number } | { ok: false; rows: number; seq: string; problem: string };

/** A chained row that covers raw alerts (see repos/alert-digest.ts): the kind and what it holds. */
export const ALERTS_CHAINED = 'incident.alerts';

/** The alerts a row covers must still be exactly the ones it hashed; null when they are. */
async function coveredAlertsProblem(db: Db, seq: string, payload: unknown): Promise<string | null> {
  const claimed = (payload as { alerts?: { count?: unknown; digest?: unknown } } | null)?.alerts;
  const now = await digestOfChainedAlerts(db, seq);
  if (claimed?.count === now.count && claimed.digest === now.digest) return null;
  return `the alerts this row covers no longer match it (${String(claimed?.count)} chained, ${now.count} found, or their content changed): an alert row was altered, added or removed`;
}

/**
 * Walks the whole chain in order; reports the first row whose content or link is wrong, or whose
 * covered raw alerts no longer match it.
 */
export async function verifyAuditChain(db: Db, batch = 1000): Promise<VerifyResult> {
  let prev = GENESIS_HASH;
  let after = '-1';
  let count = 0;
  for (;;) {
    const page = await db
      .selectFrom('audit_log')
      .selectAll()
      .where(sql<boolean>`seq > ${after}::bigint`)
      .orderBy('seq')
      .limit(batch)
      .execute();
    if (page.length === 0) return { ok: true, rows: count };
    for (const row of page) {
      count++;
      if (row.prev_hash !== prev) {
        return { ok: false, rows: count, seq: row.seq, problem: `prev_hash does not match the hash of the row before it (a row was removed or reordered)` };
      }
      const expected = rowHash({ ...row, payload: row.payload as unknown });
      if (expected !== row.hash) {
        return { ok: false, rows: count, seq: row.seq, problem: `content does not match its hash (the row was altered)` };
      }
      if (row.kind === ALERTS_CHAINED) {
        const problem = await coveredAlertsProblem(db, row.seq, row.payload);
        if (problem) return { ok: false, rows: count, seq: row.seq, problem };
      }
      prev = row.hash;
      after = row.seq;
    }
  }
}
