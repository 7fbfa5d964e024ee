import { sql } from 'kysely';
import type { NormalizedAlert } from '../../domain/alert.ts';
import { appendAudit } from '../audit.ts';
import type { Trx } from '../db.ts';

export interface RecordResult {
  stored: number;
  duplicates: number;
  resolved: number;
  /** Incidents this batch opened: each gets a diagnosis. */
  openedIncidents: string[];
  resolvedIncidents: string[];
}

async function findOrOpenIncident(trx: Trx, alert: NormalizedAlert): Promise<{ id: string; opened: boolean }> {
  const title = `${alert.name}${alert.labels.autoscaling_group ? ` on ${alert.labels.autoscaling_group}` : ''}`;
  // A resolved alert for an incident we never saw opens nothing: it is recorded as already resolved.
  const status = alert.status === 'firing' ? 'open' : 'resolved';
  if (status === 'open') {
    const inserted = await sql<{ id: string }>`
      INSERT INTO incidents (group_key, source, title, status)
      VALUES (${alert.groupKey}, ${alert.source}, ${title}, 'open')
      ON CONFLICT (source, group_key) WHERE status = 'open' DO NOTHING
      RETURNING id`.execute(trx);
    if (inserted.rows[0]) return { id: inserted.rows[0].id, opened: true };
  }
  const open = await trx
    .selectFrom('incidents')
    .select('id')
    .where('source', '=', alert.source)
    .where('group_key', '=', alert.groupKey)
    .where('status', '=', 'open')
    .executeTakeFirst();
  if (open) return { id: open.id, opened: false };
  const closed = await trx
    .insertInto('incidents')
    .values({ group_key: alert.groupKey, source: alert.source, title, status: 'resolved', resolved_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: closed.id, opened: false };
}

/**
 * Stores a batch idempotently: one row per (source, fingerprint, startsAt). Alertmanager
 * retries and repeats bump `times_seen`; a resolution flips the row once. The chain gets
 * one row per opened incident and one per batch, not one per alert (see DESIGN §9).
 */
export async function recordAlerts(trx: Trx, alerts: NormalizedAlert[]): Promise<RecordResult> {
  const result: RecordResult = { stored: 0, duplicates: 0, resolved: 0, openedIncidents: [], resolvedIncidents: [] };
  const touched = new Set<string>();
  const ids: string[] = [];
  for (const alert of alerts) {
    const incident = await findOrOpenIncident(trx, alert);
    touched.add(incident.id);
    const row = await sql<{ id: string; inserted: boolean; was_status: string | null }>`
      WITH prior AS (
        SELECT status FROM alerts WHERE source = ${alert.source} AND fingerprint = ${alert.fingerprint} AND starts_at = ${alert.startsAt}
      )
      INSERT INTO alerts (source, fingerprint, starts_at, ends_at, status, name, severity, labels, annotations, link, incident_id)
      VALUES (${alert.source}, ${alert.fingerprint}, ${alert.startsAt}, ${alert.endsAt}, ${alert.status}, ${alert.name},
              ${alert.severity}, ${JSON.stringify(alert.labels)}::jsonb, ${JSON.stringify(alert.annotations)}::jsonb, ${alert.link}, ${incident.id})
      ON CONFLICT (source, fingerprint, starts_at) DO UPDATE SET
        last_seen_at = now(),
        times_seen = alerts.times_seen + 1,
        -- resolved is final for this (fingerprint, startsAt); a late firing repeat must not reopen it
        status = CASE WHEN alerts.status = 'resolved' THEN 'resolved' ELSE excluded.status END,
        ends_at = COALESCE(excluded.ends_at, alerts.ends_at)
      RETURNING id, (xmax = 0) AS inserted, (SELECT status FROM prior) AS was_status`.execute(trx);
    const r = row.rows[0]!;
    ids.push(r.id);
    if (r.inserted) result.stored++;
    else result.duplicates++;
    if (alert.status === 'resolved') {
      if (r.was_status === 'firing') result.resolved++;
      // Alertmanager may report a resolution whose startsAt differs from the firing one (seen in
      // a real 0.25 capture, by a second): the fingerprint names the series, so the resolution
      // ends whatever of it is still firing.
      const swept = await sql<{ id: string }>`
        UPDATE alerts SET status = 'resolved', ends_at = COALESCE(ends_at, ${alert.endsAt}), last_seen_at = now()
        WHERE source = ${alert.source} AND fingerprint = ${alert.fingerprint} AND status = 'firing'
        RETURNING id`.execute(trx);
      result.resolved += swept.rows.length;
    }
    if (incident.opened) {
      result.openedIncidents.push(incident.id);
      await appendAudit(trx, {
        actor: `source:${alert.source}`,
        kind: 'incident.opened',
        subject: `incident:${incident.id}`,
        payload: { groupKey: alert.groupKey, alert: { id: r.id, name: alert.name, fingerprint: alert.fingerprint, startsAt: alert.startsAt, labels: alert.labels } },
      });
    }
  }
  for (const incidentId of touched) {
    // An incident resolves when none of its alerts is still firing.
    const resolved = await sql<{ id: string }>`
      UPDATE incidents SET status = 'resolved', resolved_at = now()
      WHERE id = ${incidentId} AND status = 'open'
        AND NOT EXISTS (SELECT 1 FROM alerts WHERE incident_id = ${incidentId} AND status = 'firing')
      RETURNING id`.execute(trx);
    if (resolved.rows[0]) {
      result.resolvedIncidents.push(incidentId);
      await appendAudit(trx, { actor: 'system', kind: 'incident.resolved', subject: `incident:${incidentId}`, payload: {} });
    }
  }
  await appendAudit(trx, {
    actor: `source:${alerts[0]?.source ?? 'unknown'}`,
    kind: 'alerts.ingested',
    subject: `batch`,
    payload: { alertIds: ids, stored: result.stored, duplicates: result.duplicates, resolved: result.resolved },
  });
  return result;
}
