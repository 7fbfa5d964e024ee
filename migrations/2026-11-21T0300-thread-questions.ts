import { sql, type Kysely } from 'kysely';

// Never edit once landed: add a new timestamp-named file and list it in index.ts.
//
// Questions asked in a proposal card's thread: every threaded reply in a channel the bot is in
// looks its card up by (channel, ts), and "history?" reads earlier proposals by target. Slack
// retries an event it thinks was not delivered; its event_id is recorded so a retry is not
// answered twice.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX proposals_slack_message ON proposals (slack_channel, slack_ts) WHERE slack_ts IS NOT NULL`.execute(db);
  await sql`CREATE INDEX proposals_target_created ON proposals (target, created_at)`.execute(db);

  await db.schema
    .createTable('slack_events')
    .addColumn('event_id', 'text', (c) => c.primaryKey())
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Slack gives up retrying within minutes: old rows are pruned by receipt time.
  await db.schema.createIndex('slack_events_received').on('slack_events').column('received_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('slack_events').execute();
  await sql`DROP INDEX IF EXISTS proposals_target_created`.execute(db);
  await sql`DROP INDEX IF EXISTS proposals_slack_message`.execute(db);
}
