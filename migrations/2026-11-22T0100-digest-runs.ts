import { sql, type Kysely } from 'kysely';

// Never edit once landed: add a new timestamp-named file and list it in index.ts.
//
// digest_runs: one row per weekly digest slot, claimed by the replica that posts it, so a slot is
// posted once however many replicas ask and however often its job is retried. A slot is keyed by
// its local date (`slot_date`, unique): a wall time the clocks repeat, or a schedule edited later
// that day, cannot make a second one. `slot` is the instant it fell on. Manual digests
// (`/infra-agent digest --post`) are rows with neither.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('digest_runs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('scheduled','manual')`))
    .addColumn('slot_date', 'text', (c) => c.unique())
    .addColumn('slot', 'timestamptz')
    .addColumn('window_from', 'timestamptz', (c) => c.notNull())
    .addColumn('window_to', 'timestamptz', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('claimed','posted','failed')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('claimed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('posted_at', 'timestamptz')
    .addColumn('slack_ts', 'text')
    // The chart upload may fail on its own (e.g. no files:write scope); the message still stands.
    .addColumn('chart_file_id', 'text')
    .addColumn('chart_error', 'text')
    .addColumn('error', 'text')
    .addCheckConstraint('digest_runs_slot_kind', sql`(kind = 'scheduled') = (slot_date is not null) and (slot_date is null) = (slot is null)`)
    .execute();
  await sql`CREATE INDEX digest_runs_posted ON digest_runs (posted_at DESC) WHERE status = 'posted'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('digest_runs').execute();
}
