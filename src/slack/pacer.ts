// Slack allows about one message per second per channel (chat.postMessage; bursts are tolerated
// only briefly) and answers 429 past it. Every replica writes to the same channels, so the pace is
// kept in Postgres: each write reserves the channel's next free slot in one statement, then waits
// for it outside any transaction (no row lock or connection is held while waiting).
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Db } from '../store/db.ts';

/** At most one write per channel per this many milliseconds. */
export const SLACK_WRITE_INTERVAL_MS = 1000;

/**
 * Reserves the next write slot of `channel`: how long to wait for it, in ms, and the slot itself
 * (epoch ms on the database's clock). Slots are `intervalMs` apart whoever reserves them; the
 * database's clock is the only clock consulted, so replicas with skewed clocks still agree.
 * clock_timestamp(), not now(): a statement that waited for the row lock must not reserve a slot
 * in the past.
 */
export async function reserve(db: Db, channel: string, intervalMs = SLACK_WRITE_INTERVAL_MS): Promise<{ waitMs: number; slotAtMs: number }> {
  const interval = sql`(${intervalMs}::int * interval '1 millisecond')`;
  const { rows } = await sql<{ wait_ms: number; slot_ms: number }>`
    INSERT INTO slack_pacing AS p (channel, next_at) VALUES (${channel}, clock_timestamp() + ${interval})
    ON CONFLICT (channel) DO UPDATE SET next_at = greatest(p.next_at, clock_timestamp()) + ${interval}
    RETURNING (extract(epoch FROM (p.next_at - ${interval} - clock_timestamp())) * 1000)::float8 AS wait_ms,
              (extract(epoch FROM (p.next_at - ${interval})) * 1000)::float8 AS slot_ms`.execute(db);
  return { waitMs: Math.max(0, Math.ceil(rows[0]?.wait_ms ?? 0)), slotAtMs: rows[0]?.slot_ms ?? 0 };
}

/** How long to wait for the next write slot of `channel`, in ms (see `reserve`). */
export async function reserveSlot(db: Db, channel: string, intervalMs = SLACK_WRITE_INTERVAL_MS): Promise<number> {
  return (await reserve(db, channel, intervalMs)).waitMs;
}

/** Runs one Slack write to `channel` in its reserved slot. */
export async function paced<T>(db: Db, channel: string, write: () => Promise<T>, intervalMs = SLACK_WRITE_INTERVAL_MS): Promise<T> {
  const wait = await reserveSlot(db, channel, intervalMs);
  if (wait > 0) await sleep(wait);
  return write();
}
