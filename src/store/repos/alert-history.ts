// The alert store's past, read-only, as the diagnosis engine's AlertHistoryReader: the episodes of
// one series (source + fingerprint) that started within a window. One row of `alerts` is one
// episode (recordAlerts keys rows by source, fingerprint and starts_at). The unique index on those
// three columns serves the query; LIMIT bounds it however noisy the series has been.
import type { AlertHistoryReader } from '../../diagnosis/engine.ts';
import type { DbOrTrx } from '../db.ts';

export function alertHistory(db: DbOrTrx): AlertHistoryReader {
  return {
    async episodes(series, { since, until, limit }) {
      const rows = await db
        .selectFrom('alerts')
        .select(['starts_at', 'ends_at', 'status', 'times_seen'])
        .where('source', '=', series.source)
        .where('fingerprint', '=', series.fingerprint)
        .where('starts_at', '>', since)
        .where('starts_at', '<=', until)
        // A bare resolution (a CloudWatch OK is its own row, starts_at = ends_at) is not an episode;
        // leaving it out keeps the LIMIT for episodes.
        .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', eb.ref('starts_at'))]))
        // Newest first so the LIMIT keeps the most recent episodes; the caller wants them oldest first.
        .orderBy('starts_at', 'desc')
        .limit(limit)
        .execute();
      return rows.reverse().map((r) => ({ startsAt: r.starts_at, endsAt: r.ends_at, status: r.status, timesSeen: r.times_seen }));
    },
  };
}
