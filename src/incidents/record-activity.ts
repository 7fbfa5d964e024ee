// The first half of an incident's thread update: what arrived since the last one, counted,
// chained and queued for posting in one transaction — before anything is sent to Slack, so a
// crash or a Slack failure later loses nothing and counts nothing twice.
import { sql } from 'kysely';
import { appendAudit, ALERTS_CHAINED } from '../store/audit.ts';
import type { Db, Trx } from '../store/db.ts';
import { digestOfAlerts } from '../store/repos/alert-digest.ts';
import type { AlertSample } from '../store/tables.ts';

/** New alerts named in a summary; the rest are counted. */
export const SAMPLES_PER_SUMMARY = 5;

interface PendingAlert {
  id: string;
  times_seen: number;
  status: 'firing' | 'resolved';
  reported_seen: number;
  reported_status: 'firing' | 'resolved' | null;
}

export interface ActivityCounts {
  newAlerts: number;
  repeats: number;
  resolved: number;
}

/** Pure: what changed in these alerts since the thread was last told about them. */
export function countActivity(pending: PendingAlert[]): ActivityCounts {
  let newAlerts = 0;
  let repeats = 0;
  let resolved = 0;
  for (const a of pending) {
    if (a.reported_seen === 0) newAlerts++;
    // The first sighting of a new alert is the alert itself, not a repeat.
    repeats += a.times_seen - Math.max(a.reported_seen, 1);
    if (a.status === 'resolved' && a.reported_status !== 'resolved') resolved++;
  }
  return { newAlerts, repeats, resolved };
}

/**
 * Waits until every ingest batch that was writing to the incident when this job started has
 * committed. Those batches hold FOR KEY SHARE on the incident from before they enqueue this job
 * until they commit, and a batch that found this job already waiting enqueued nothing: its alerts
 * must be in this summary. FOR UPDATE waits for them all; it is released at once, so ingest never
 * waits on the summary itself. Batches that start later enqueue (or find) the next job.
 */
async function waitForBatchesInFlight(db: Db, incidentId: string): Promise<void> {
  await db.transaction().execute((trx) => sql`SELECT 1 FROM incidents WHERE id = ${incidentId} FOR UPDATE`.execute(trx));
}

/**
 * Records one summary of the incident's alerts the thread has not been told about: the alert
 * rows themselves say what was reported (locked while they are counted, so a concurrent repeat
 * lands either in this summary or in the next). Returns false when there was nothing new.
 */
export async function recordIncidentActivity(db: Db, incidentId: string): Promise<boolean> {
  await waitForBatchesInFlight(db, incidentId);
  return db.transaction().execute(async (trx) => {
    const incident = await sql<{ status: 'open' | 'resolved' }>`SELECT status FROM incidents WHERE id = ${incidentId}`.execute(trx);
    const status = incident.rows[0]?.status;
    if (!status) return false;
    const { rows: pending } = await sql<PendingAlert>`
      SELECT id, times_seen, status, reported_seen, reported_status FROM alerts
      WHERE incident_id = ${incidentId} AND (reported_seen <> times_seen OR reported_status IS DISTINCT FROM status)
      ORDER BY id
      FOR UPDATE`.execute(trx);
    if (pending.length === 0) return false;
    const counts = countActivity(pending);
    const newIds = pending.filter((a) => a.reported_seen === 0).map((a) => a.id);
    const totals = await sql<{ firing: number; total: number }>`
      SELECT count(*) FILTER (WHERE status = 'firing')::int AS firing, count(*)::int AS total FROM alerts WHERE incident_id = ${incidentId}`.execute(trx);
    const { firing, total } = totals.rows[0]!;
    const seq = await chainNewAlerts(trx, incidentId, newIds, { ...counts, firing, total });
    await sql`
      UPDATE alerts SET reported_seen = times_seen, reported_status = status,
        chained_seq = CASE WHEN reported_seen = 0 THEN ${seq}::bigint ELSE chained_seq END
      WHERE id = ANY(${pending.map((a) => a.id)}::bigint[])`.execute(trx);
    const samples = await sampleAlerts(trx, newIds.slice(0, SAMPLES_PER_SUMMARY));
    await trx
      .insertInto('incident_activity')
      .values({
        incident_id: incidentId, audit_seq: seq, new_alerts: counts.newAlerts, repeats: counts.repeats, resolved: counts.resolved,
        firing_now: firing, total_now: total, incident_status: status, samples: JSON.stringify(samples),
      })
      .execute();
    return true;
  });
}

/**
 * One chained row for this summary: the counts, and the new alerts it covers by id range, count
 * and digest (the alerts then name this row, see store/repos/alert-digest.ts).
 */
async function chainNewAlerts(trx: Trx, incidentId: string, newIds: string[], counts: ActivityCounts & { firing: number; total: number }): Promise<string> {
  const digest = await digestOfAlerts(trx, newIds);
  const hash = await appendAudit(trx, {
    actor: 'system',
    kind: ALERTS_CHAINED,
    subject: `incident:${incidentId}`,
    payload: { alerts: { count: digest.count, digest: digest.digest, firstId: newIds[0] ?? null, lastId: newIds.at(-1) ?? null }, repeats: counts.repeats, resolved: counts.resolved, firing: counts.firing, total: counts.total },
  });
  const row = await trx.selectFrom('audit_log').select('seq').where('hash', '=', hash).executeTakeFirstOrThrow();
  return row.seq;
}

async function sampleAlerts(trx: Trx, ids: string[]): Promise<AlertSample[]> {
  if (ids.length === 0) return [];
  return trx.selectFrom('alerts').select(['name', 'status', 'labels']).where('id', 'in', ids).orderBy('id').execute();
}
