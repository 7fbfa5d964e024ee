// Weekly digest runs: a slot is claimed by one replica (the unique slot makes a second claim a
// no-op), posted, and marked, so retries and replicas never post a slot twice.
import { sql } from 'kysely';
import type { Db } from '../db.ts';

/** A claim older than this whose replica never finished (it crashed mid-post) may be taken over. */
export const STALE_CLAIM_MS = 10 * 60_000;

/** A slot whose message failed this many times is given up on (the admins are told). */
export const MAX_DIGEST_ATTEMPTS = 5;

export interface DigestClaim {
  id: string;
  attempts: number;
}

/**
 * Claims the slot for this replica: a new row, or a failed / long-abandoned claim taken over
 * (while attempts remain). Null when the slot is posted already, given up on, or another replica
 * is posting it now.
 */
export async function claimSlot(db: Db, o: { slot: Date; from: Date; to: Date; channel: string; now: Date }): Promise<DigestClaim | null> {
  const inserted = await db
    .insertInto('digest_runs')
    .values({ kind: 'scheduled', slot: o.slot, window_from: o.from, window_to: o.to, channel: o.channel, status: 'claimed', claimed_at: o.now })
    .onConflict((oc) => oc.column('slot').doNothing())
    .returning(['id', 'attempts'])
    .executeTakeFirst();
  if (inserted) return inserted;
  const staleBefore = new Date(o.now.getTime() - STALE_CLAIM_MS);
  const taken = await db
    .updateTable('digest_runs')
    .set({ status: 'claimed', claimed_at: o.now, attempts: sql`attempts + 1`, channel: o.channel, error: null })
    .where('slot', '=', o.slot)
    .where('attempts', '<', MAX_DIGEST_ATTEMPTS)
    .where((eb) => eb.or([eb('status', '=', 'failed'), eb.and([eb('status', '=', 'claimed'), eb('claimed_at', '<', staleBefore)])]))
    .returning(['id', 'attempts'])
    .executeTakeFirst();
  return taken ?? null;
}

/** Nothing more to do for the slot: posted, or failed for the last allowed time. */
export async function slotSettled(db: Db, slot: Date): Promise<boolean> {
  const row = await db.selectFrom('digest_runs').select(['status', 'attempts']).where('slot', '=', slot).executeTakeFirst();
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
