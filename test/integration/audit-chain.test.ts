import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, verifyAuditChain } from '../../src/store/audit.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

describe('hash-chained audit log', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it('chains rows and verifies them', async () => {
    for (let i = 0; i < 5; i++) {
      await t.db.transaction().execute((trx) => appendAudit(trx, { actor: 'test', kind: 'k', subject: `s${i}`, payload: { i, nested: { b: 1, a: [1, 'x'] } } }));
    }
    const rows = await t.db.selectFrom('audit_log').selectAll().orderBy('seq').execute();
    expect(rows).toHaveLength(5);
    expect(rows[1]!.prev_hash).toBe(rows[0]!.hash);
    expect(await verifyAuditChain(t.db)).toEqual({ ok: true, rows: 5 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE at the database', async () => {
    await expect(sql`UPDATE audit_log SET actor = 'mallory'`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_log`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('concurrent appenders still form one chain', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.db.transaction().execute((trx) => appendAudit(trx, { actor: 'race', kind: 'k', subject: `r${i}`, payload: {} })),
      ),
    );
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, rows: 25 });
  });

  it('names the first altered row when someone bypasses the trigger', async () => {
    const third = await t.db.selectFrom('audit_log').select('seq').orderBy('seq').offset(2).limit(1).executeTakeFirstOrThrow();
    // A superuser can disable triggers; the chain must still expose the edit.
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`.execute(t.db);
    await sql`UPDATE audit_log SET payload = '{"i": 99}'::jsonb WHERE seq = ${third.seq}::bigint`.execute(t.db);
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update`.execute(t.db);
    const result = await verifyAuditChain(t.db);
    expect(result).toMatchObject({ ok: false, seq: third.seq });
    expect(result.ok === false && result.problem).toMatch(/altered/);

    // The operator's tool says the same and exits non-zero.
    const cli = path.resolve(import.meta.dirname, '../../bin/infra-agent.js');
    const run = await promisify(execFile)(process.execPath, ['--experimental-strip-types', cli, 'audit', 'verify'], { env: { ...process.env, DATABASE_URL: t.url } }).then(
      (ok) => ({ code: 0, stderr: ok.stdout + ok.stderr }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`audit chain BROKEN at seq ${third.seq}`);
  });

  it('names the row after a removed one', async () => {
    const other = await createTestDatabase();
    try {
      for (let i = 0; i < 4; i++) await other.db.transaction().execute((trx) => appendAudit(trx, { actor: 'a', kind: 'k', subject: 's', payload: { i } }));
      const rows = await other.db.selectFrom('audit_log').select('seq').orderBy('seq').execute();
      await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`.execute(other.db);
      await sql`DELETE FROM audit_log WHERE seq = ${rows[1]!.seq}::bigint`.execute(other.db);
      const result = await verifyAuditChain(other.db);
      expect(result).toMatchObject({ ok: false, seq: rows[2]!.seq });
      expect(result.ok === false && result.problem).toMatch(/removed or reordered/);
    } finally {
      await other.drop();
    }
  });
});
