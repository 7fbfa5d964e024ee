import { sql, type Kysely } from 'kysely';

// Never edit once landed: add a new timestamp-named file and list it in index.ts.
//
// The kill switch holds its *current* state, one row per scope; its history is in the audit
// chain (every pause and resume is an audit row written in the same transaction).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('kill_switch')
    .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope in ('global','environment','action','auto')`))
    // The environment or action name; '' for the global switch and the auto tier.
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('paused', 'boolean', (c) => c.notNull())
    .addColumn('changed_by', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('kill_switch_pk', ['scope', 'name'])
    .execute();
  // A fresh install must not act on its own before a person has looked at it: the auto tier
  // starts paused (auto proposals wait for one approver) until an admin resumes it.
  await sql`INSERT INTO kill_switch (scope, name, paused, changed_by, reason)
            VALUES ('auto', '', true, 'system', 'fresh install: the auto tier starts paused until an admin resumes it')`.execute(db);

  // Budgets and cooldowns are counted from executions by action (and target) over a window.
  await sql`CREATE INDEX executions_action_started ON executions (action, started_at)`.execute(db);
  await sql`CREATE INDEX executions_action_target_started ON executions (action, target, started_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX IF EXISTS executions_action_target_started`.execute(db);
  await sql`DROP INDEX IF EXISTS executions_action_started`.execute(db);
  await db.schema.dropTable('kill_switch').execute();
}
