// Raw alerts are not chained one by one (a storm would queue behind the chain's single head);
// a chained `incident.alerts` row covers a set of them instead: their count and a digest of their
// content. Each covered alert row names that audit row (`chained_seq`), so removing, adding or
// altering a covered alert — or moving it to another audit row — changes a digest the chain holds.
import { sql, type RawBuilder } from 'kysely';
import type { DbOrTrx } from '../db.ts';

export interface AlertsDigest {
  count: number;
  digest: string;
}

// What an alert said when it arrived (what ingest never changes afterwards): status, times seen
// and last sighting move on, and are chained as counts instead. Timestamps are rendered in UTC
// with microseconds so the text never depends on the session's time zone.
const LINE = sql`jsonb_build_array(id, source, fingerprint, to_char(starts_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  incident_id, name, severity, labels, annotations, link)::text`;

async function digestWhere(db: DbOrTrx, where: RawBuilder<unknown>): Promise<AlertsDigest> {
  const { rows } = await sql<{ n: number; digest: string }>`
    SELECT count(*)::int AS n, encode(sha256(convert_to(coalesce(string_agg(line, E'\\n' ORDER BY id), ''), 'UTF8')), 'hex') AS digest
    FROM (SELECT id, ${LINE} AS line FROM alerts WHERE ${where}) covered`.execute(db);
  const row = rows[0]!;
  return { count: row.n, digest: row.digest };
}

/** The digest of these alerts, before they are marked as covered. */
export function digestOfAlerts(db: DbOrTrx, ids: string[]): Promise<AlertsDigest> {
  return digestWhere(db, sql`id = ANY(${ids}::bigint[])`);
}

/** The digest of the alerts that name `seq` as their chained row, as a verifier recomputes it. */
export function digestOfChainedAlerts(db: DbOrTrx, seq: string): Promise<AlertsDigest> {
  return digestWhere(db, sql`chained_seq = ${seq}::bigint`);
}
