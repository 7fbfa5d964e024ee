import type { NormalizedAlert } from '../../domain/alert.ts';
import type { DbOrTrx } from '../db.ts';

/** The alert that opened the incident, as the normalized shape the core speaks. */
export async function firstAlertOfIncident(db: DbOrTrx, incidentId: string): Promise<NormalizedAlert | undefined> {
  const row = await db
    .selectFrom('alerts')
    .innerJoin('incidents', 'incidents.id', 'alerts.incident_id')
    .select(['alerts.source', 'alerts.fingerprint', 'alerts.status', 'alerts.name', 'alerts.severity', 'alerts.labels', 'alerts.annotations', 'alerts.starts_at', 'alerts.ends_at', 'alerts.link', 'incidents.group_key'])
    .where('alerts.incident_id', '=', incidentId)
    .orderBy('alerts.id')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    source: row.source,
    fingerprint: row.fingerprint,
    status: row.status,
    name: row.name,
    severity: row.severity,
    labels: row.labels,
    annotations: row.annotations,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    link: row.link,
    groupKey: row.group_key,
  };
}
