import { sql, type Kysely } from 'kysely';

// Never edit once landed: add a new timestamp-named file and list it in index.ts.
//
// Approvals as rows of their own (M-of-N, each bound to the proposal hash it approved), the
// two clocks, who asked for a proposal, escalation, every card of a proposal (channel + DMs),
// and how long a card had been shown when someone clicked it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('proposals')
    // The person who asked for the action (a command or a button); never one of its approvers.
    .addColumn('requested_by', 'text')
    // The approval clock starts when the card is posted…
    .addColumn('posted_at', 'timestamptz')
    .addColumn('approval_expires_at', 'timestamptz')
    // …the execution clock when the last required approval arrives.
    .addColumn('execute_by', 'timestamptz')
    .addColumn('escalated_at', 'timestamptz')
    .addColumn('escalated_by', 'text')
    .execute();

  // A superseded proposal gives way to a new one for the same incident: one live proposal per
  // incident instead of one proposal ever.
  await sql`DROP INDEX proposals_incident`.execute(db);
  await sql`CREATE UNIQUE INDEX proposals_incident_live ON proposals (incident_id) WHERE state <> 'superseded'`.execute(db);
  await db.schema.createIndex('proposals_incident').on('proposals').column('incident_id').execute();

  await db.schema
    .createTable('approvals')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('proposal_id', 'uuid', (c) => c.notNull().references('proposals.id'))
    .addColumn('slack_user', 'text', (c) => c.notNull())
    // The proposal hash this approval was given for: if the proposal changes, it counts for nothing.
    .addColumn('proposal_hash', 'text', (c) => c.notNull())
    // 'named approver', 'member of user group S…', 'escalation approver' …
    .addColumn('via', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('voided_at', 'timestamptz')
    .addColumn('void_reason', 'text')
    .execute();
  // Nobody counts twice: one live approval per person per proposal.
  await sql`CREATE UNIQUE INDEX approvals_one_per_person ON approvals (proposal_id, slack_user) WHERE voided_at IS NULL`.execute(db);

  await db.schema
    .createTable('proposal_messages')
    .addColumn('proposal_id', 'uuid', (c) => c.notNull().references('proposals.id'))
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('ts', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('channel','dm')`))
    // For a DM card: whose approval card it is.
    .addColumn('slack_user', 'text')
    .addColumn('posted_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('proposal_messages_pk', ['channel', 'ts'])
    .execute();
  await db.schema.createIndex('proposal_messages_proposal').on('proposal_messages').column('proposal_id').execute();

  // Milliseconds between the card being shown and the click: reviews spot rubber stamps.
  await db.schema.alterTable('clicks').addColumn('seen_ms', 'integer').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('clicks').dropColumn('seen_ms').execute();
  await db.schema.dropTable('proposal_messages').execute();
  await db.schema.dropTable('approvals').execute();
  await sql`DROP INDEX proposals_incident`.execute(db);
  await sql`DROP INDEX proposals_incident_live`.execute(db);
  await db.schema.createIndex('proposals_incident').on('proposals').column('incident_id').unique().execute();
  for (const column of ['requested_by', 'posted_at', 'approval_expires_at', 'execute_by', 'escalated_at', 'escalated_by']) {
    await db.schema.alterTable('proposals').dropColumn(column).execute();
  }
}
