import { durationMs } from '../../policy/schema.ts';
import type { Policy } from '../../policy/schema.ts';
import type { PolicyState } from '../../policy/decision.ts';
import { ownValue } from '../../policy/matchers.ts';
import { sql } from 'kysely';
import type { DbOrTrx, Trx } from '../db.ts';
import { demotionsForDecision } from './demotions.ts';
import { activePauses } from './kill-switch.ts';

/**
 * What the pure evaluator needs to know about the world, read from Postgres: budget usage
 * and cooldowns are counted from executions (refused ones never ran, so they do not count),
 * the kill switch (unreadable = paused) and the circuit breakers' demotions (unreadable = advisory). Callers that must not race another replica read
 * this inside the transaction that holds `lockActionBudget`.
 */
export async function readPolicyState(db: DbOrTrx, policy: Policy, q: { action: string; target: string; now: Date }): Promise<PolicyState> {
  const decl = ownValue(policy.actions, q.action);
  const budgetWindow = decl?.budget ? durationMs(decl.budget.per) : 0;
  // Sequential on purpose: inside a transaction these share one connection.
  const budgetUsed = budgetWindow > 0 ? await countStartedSince(db, q.action, new Date(q.now.getTime() - budgetWindow)) : 0;
  const last = await db
    .selectFrom('executions')
    .select((eb) => eb.fn.max('started_at').as('at'))
    .where('action', '=', q.action)
    .where('target', '=', q.target)
    .where('status', '<>', 'refused')
    // A dry run is a rehearsal: it used no budget and needs no cooldown after it.
    .where('dry_run', '=', false)
    .executeTakeFirstOrThrow();
  const pauses = await activePauses(db, q.now);
  // Unreadable demotions come back as a demotion to advisory, like an unreadable kill switch.
  const demotions = await demotionsForDecision(db, q.action, q.now);
  return { now: q.now, budgetUsed, lastExecutionAt: last.at ? new Date(last.at) : null, pauses, demotions };
}

async function countStartedSince(db: DbOrTrx, action: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom('executions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('action', '=', action)
    .where('status', '<>', 'refused')
    .where('dry_run', '=', false)
    .where('started_at', '>', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Serialises every claim of one action across all replicas until the transaction ends, so
 * two processes cannot both see budget left and both spend it.
 */
export async function lockActionBudget(trx: Trx, action: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('infra-agent:action-budget'), hashtext(${action}))`.execute(trx);
}
