import { sql } from 'kysely';
import type { DbOrTrx } from '../db.ts';

// Slack retries an event (X-Slack-Retry-Num) when it did not see our answer in time, with the
// same event_id, to whichever replica its load balancer picks: the claim lives in Postgres.
// Slack stops retrying within minutes; a day of rows is plenty.
const KEEP = '1 day';

/** True for the first delivery of `eventId`; false for a retry (or a racing replica) of one already claimed. */
export async function claimEvent(db: DbOrTrx, eventId: string): Promise<boolean> {
  const inserted = await db
    .insertInto('slack_events')
    .values({ event_id: eventId })
    .onConflict((oc) => oc.column('event_id').doNothing())
    .returning('event_id')
    .executeTakeFirst();
  if (inserted) await db.deleteFrom('slack_events').where('received_at', '<', sql<Date>`now() - ${KEEP}::interval`).execute();
  return inserted !== undefined;
}

/** Gives a claim back after handling failed, so that Slack's retry of the event is handled. */
export async function releaseEvent(db: DbOrTrx, eventId: string): Promise<void> {
  await db.deleteFrom('slack_events').where('event_id', '=', eventId).execute();
}
