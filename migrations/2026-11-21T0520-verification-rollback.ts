import { sql, type Kysely } from 'kysely';

// Never edit once landed: add a new timestamp-named file and list it in index.ts.
//
// The second human gate and the way back. A verification row per execution (unique: the verdict
// is recorded once however often the job runs) with the before/after values it judged and the
// person who confirmed or refused it; and proposals that undo another proposal's execution
// (`rollback_of`, unique: one rollback per execution, so double clicks and the automatic path
// cannot both create one).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('verifications')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('proposal_id', 'uuid', (c) => c.notNull().unique().references('proposals.id'))
    .addColumn('execution_id', 'uuid', (c) => c.notNull().unique().references('executions.id'))
    .addColumn('signal', 'text', (c) => c.notNull())
    // What a human needs to re-run the read: the CloudWatch query and its window.
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('window', 'text', (c) => c.notNull())
    // From the frozen evidence (null: the diagnosis did not read this signal).
    .addColumn('before_value', 'double precision')
    // Null when the signal could not be read (verdict 'unavailable').
    .addColumn('after_value', 'double precision')
    .addColumn('comparison', 'text', (c) => c.notNull().check(sql`comparison in ('below','above')`))
    .addColumn('threshold', 'double precision', (c) => c.notNull())
    .addColumn('verdict', 'text', (c) => c.notNull().check(sql`verdict in ('passed','failed','unavailable')`))
    // Why the signal was unavailable, in words.
    .addColumn('detail', 'text')
    .addColumn('checked_at', 'timestamptz', (c) => c.notNull())
    .addColumn('slack_channel', 'text')
    .addColumn('slack_ts', 'text')
    // The human gate: Confirm fixed / Not fixed — roll back; set once.
    .addColumn('decision', 'text', (c) => c.check(sql`decision in ('confirmed','not-fixed')`))
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'timestamptz')
    .execute();

  await db.schema.alterTable('proposals').addColumn('rollback_of', 'uuid', (c) => c.references('proposals.id')).execute();
  await sql`CREATE UNIQUE INDEX proposals_one_rollback ON proposals (rollback_of) WHERE rollback_of IS NOT NULL`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS proposals_one_rollback`.execute(db);
  await db.schema.alterTable('proposals').dropColumn('rollback_of').execute();
  await db.schema.dropTable('verifications').execute();
}
