import { sql } from 'kysely';
import type { Pause, PauseScope } from '../../policy/decision.ts';
import { appendAudit } from '../audit.ts';
import type { DbOrTrx, Trx } from '../db.ts';

export interface SwitchChange {
  scope: PauseScope;
  /** Environment or action name; null for `global` and `auto`. */
  name: string | null;
  paused: boolean;
  by: string;
  reason: string;
  at: Date;
}

/**
 * The active pauses. Principle 8: if the switch cannot be read the bot is paused, so any
 * error becomes a global pause whose reason says what went wrong — never an empty list.
 */
export async function activePauses(db: DbOrTrx, now: Date): Promise<Pause[]> {
  // Inside a transaction a failed read would abort the whole transaction; a savepoint keeps
  // it usable so the caller can still record the refusal.
  const guarded = db.isTransaction;
  try {
    if (guarded) await sql`SAVEPOINT kill_switch_read`.execute(db);
    const rows = await db.selectFrom('kill_switch').selectAll().where('paused', '=', true).orderBy('scope').orderBy('name').execute();
    if (guarded) await sql`RELEASE SAVEPOINT kill_switch_read`.execute(db);
    return rows.map((r) => ({ scope: r.scope, name: r.name === '' ? null : r.name, by: r.changed_by, reason: r.reason, at: new Date(r.changed_at) }));
  } catch (err) {
    if (guarded) await sql`ROLLBACK TO SAVEPOINT kill_switch_read`.execute(db).catch(() => undefined);
    // The reason reaches Slack cards: a SQLSTATE says enough, a driver message may name hosts.
    const code = (err as { code?: unknown }).code;
    const what = typeof code === 'string' ? `database error ${code}` : 'database unreachable';
    return [{ scope: 'global', name: null, by: 'system', reason: `the kill switch state could not be read (${what}), so the bot treats itself as paused`, at: now }];
  }
}

/**
 * Sets one switch and writes its audit row in the same transaction. Returns whether the state
 * changed (pausing what is already paused still records who asked, in the audit chain).
 */
export async function setSwitch(trx: Trx, change: SwitchChange): Promise<{ changed: boolean }> {
  const name = change.name ?? '';
  const before = await trx.selectFrom('kill_switch').select('paused').where('scope', '=', change.scope).where('name', '=', name).forUpdate().executeTakeFirst();
  await trx
    .insertInto('kill_switch')
    .values({ scope: change.scope, name, paused: change.paused, changed_by: change.by, reason: change.reason, changed_at: change.at })
    .onConflict((oc) => oc.columns(['scope', 'name']).doUpdateSet({ paused: change.paused, changed_by: change.by, reason: change.reason, changed_at: change.at }))
    .execute();
  const changed = (before?.paused ?? false) !== change.paused;
  await appendAudit(trx, {
    actor: change.by,
    kind: change.paused ? 'killswitch.paused' : 'killswitch.resumed',
    subject: `killswitch:${change.scope}${change.name ? `:${change.name}` : ''}`,
    payload: { scope: change.scope, name: change.name, reason: change.reason, changed },
  });
  return { changed };
}
