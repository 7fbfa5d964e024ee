import { sql, type Kysely } from 'kysely';

// Never edit once landed: add a new timestamp-named file and list it in index.ts.
//
// Circuit breakers and the pipeline watchdog.
// - demotions: how many steps an action's autonomy in one environment is demoted. One active row
//   per (action, environment); an admin's `restore` lifts it (lifted_* set), and the row stays as
//   history. Rows, so a demotion holds across restarts.
// - breaker_trips: one row per trip of a breaker; its unique key is what makes a re-check of the
//   same facts a no-op (one demotion per trip). notified_at: the admins were told (a sweep retries).
// - breaker_verdicts: the verification verdicts the breakers count streaks from.
// - watchdog_state: the last synthetic heartbeat through the pipeline, shared by every replica.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('demotions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    // Steps of auto → one → two → advisory; three reach advisory from anything.
    .addColumn('level', 'integer', (c) => c.notNull().check(sql`level between 1 and 3`))
    .addColumn('reasons', 'jsonb', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('lifted_by', 'text')
    .addColumn('lifted_at', 'timestamptz')
    .addColumn('lift_reason', 'text')
    .execute();
  await sql`CREATE UNIQUE INDEX demotions_active ON demotions (action, environment) WHERE lifted_at IS NULL`.execute(db);

  await db.schema
    .createTable('breaker_trips')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('breaker', 'text', (c) => c.notNull().check(sql`breaker in ('recurrence','verification_failures','soft_limit','hard_limit')`))
    .addColumn('trip_key', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('notified_at', 'timestamptz')
    .addUniqueConstraint('breaker_trips_once', ['action', 'environment', 'breaker', 'trip_key'])
    .execute();

  await db.schema
    .createTable('breaker_verdicts')
    .addColumn('proposal_id', 'uuid', (c) => c.primaryKey().references('proposals.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('passed', 'boolean', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX breaker_verdicts_streak ON breaker_verdicts (action, environment, at)`.execute(db);

  await db.schema
    .createTable('watchdog_state')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('last_run_at', 'timestamptz')
    .addColumn('last_ok_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('last_ms', 'integer')
    .addColumn('stall_notified_at', 'timestamptz')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('watchdog_state').execute();
  await db.schema.dropTable('breaker_verdicts').execute();
  await db.schema.dropTable('breaker_trips').execute();
  await db.schema.dropTable('demotions').execute();
}
