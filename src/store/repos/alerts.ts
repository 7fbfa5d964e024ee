import { sql } from 'kysely';
import type { NormalizedAlert } from '../../domain/alert.ts';
import { appendAudit } from '../audit.ts';
import type { Trx } from '../db.ts';
import { alertKey, collapseBatch, groupBatch, incidentTitle, type BatchAlert, type BatchGroup } from './alert-batch.ts';

export interface RecordResult {
  stored: number;
  duplicates: number;
  resolved: number;
  /** Incidents this batch opened: each gets a diagnosis. */
  openedIncidents: string[];
  resolvedIncidents: string[];
  /**
   * Incidents with news for their thread: new or repeated alerts, resolutions. The alert that
   * opened an incident is not news (its card shows it).
   */
  updatedIncidents: string[];
}

interface StoredRow {
  id: string;
  inserted: boolean;
  source: string;
  fingerprint: string;
  starts_at: Date;
  incident_id: string;
  status: 'firing' | 'resolved';
}

/**
 * The group's open incident, or a new one if the group fires. The lock is what keeps the thread
 * and the resolution honest: FOR KEY SHARE lets concurrent batches of one storm proceed together
 * but makes the activity job (FOR UPDATE, released at once) wait until they commit, so a batch
 * that found the job already queued is in that job's summary; a batch that may resolve the incident takes FOR UPDATE at once, so it
 * judges "nothing fires any more" after every concurrent batch of that incident has committed.
 * One case still upgrades a shared lock: a resolution that sweeps a firing row of another group's
 * incident. Two such batches can deadlock; Postgres aborts one and the route answers 503, so the
 * sender retries and nothing is lost.
 */
async function openIncidentFor(trx: Trx, g: BatchGroup): Promise<{ id: string; opened: boolean } | null> {
  const lock = g.resolving ? sql`FOR UPDATE` : sql`FOR KEY SHARE`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const open = await sql<{ id: string }>`
      SELECT id FROM incidents WHERE source = ${g.source} AND group_key = ${g.groupKey} AND status = 'open' ${lock}`.execute(trx);
    if (open.rows[0]) return { id: open.rows[0].id, opened: false };
    // A resolution for an incident we never saw (or that already ended) opens nothing.
    if (!g.firing) return null;
    const opener = g.items.find((i) => i.status === 'firing') ?? g.items[0]!;
    const inserted = await sql<{ id: string }>`
      INSERT INTO incidents (group_key, source, title, status)
      VALUES (${g.groupKey}, ${g.source}, ${incidentTitle(opener.alert)}, 'open')
      ON CONFLICT (source, group_key) WHERE status = 'open' DO NOTHING
      RETURNING id`.execute(trx);
    if (inserted.rows[0]) return { id: inserted.rows[0].id, opened: true };
    // A concurrent batch opened it first (we waited for its commit): join it on the next look.
  }
  throw new Error(`could not find or open an incident for group ${g.groupKey}`);
}

async function closedIncidentFor(trx: Trx, g: BatchGroup): Promise<string> {
  const row = await trx
    .insertInto('incidents')
    .values({ group_key: g.groupKey, source: g.source, title: incidentTitle(g.items[0]!.alert), status: 'resolved', resolved_at: new Date() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * One statement for the whole batch. Rows are written in key order so that two batches touching
 * the same alerts lock them in the same order (no deadlock between them).
 */
async function upsertAlerts(trx: Trx, items: { item: BatchAlert; incidentId: string }[]): Promise<StoredRow[]> {
  const rows = items.map(({ item, incidentId }) => {
    const a = item.alert;
    return {
      source: a.source, fingerprint: a.fingerprint, starts_at: iso(a.startsAt), ends_at: iso(item.endsAt), status: item.status, name: a.name,
      severity: a.severity, labels: a.labels, annotations: a.annotations, link: a.link, incident_id: incidentId, seen: item.seen,
    };
  });
  const { rows: stored } = await sql<StoredRow>`
    INSERT INTO alerts AS a (source, fingerprint, starts_at, ends_at, status, name, severity, labels, annotations, link, incident_id, times_seen)
    SELECT source, fingerprint, starts_at, ends_at, status, name, severity, labels, annotations, link, incident_id, seen
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS i(source text, fingerprint text, starts_at timestamptz, ends_at timestamptz, status text,
      name text, severity text, labels jsonb, annotations jsonb, link text, incident_id uuid, seen int)
    ORDER BY source, fingerprint, starts_at
    ON CONFLICT (source, fingerprint, starts_at) DO UPDATE SET
      last_seen_at = now(),
      times_seen = a.times_seen + excluded.times_seen,
      -- resolved is final for this (fingerprint, startsAt); a late firing repeat must not reopen it
      status = CASE WHEN a.status = 'resolved' THEN 'resolved' ELSE excluded.status END,
      ends_at = COALESCE(excluded.ends_at, a.ends_at)
    RETURNING a.id, (a.xmax = 0) AS inserted, a.source, a.fingerprint, a.starts_at, a.incident_id, a.status`.execute(trx);
  return stored;
}

/** Statuses before this batch of the rows its resolutions name (to count what it resolved). */
async function priorStatuses(trx: Trx, resolving: BatchAlert[]): Promise<Map<string, string>> {
  if (resolving.length === 0) return new Map();
  const keys = resolving.map((i) => ({ source: i.alert.source, fingerprint: i.alert.fingerprint, starts_at: iso(i.alert.startsAt) }));
  const { rows } = await sql<{ source: string; fingerprint: string; starts_at: Date; status: string }>`
    SELECT a.source, a.fingerprint, a.starts_at, a.status
    FROM alerts a JOIN jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) AS k(source text, fingerprint text, starts_at timestamptz)
      ON a.source = k.source AND a.fingerprint = k.fingerprint AND a.starts_at = k.starts_at`.execute(trx);
  return new Map(rows.map((r) => [alertKey(r.source, r.fingerprint, r.starts_at), r.status]));
}

/**
 * Alertmanager may report a resolution whose startsAt differs from the firing one (seen in a real
 * 0.25 capture, by a second): the fingerprint names the series, so a resolution ends whatever of
 * it is still firing — except an occurrence that fires again later in the same batch.
 */
async function sweepResolved(trx: Trx, items: BatchAlert[]): Promise<{ id: string; incident_id: string }[]> {
  const bySeries = new Map<string, { source: string; fingerprint: string; ends_at: string | null; ord: number }>();
  for (const i of items) {
    if (i.lastResolvedOrd === null) continue;
    const key = `${i.alert.source}\u0000${i.alert.fingerprint}`;
    const prev = bySeries.get(key);
    bySeries.set(key, { source: i.alert.source, fingerprint: i.alert.fingerprint, ends_at: prev?.ends_at ?? iso(i.endsAt), ord: Math.max(prev?.ord ?? -1, i.lastResolvedOrd) });
  }
  if (bySeries.size === 0) return [];
  const firing = items.filter((i) => i.status === 'firing').map((i) => ({ source: i.alert.source, fingerprint: i.alert.fingerprint, starts_at: iso(i.alert.startsAt), ord: i.ord }));
  const { rows } = await sql<{ id: string; incident_id: string }>`
    UPDATE alerts a SET status = 'resolved', ends_at = COALESCE(a.ends_at, r.ends_at), last_seen_at = now()
    FROM jsonb_to_recordset(${JSON.stringify([...bySeries.values()])}::jsonb) AS r(source text, fingerprint text, ends_at timestamptz, ord int)
    WHERE a.source = r.source AND a.fingerprint = r.fingerprint AND a.status = 'firing'
      AND NOT EXISTS (
        SELECT 1 FROM jsonb_to_recordset(${JSON.stringify(firing)}::jsonb) AS l(source text, fingerprint text, starts_at timestamptz, ord int)
        WHERE l.source = a.source AND l.fingerprint = a.fingerprint AND l.starts_at = a.starts_at AND l.ord > r.ord)
    RETURNING a.id, a.incident_id`.execute(trx);
  return rows;
}

/** An incident resolves when none of its alerts is still firing; locked first unless already held. */
async function resolveIfQuiet(trx: Trx, incidentId: string, locked: boolean): Promise<boolean> {
  if (!locked) await sql`SELECT 1 FROM incidents WHERE id = ${incidentId} FOR UPDATE`.execute(trx);
  const resolved = await sql<{ id: string }>`
    UPDATE incidents SET status = 'resolved', resolved_at = now()
    WHERE id = ${incidentId} AND status = 'open'
      AND NOT EXISTS (SELECT 1 FROM alerts WHERE incident_id = ${incidentId} AND status = 'firing')
    RETURNING id`.execute(trx);
  return resolved.rows.length > 0;
}

/**
 * Stores a batch idempotently and set-based: one row per (source, fingerprint, startsAt), one
 * statement for all of them. Alertmanager retries and repeats bump `times_seen`; a resolution
 * flips the row once. The chain gets what a reviewer must trust — an incident opened, an incident
 * resolved — here; the raw alerts are chained per incident by the activity job (DESIGN §9), so a
 * storm does not queue behind the chain's single head.
 */
export async function recordAlerts(trx: Trx, alerts: NormalizedAlert[]): Promise<RecordResult> {
  const result: RecordResult = { stored: 0, duplicates: 0, resolved: 0, openedIncidents: [], resolvedIncidents: [], updatedIncidents: [] };
  const items = collapseBatch(alerts);
  if (items.length === 0) return result;
  const placed: { item: BatchAlert; incidentId: string }[] = [];
  const opened = new Map<string, BatchGroup>();
  const lockedForUpdate = new Set<string>();
  const closed: string[] = [];
  const locked = new Set<string>();
  for (const g of groupBatch(items)) {
    const incident = await openIncidentFor(trx, g);
    let incidentId: string;
    if (incident) {
      incidentId = incident.id;
      locked.add(incidentId);
      if (incident.opened) opened.set(incidentId, g);
      if (g.resolving) lockedForUpdate.add(incidentId);
    } else {
      // Resolutions with no open incident are still recorded, in an incident born resolved.
      incidentId = await closedIncidentFor(trx, g);
      closed.push(incidentId);
    }
    for (const item of g.items) placed.push({ item, incidentId });
  }

  const prior = await priorStatuses(trx, items.filter((i) => i.status === 'resolved'));
  const stored = await upsertAlerts(trx, placed);
  const byKey = new Map(stored.map((r) => [alertKey(r.source, r.fingerprint, r.starts_at), r]));
  const updated = new Set<string>();
  const mayResolve = new Set<string>();
  for (const item of items) {
    const row = byKey.get(alertKey(item.alert.source, item.alert.fingerprint, item.alert.startsAt));
    if (!row) throw new Error(`alert ${item.alert.fingerprint} was not stored`);
    if (row.inserted) result.stored++;
    result.duplicates += row.inserted ? item.seen - 1 : item.seen;
    if (item.status === 'resolved') {
      if (prior.get(alertKey(row.source, row.fingerprint, row.starts_at)) === 'firing' || item.firedBeforeResolved) result.resolved++;
      mayResolve.add(row.incident_id);
    }
    updated.add(row.incident_id);
  }
  const swept = await sweepResolved(trx, items);
  result.resolved += swept.length;
  for (const r of swept) {
    updated.add(r.incident_id);
    mayResolve.add(r.incident_id);
  }

  // A resolution-only batch whose alerts were all known already needs no incident of its own.
  for (const id of closed) {
    if (!stored.some((r) => r.incident_id === id)) await sql`DELETE FROM incidents WHERE id = ${id}`.execute(trx);
  }

  for (const [incidentId, g] of opened) {
    const rows = stored.filter((r) => r.incident_id === incidentId);
    // Every alert of the group was already stored, in another incident (a repeat after its
    // resolution, or a policy reload that regrouped firing alerts): an incident with no alert would
    // stay open for ever, get no card, and swallow the group's later alerts. It never existed.
    if (rows.length === 0) {
      await sql`DELETE FROM incidents WHERE id = ${incidentId}`.execute(trx);
      updated.delete(incidentId);
      continue;
    }
    result.openedIncidents.push(incidentId);
    // The incident's first alert (lowest id) is the one its diagnosis and card show: it is chained
    // by `incident.opened`, and its thread is not told about it again.
    const first = rows.filter((r) => r.inserted).sort((x, y) => Number(x.id) - Number(y.id))[0];
    const item = first && g.items.find((i) => alertKey(i.alert.source, i.alert.fingerprint, i.alert.startsAt) === alertKey(first.source, first.fingerprint, first.starts_at));
    if (first?.status === 'firing') {
      await sql`UPDATE alerts SET reported_seen = 1, reported_status = 'firing' WHERE id = ${first.id}`.execute(trx);
      // Nothing else happened to the incident: no thread update.
      if (rows.length === 1 && item?.seen === 1 && !swept.some((r) => r.incident_id === incidentId)) updated.delete(incidentId);
    }
    const a = item?.alert ?? g.items[0]!.alert;
    await appendAudit(trx, {
      actor: `source:${g.source}`,
      kind: 'incident.opened',
      subject: `incident:${incidentId}`,
      payload: { groupKey: g.groupKey, alert: { id: first?.id ?? null, name: a.name, fingerprint: a.fingerprint, startsAt: a.startsAt, labels: a.labels } },
    });
  }

  for (const incidentId of [...mayResolve].sort()) {
    if (!(await resolveIfQuiet(trx, incidentId, lockedForUpdate.has(incidentId) || opened.has(incidentId)))) continue;
    result.resolvedIncidents.push(incidentId);
    await appendAudit(trx, { actor: 'system', kind: 'incident.resolved', subject: `incident:${incidentId}`, payload: {} });
  }
  // A repeat or a sweep can touch an incident this batch did not look up (the alert row belongs to
  // an older incident). Hold it like the others, so its activity job — maybe already queued —
  // waits for this commit instead of summarising without it.
  const unlocked = [...updated].filter((id) => !locked.has(id) && !closed.includes(id)).sort();
  if (unlocked.length > 0) await sql`SELECT id FROM incidents WHERE id = ANY(${unlocked}::uuid[]) ORDER BY id FOR KEY SHARE`.execute(trx);
  result.updatedIncidents = [...updated];
  return result;
}
