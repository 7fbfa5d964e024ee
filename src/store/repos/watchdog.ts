// The pipeline watchdog's one row (id 'pipeline'): the last heartbeat's time and outcome, and
// whether the admins were told about the current stall. Nothing else of a heartbeat is stored.
import { sql } from 'kysely';
import type { DbOrTrx } from '../db.ts';

const ID = 'pipeline';

export interface WatchdogState {
  lastRunAt: Date | null;
  lastOkAt: Date | null;
  /** `<stage>: <error>` of the last heartbeat when it failed; null when it succeeded. */
  lastError: string | null;
  lastMs: number | null;
  stallNotifiedAt: Date | null;
}

const date = (v: Date | string | null): Date | null => (v === null ? null : new Date(v));

export async function readWatchdog(db: DbOrTrx): Promise<WatchdogState | null> {
  const r = await db.selectFrom('watchdog_state').selectAll().where('id', '=', ID).executeTakeFirst();
  if (!r) return null;
  return { lastRunAt: date(r.last_run_at), lastOkAt: date(r.last_ok_at), lastError: r.last_error, lastMs: r.last_ms, stallNotifiedAt: date(r.stall_notified_at) };
}

export async function recordHeartbeat(db: DbOrTrx, h: { at: Date; ok: boolean; error: string | null; ms: number }): Promise<void> {
  const values = { id: ID, last_run_at: h.at, last_ms: h.ms, last_error: h.ok ? null : h.error, ...(h.ok ? { last_ok_at: h.at } : {}) };
  await db
    .insertInto('watchdog_state')
    .values(values)
    .onConflict((oc) => oc.column('id').doUpdateSet({ last_run_at: h.at, last_ms: h.ms, last_error: values.last_error, ...(h.ok ? { last_ok_at: h.at } : {}) }))
    .execute();
}

/**
 * Claims the right to tell the admins about the current stall: true for exactly one caller per
 * stall, across replicas. A stall ends with the next successful heartbeat (last_ok_at moves past
 * the notice), after which the next stall may be told again.
 */
export async function claimStallNotice(db: DbOrTrx, now: Date): Promise<boolean> {
  await db.insertInto('watchdog_state').values({ id: ID }).onConflict((oc) => oc.column('id').doNothing()).execute();
  const row = await db
    .updateTable('watchdog_state')
    .set({ stall_notified_at: now })
    .where('id', '=', ID)
    .where((eb) => eb.or([eb('stall_notified_at', 'is', null), eb('stall_notified_at', '<', sql<Date>`coalesce(last_ok_at, '-infinity'::timestamptz)`)]))
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}
