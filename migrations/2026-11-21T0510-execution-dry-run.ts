import { sql, type Kysely } from 'kysely';

// Never edit once landed: add a new timestamp-named file and list it in index.ts.
//
// Dry run: an execution that did everything but the write says so in its own row, so that
// history, budgets and reviews can tell a rehearsal from a change.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE executions ADD COLUMN dry_run boolean NOT NULL DEFAULT false`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE executions DROP COLUMN dry_run`.execute(db);
}
