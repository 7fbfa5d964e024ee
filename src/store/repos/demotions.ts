// The circuit breakers' demotions: one active row per (action, environment), its level the steps
// taken. Every change is written with its audit row in the same transaction.
import { sql } from 'kysely';
import type { Demotion } from '../../policy/decision.ts';
import { appendAudit } from '../audit.ts';
import type { DbOrTrx, Trx } from '../db.ts';
import type { DemotionReason } from '../tables.ts';

/** The most steps that mean anything: three reach advisory from `auto`. */
export const MAX_DEMOTION_LEVEL = 3;

export interface ActiveDemotion extends Demotion {
  environment: string;
  createdAt: Date;
  updatedAt: Date;
}

function toDemotion(r: { action: string; environment: string; level: number; reasons: DemotionReason[]; created_at: Date | string; updated_at: Date | string }): ActiveDemotion {
  return {
    action: r.action,
    environment: r.environment,
    level: r.level,
    reasons: r.reasons.map((x) => ({ at: new Date(x.at), reason: x.reason })),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

/** Every active demotion (or those of one action), by action then environment. Throws when unreadable. */
export async function listActiveDemotions(db: DbOrTrx, action?: string): Promise<ActiveDemotion[]> {
  let q = db.selectFrom('demotions').select(['action', 'environment', 'level', 'reasons', 'created_at', 'updated_at']).where('lifted_at', 'is', null);
  if (action !== undefined) q = q.where('action', '=', action);
  const rows = await q.orderBy('action').orderBy('environment').execute();
  return rows.map(toDemotion);
}

/**
 * The demotions the evaluator must apply to `action`. Principle 8: a table that cannot be read
 * demotes the action to advisory in every environment, with a reason saying why — never [].
 */
export async function demotionsForDecision(db: DbOrTrx, action: string, now: Date): Promise<Demotion[]> {
  // A failed read inside a transaction would abort it; the savepoint keeps it usable.
  const guarded = db.isTransaction;
  try {
    if (guarded) await sql`SAVEPOINT demotions_read`.execute(db);
    const rows = await listActiveDemotions(db, action);
    if (guarded) await sql`RELEASE SAVEPOINT demotions_read`.execute(db);
    return rows;
  } catch (err) {
    if (guarded) await sql`ROLLBACK TO SAVEPOINT demotions_read`.execute(db).catch(() => undefined);
    const code = (err as { code?: unknown }).code;
    const what = typeof code === 'string' ? `database error ${code}` : 'database unreachable';
    const reason = `the circuit breakers' demotions could not be read (${what}), so the action is treated as advisory`;
    return [{ action, environment: null, level: MAX_DEMOTION_LEVEL, reasons: [{ at: now, reason }] }];
  }
}

export interface DemoteRequest {
  action: string;
  environment: string;
  breaker: string;
  reason: string;
  by: string;
  at: Date;
}

/**
 * One more step of demotion for (action, environment), audited. Past the last step the reason is
 * still recorded but the level stays (advisory stays advisory). Returns the level now in force.
 */
export async function demoteOneStep(trx: Trx, req: DemoteRequest): Promise<{ level: number; changed: boolean }> {
  const entry: DemotionReason = { at: req.at.toISOString(), breaker: req.breaker, reason: req.reason };
  const current = await trx
    .selectFrom('demotions')
    .select(['id', 'level', 'reasons'])
    .where('action', '=', req.action)
    .where('environment', '=', req.environment)
    .where('lifted_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  let level: number;
  if (current) {
    level = Math.min(current.level + 1, MAX_DEMOTION_LEVEL);
    await trx
      .updateTable('demotions')
      .set({ level, reasons: JSON.stringify([...current.reasons, entry]), updated_at: req.at })
      .where('id', '=', current.id)
      .execute();
  } else {
    level = 1;
    await trx
      .insertInto('demotions')
      .values({ action: req.action, environment: req.environment, level, reasons: JSON.stringify([entry]), created_by: req.by, created_at: req.at, updated_at: req.at })
      .execute();
  }
  const changed = level !== (current?.level ?? 0);
  await appendAudit(trx, {
    actor: req.by,
    kind: 'demotion.applied',
    subject: `demotion:${req.action}:${req.environment}`,
    payload: { action: req.action, environment: req.environment, breaker: req.breaker, reason: req.reason, level, changed },
  });
  return { level, changed };
}

/** Lifts the active demotion of (action, environment), audited. `lifted: false` when there was none. */
export async function liftDemotion(trx: Trx, req: { action: string; environment: string; by: string; reason: string; at: Date }): Promise<{ lifted: boolean; level: number }> {
  const row = await trx
    .updateTable('demotions')
    .set({ lifted_by: req.by, lifted_at: req.at, lift_reason: req.reason })
    .where('action', '=', req.action)
    .where('environment', '=', req.environment)
    .where('lifted_at', 'is', null)
    .returning('level')
    .executeTakeFirst();
  await appendAudit(trx, {
    actor: req.by,
    kind: 'demotion.lifted',
    subject: `demotion:${req.action}:${req.environment}`,
    payload: { action: req.action, environment: req.environment, reason: req.reason, lifted: row !== undefined, level: row?.level ?? 0 },
  });
  return { lifted: row !== undefined, level: row?.level ?? 0 };
}
