import { sql, type Kysely } from 'kysely';

// Never edit once landed: add a new timestamp-named file and list it in index.ts.
//
// Storms (DESIGN §9): raw alerts stay in their own table and are referenced from the audit chain
// per incident by the coalesced activity job, not one chained row per webhook. Each alert row
// remembers what of it the incident's thread has been told (times seen, status) and which chained
// `incident.alerts` row covers it; the job's summaries wait in `incident_activity` until they are
// posted under the incident's card. Slack writes are paced per channel across replicas through
// `slack_pacing`.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE alerts
    ADD COLUMN reported_seen integer NOT NULL DEFAULT 0,
    ADD COLUMN reported_status text CHECK (reported_status in ('firing','resolved')),
    ADD COLUMN chained_seq bigint`.execute(db);
  // Alerts that arrived before this migration were chained per webhook batch (`alerts.ingested`)
  // and must not be reported again as news.
  await sql`UPDATE alerts SET reported_seen = times_seen, reported_status = status`.execute(db);
  // Only what the thread has not been told yet: small however many alerts an incident holds.
  await sql`CREATE INDEX alerts_unreported ON alerts (incident_id) WHERE reported_seen <> times_seen OR reported_status IS DISTINCT FROM status`.execute(db);
  await sql`CREATE INDEX alerts_chained_seq ON alerts (chained_seq) WHERE chained_seq IS NOT NULL`.execute(db);

  await db.schema
    .createTable('incident_activity')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('incident_id', 'uuid', (c) => c.notNull().references('incidents.id'))
    .addColumn('audit_seq', 'bigint', (c) => c.notNull())
    .addColumn('new_alerts', 'integer', (c) => c.notNull())
    .addColumn('repeats', 'integer', (c) => c.notNull())
    .addColumn('resolved', 'integer', (c) => c.notNull())
    .addColumn('firing_now', 'integer', (c) => c.notNull())
    .addColumn('total_now', 'integer', (c) => c.notNull())
    .addColumn('incident_status', 'text', (c) => c.notNull())
    .addColumn('samples', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('posted_at', 'timestamptz')
    .addColumn('slack_ts', 'text')
    .execute();
  await sql`CREATE INDEX incident_activity_unposted ON incident_activity (incident_id, id) WHERE posted_at IS NULL`.execute(db);

  await db.schema
    .createTable('slack_pacing')
    .addColumn('channel', 'text', (c) => c.primaryKey())
    .addColumn('next_at', 'timestamptz', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('slack_pacing').execute();
  await db.schema.dropTable('incident_activity').execute();
  await sql`DROP INDEX IF EXISTS alerts_chained_seq`.execute(db);
  await sql`DROP INDEX IF EXISTS alerts_unreported`.execute(db);
  await sql`ALTER TABLE alerts DROP COLUMN chained_seq, DROP COLUMN reported_status, DROP COLUMN reported_seen`.execute(db);
}
