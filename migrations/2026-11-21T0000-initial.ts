import { sql, type Kysely } from 'kysely';

// Never edit once landed: add a new timestamp-named file and list it in index.ts.
export async function up(db: Kysely<unknown>): Promise<void> {

  await db.schema
    .createTable('incidents')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open','resolved')`))
    .addColumn('opened_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('resolved_at', 'timestamptz')
    .execute();
  // One open incident per group key: repeats and retries join it instead of opening another.
  await sql`CREATE UNIQUE INDEX incidents_open_group_key ON incidents (source, group_key) WHERE status = 'open'`.execute(db);

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('firing','resolved')`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('severity', 'text')
    .addColumn('labels', 'jsonb', (c) => c.notNull())
    .addColumn('annotations', 'jsonb', (c) => c.notNull())
    .addColumn('link', 'text')
    .addColumn('incident_id', 'uuid', (c) => c.notNull().references('incidents.id'))
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('times_seen', 'integer', (c) => c.notNull().defaultTo(1))
    .addUniqueConstraint('alerts_identity', ['source', 'fingerprint', 'starts_at'])
    .execute();
  await db.schema.createIndex('alerts_incident').on('alerts').column('incident_id').execute();

  await db.schema
    .createTable('evidence')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('incident_id', 'uuid', (c) => c.notNull().references('incidents.id'))
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('snapshot', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('proposals')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('incident_id', 'uuid', (c) => c.notNull().references('incidents.id'))
    .addColumn('evidence_id', 'uuid', (c) => c.notNull().references('evidence.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('params', 'jsonb', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('requirement', 'text', (c) => c.notNull())
    .addColumn('approvers', 'jsonb', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('slack_channel', 'text')
    .addColumn('slack_ts', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'timestamptz')
    .addColumn('outcome', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // One proposal per incident for now; later issues add superseding.
  await db.schema.createIndex('proposals_incident').on('proposals').column('incident_id').unique().execute();

  await db.schema
    .createTable('clicks')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('proposal_id', 'uuid', (c) => c.references('proposals.id'))
    .addColumn('slack_user', 'text', (c) => c.notNull())
    .addColumn('action_id', 'text', (c) => c.notNull())
    .addColumn('allowed', 'boolean', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('retry_num', 'integer')
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('clicks_proposal').on('clicks').column('proposal_id').execute();

  await db.schema
    .createTable('executions')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    // Unique: the database itself refuses a second execution of one proposal.
    .addColumn('proposal_id', 'uuid', (c) => c.notNull().unique().references('proposals.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('params', 'jsonb', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('running','succeeded','failed','refused')`))
    .addColumn('pre_state', 'jsonb')
    .addColumn('post_state', 'jsonb')
    .addColumn('rollback', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'bigint', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('payload', 'jsonb', (c) => c.notNull())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .execute();
  await sql`CREATE SEQUENCE audit_log_seq OWNED BY audit_log.seq`.execute(db);
  // Append-only: the database refuses to rewrite history, whoever asks.
  await sql`
    CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$`.execute(db);
  await sql`CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`.execute(db);
  await sql`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('the initial migration is not reversible: the audit log is append-only');
}
