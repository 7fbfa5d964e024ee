// Weekly digest runs: a slot is claimed by one replica (the unique slot makes a second claim a
// no-op), posted, and marked, so retries and replicas never post a slot twice.
import { sql } from 'kysely';
import type { Db } from '../db.ts';

/** A claim older than this whose replica never finished (it crashed mid-post) may be taken over. */
export const STALE_CLAIM_MS = 10 * 60_000;

/** A slot whose message failed this many times is given up on (the admins are told). */
export const MAX_DIGEST_ATTEMPTS = 5;

/**
 * How long after failed attempt n the next may start: 5, 15, 45, 135 minutes. A Slack outage of
 * an hour or two is waited out, and all attempts fit in the day a slot may be late.
 */
export function retryDelayMs(attempts: number): number {
  return 5 * 60_000 * 3 ** Math.max(0, attempts - 1);
}

export interface DigestClaim {
  id: string;
  attempts: number;
}

export interface SlotRun {
  date: string;
  at: Date;
  from: Date;
  to: Date;
  channel: string;
}

/**
 * Claims the slot for this replica: a new row, a failed attempt whose retry delay has passed, or a
 * claim abandoned by a replica that stopped mid-post (while attempts remain). A takeover records
 * the window and channel it is about to post. Null when the slot is posted, given up on, waiting
 * for its retry, or being posted by another replica now.
 */
export async function claimSlot(db: Db, o: SlotRun & { now: Date }): Promise<DigestClaim | null> {
  const inserted = await db
    .insertInto('digest_runs')
    .values({ kind: 'scheduled', slot_date: o.date, slot: o.at, window_from: o.from, window_to: o.to, channel: o.channel, status: 'claimed', claimed_at: o.now })
    .onConflict((oc) => oc.column('slot_date').doNothing())
    .returning(['id', 'attempts'])
    .executeTakeFirst();
  if (inserted) return inserted;
  const staleBefore = new Date(o.now.getTime() - STALE_CLAIM_MS);
  // The delay after attempt n, in SQL: 5 min × 3^(n−1).
  const retryDue = sql<boolean>`claimed_at < ${o.now}::timestamptz - make_interval(secs => 300 * power(3, attempts - 1))`;
  const taken = await db
    .updateTable('digest_runs')
    .set({ status: 'claimed', claimed_at: o.now, attempts: sql`attempts + 1`, slot: o.at, window_from: o.from, window_to: o.to, channel: o.channel, error: null })
    .where('slot_date', '=', o.date)
    .where('attempts', '<', MAX_DIGEST_ATTEMPTS)
    .where((eb) => eb.or([eb.and([eb('status', '=', 'failed'), retryDue]), eb.and([eb('status', '=', 'claimed'), eb('claimed_at', '<', staleBefore)])]))
    .returning(['id', 'attempts'])
    .executeTakeFirst();
  return taken ?? null;
}

/**
 * A last attempt whose replica stopped mid-post: marked failed (so the slot is settled) and
 * returned once, so the caller can tell the admins; null when there is no such claim.
 */
export async function giveUpAbandonedLastAttempt(db: Db, date: string, now: Date): Promise<{ attempts: number } | null> {
  const row = await db
    .updateTable('digest_runs')
    .set({ status: 'failed', error: 'the replica posting it stopped before it finished' })
    .where('slot_date', '=', date)
    .where('status', '=', 'claimed')
    .where('attempts', '>=', MAX_DIGEST_ATTEMPTS)
    .where('claimed_at', '<', new Date(now.getTime() - STALE_CLAIM_MS))
    .returning('attempts')
    .executeTakeFirst();
  return row ?? null;
}

/** Nothing more to do for the slot: posted, or failed for the last allowed time. */
export async function slotSettled(db: Db, date: string): Promise<boolean> {
  const row = await db.selectFrom('digest_runs').select(['status', 'attempts']).where('slot_date', '=', date).executeTakeFirst();
  return row?.status === 'posted' || (row?.status === 'failed' && row.attempts >= MAX_DIGEST_ATTEMPTS);
}

/** A manual digest (`/infra-agent digest --post`): its own row, claimed at once. */
export async function createManualRun(db: Db, o: { from: Date; to: Date; channel: string; requestedBy: string; now: Date }): Promise<string> {
  const row = await db
    .insertInto('digest_runs')
    .values({ kind: 'manual', slot: null, window_from: o.from, window_to: o.to, channel: o.channel, requested_by: o.requestedBy, status: 'claimed', claimed_at: o.now })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function markPosted(db: Db, id: string, o: { ts: string; at: Date }): Promise<void> {
  await db.updateTable('digest_runs').set({ status: 'posted', slack_ts: o.ts, posted_at: o.at, error: null }).where('id', '=', id).execute();
}

export async function markFailed(db: Db, id: string, error: string): Promise<void> {
  await db.updateTable('digest_runs').set({ status: 'failed', error: error.slice(0, 1000) }).where('id', '=', id).execute();
}

export async function recordChart(db: Db, id: string, chart: { fileId: string } | { error: string }): Promise<void> {
  await db
    .updateTable('digest_runs')
    .set('fileId' in chart ? { chart_file_id: chart.fileId, chart_error: null } : { chart_error: chart.error.slice(0, 1000) })
    .where('id', '=', id)
    .execute();
}

export interface LastDigest {
  kind: 'scheduled' | 'manual';
  postedAt: Date;
  channel: string;
  slackTs: string | null;
  from: Date;
  to: Date;
  chartError: string | null;
}

/** The most recently posted digest, scheduled or manual. */
export async function lastPostedDigest(db: Db): Promise<LastDigest | null> {
  const row = await db
    .selectFrom('digest_runs')
    .select(['kind', 'posted_at', 'channel', 'slack_ts', 'window_from', 'window_to', 'chart_error'])
    .where('status', '=', 'posted')
    .orderBy('posted_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row?.posted_at) return null;
  return { kind: row.kind, postedAt: new Date(row.posted_at), channel: row.channel, slackTs: row.slack_ts, from: new Date(row.window_from), to: new Date(row.window_to), chartError: row.chart_error };
}
