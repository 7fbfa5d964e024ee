// Pure: a webhook batch as the set-based ingest writes it. One statement cannot touch a row twice,
// so repeats of one alert inside a batch are folded into one entry here with the outcome the
// alerts would have had one after another: each repeat counts as a sighting, and a resolution is
// final for that (fingerprint, startsAt) even if a firing repeat follows it.
import type { AlertStatus, NormalizedAlert } from '../../domain/alert.ts';

export interface BatchAlert {
  /** The first occurrence: its fields are what a new row stores. */
  alert: NormalizedAlert;
  /** Position of the first occurrence in the batch. */
  ord: number;
  /** Occurrences in this batch (times_seen grows by this much). */
  seen: number;
  status: AlertStatus;
  /** The last endsAt given, as successive updates would leave it. */
  endsAt: Date | null;
  /** An occurrence before the first resolved one was firing: the batch itself resolved it. */
  firedBeforeResolved: boolean;
  /** Position of the last resolved occurrence (null when none resolved). */
  lastResolvedOrd: number | null;
}

export interface BatchGroup {
  source: string;
  groupKey: string;
  items: BatchAlert[];
  /** Some alert fires: the group may open an incident. */
  firing: boolean;
  /** Some alert resolves: the group may resolve its incident. */
  resolving: boolean;
}

export const alertKey = (source: string, fingerprint: string, startsAt: Date): string => `${source}\u0000${fingerprint}\u0000${startsAt.getTime()}`;

export function collapseBatch(alerts: NormalizedAlert[]): BatchAlert[] {
  const byKey = new Map<string, BatchAlert>();
  alerts.forEach((alert, ord) => {
    const key = alertKey(alert.source, alert.fingerprint, alert.startsAt);
    const seen = byKey.get(key);
    if (!seen) {
      const resolved = alert.status === 'resolved';
      byKey.set(key, { alert, ord, seen: 1, status: alert.status, endsAt: alert.endsAt, firedBeforeResolved: false, lastResolvedOrd: resolved ? ord : null });
      return;
    }
    seen.seen += 1;
    if (alert.endsAt) seen.endsAt = alert.endsAt;
    if (alert.status !== 'resolved') return;
    if (seen.status === 'firing') seen.firedBeforeResolved = true;
    seen.status = 'resolved';
    seen.lastResolvedOrd = ord;
  });
  return [...byKey.values()];
}

/** Alerts per incident group key, in a stable order (so concurrent batches lock incidents alike). */
export function groupBatch(items: BatchAlert[]): BatchGroup[] {
  const groups = new Map<string, BatchGroup>();
  for (const item of items) {
    const key = `${item.alert.source}\u0000${item.alert.groupKey}`;
    let g = groups.get(key);
    if (!g) {
      g = { source: item.alert.source, groupKey: item.alert.groupKey, items: [], firing: false, resolving: false };
      groups.set(key, g);
    }
    g.items.push(item);
    if (item.status === 'firing') g.firing = true;
    else g.resolving = true;
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
}

/** The incident's title, from the alert that opens it. */
export function incidentTitle(alert: NormalizedAlert): string {
  return `${alert.name}${alert.labels.autoscaling_group ? ` on ${alert.labels.autoscaling_group}` : ''}`;
}
