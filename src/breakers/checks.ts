// The store adapter of the circuit breakers: reads the facts each pure rule (rules.ts) needs,
// records a trip once (breaker_trips' unique key), applies its demotion or pause with audit rows
// in the same transaction, and afterwards tells the admins. Each (action, environment) is checked
// under its own advisory lock, so two replicas checking at once cannot both record a trip.
// Lock order: breaker lock → demotion/kill-switch row → audit chain (never a proposal row).
import { sql } from 'kysely';
import type { AppContext } from '../context.ts';
import { ownValue } from '../policy/matchers.ts';
import { durationMs } from '../policy/schema.ts';
import type { Trx } from '../store/db.ts';
import { demoteOneStep } from '../store/repos/demotions.ts';
import { setSwitch } from '../store/repos/kill-switch.ts';
import { notifyAdmins } from '../slack/admin-notice.ts';
import { tripNoticeText } from './notice.ts';
import { limitTrip, recurrenceTrip, verificationTrip, type BreakerName, type Subject, type Trip } from './rules.ts';

/** Who the breakers act as, in the audit chain and on the kill switch. */
export const BREAKER_ACTOR = 'system:breaker';

// A space cannot occur in a policy name (NAME_PATTERN), so 'action env' is unambiguous.
async function lockSubject(trx: Trx, s: Subject): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('infra-agent:breakers'), hashtext(${`${s.action} ${s.environment}`}))`.execute(trx);
}

async function lastTripAt(trx: Trx, s: Subject, breaker: BreakerName): Promise<Date | null> {
  const row = await trx
    .selectFrom('breaker_trips')
    .select((eb) => eb.fn.max('at').as('at'))
    .where('action', '=', s.action)
    .where('environment', '=', s.environment)
    .where('breaker', '=', breaker)
    .executeTakeFirst();
  return row?.at ? new Date(row.at) : null;
}

/** Records each trip once and applies it; returns the trips that were new. */
async function recordTrips(ctx: AppContext, trx: Trx, s: Subject, trips: readonly Trip[]): Promise<Trip[]> {
  const fresh: Trip[] = [];
  for (const trip of trips) {
    const inserted = await trx
      .insertInto('breaker_trips')
      .values({ action: s.action, environment: s.environment, breaker: trip.breaker, trip_key: trip.key, reason: trip.reason, at: trip.at })
      .onConflict((oc) => oc.columns(['action', 'environment', 'breaker', 'trip_key']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) continue;
    fresh.push(trip);
    if (trip.effect === 'pause') {
      await setSwitch(trx, { scope: 'action', name: s.action, paused: true, by: BREAKER_ACTOR, reason: `hard limit: ${trip.reason}`, at: ctx.now() });
    } else {
      await demoteOneStep(trx, { ...s, breaker: trip.breaker, reason: trip.reason, by: BREAKER_ACTOR, at: ctx.now() });
    }
  }
  return fresh;
}

async function tripAndTell(ctx: AppContext, s: Subject, decide: (trx: Trx) => Promise<Trip[]>): Promise<Trip[]> {
  const fresh = await ctx.db.transaction().execute(async (trx) => {
    await lockSubject(trx, s);
    return recordTrips(ctx, trx, s, await decide(trx));
  });
  for (const trip of fresh) ctx.log.warn({ ...s, breaker: trip.breaker, reason: trip.reason }, 'circuit breaker tripped');
  if (fresh.length > 0) await notifyPendingTrips(ctx);
  return fresh;
}

/**
 * After an execution is recorded: the soft limit (demote) and hard limit (pause) of its action in
 * its environment. Safe to call again for the same execution.
 */
export async function checkBreakersAfterExecution(ctx: AppContext, proposalId: string): Promise<Trip[]> {
  const p = await ctx.db.selectFrom('proposals').select(['action', 'environment']).where('id', '=', proposalId).executeTakeFirst();
  const breakers = p ? ownValue(ctx.policy.current.actions, p.action)?.breakers : undefined;
  if (!p || (!breakers?.soft_limit && !breakers?.hard_limit)) return [];
  const s = { action: p.action, environment: p.environment };
  return tripAndTell(ctx, s, async (trx) => {
    const now = ctx.now();
    const trips: Trip[] = [];
    for (const kind of ['soft_limit', 'hard_limit'] as const) {
      const limit = breakers[kind];
      if (!limit) continue;
      const rows = await trx
        .selectFrom('executions as e')
        .innerJoin('proposals as p', 'p.id', 'e.proposal_id')
        .select(['e.id', 'e.started_at'])
        .where('e.action', '=', s.action)
        .where('p.environment', '=', s.environment)
        .where('e.status', '<>', 'refused')
        .where('e.dry_run', '=', false)
        .where('e.started_at', '>', new Date(now.getTime() - durationMs(limit.per)))
        .orderBy('e.started_at')
        .orderBy('e.id')
        .execute();
      const executions = rows.map((r) => ({ id: r.id, startedAt: new Date(r.started_at) }));
      const trip = limitTrip(kind, { ...s, limit, executions, lastTripAt: await lastTripAt(trx, s, kind), now });
      if (trip) trips.push(trip);
    }
    return trips;
  });
}

/**
 * When a new incident is diagnosed: did the target alert again within `recurrence` of a success of
 * a whitelisted action on it (in another incident)? Each action with that breaker trips at most
 * once per incident. Call before the policy decision, so the proposal already sees the demotion.
 */
export async function checkRecurrence(ctx: AppContext, q: { incidentId: string; environment: string; target: string | null; alertName: string }): Promise<Trip[]> {
  if (!q.target) return [];
  const fresh: Trip[] = [];
  for (const [action, decl] of Object.entries(ctx.policy.current.actions)) {
    if (!decl.breakers?.recurrence) continue;
    const last = await ctx.db
      .selectFrom('executions as e')
      .innerJoin('proposals as p', 'p.id', 'e.proposal_id')
      .select(['e.proposal_id', 'e.finished_at'])
      .where('e.action', '=', action)
      .where('e.target', '=', q.target)
      .where('e.status', '=', 'succeeded')
      // A dry run changed nothing, so nothing failed to hold.
      .where('e.dry_run', '=', false)
      .where('p.environment', '=', q.environment)
      .where('p.incident_id', '<>', q.incidentId)
      .where('e.finished_at', 'is not', null)
      .orderBy('e.finished_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    const lastSuccess = last?.finished_at ? { proposalId: last.proposal_id, finishedAt: new Date(last.finished_at) } : null;
    const trip = recurrenceTrip({ action, environment: q.environment, breakers: decl.breakers, target: q.target, incidentId: q.incidentId, alertName: q.alertName, lastSuccess, now: ctx.now() });
    if (trip) fresh.push(...(await tripAndTell(ctx, { action, environment: q.environment }, async () => [trip])));
  }
  return fresh;
}

/**
 * What the verification code calls with each verdict of an executed proposal. Recorded once per
 * proposal (the first verdict stands); a failure may trip `verification_failures`.
 */
export async function recordVerificationVerdict(ctx: AppContext, proposalId: string, passed: boolean): Promise<Trip[]> {
  const p = await ctx.db.selectFrom('proposals').select(['action', 'environment']).where('id', '=', proposalId).executeTakeFirst();
  if (!p) throw new Error(`proposal ${proposalId} not found`);
  const s = { action: p.action, environment: p.environment };
  await ctx.db
    .insertInto('breaker_verdicts')
    .values({ proposal_id: proposalId, ...s, passed, at: ctx.now() })
    .onConflict((oc) => oc.column('proposal_id').doNothing())
    .execute();
  const breakers = ownValue(ctx.policy.current.actions, p.action)?.breakers;
  if (passed || breakers?.verification_failures === undefined) return [];
  return tripAndTell(ctx, s, async (trx) => {
    const since = await lastTripAt(trx, s, 'verification_failures');
    let q = trx.selectFrom('breaker_verdicts').select(['proposal_id', 'passed', 'at']).where('action', '=', s.action).where('environment', '=', s.environment);
    if (since) q = q.where('at', '>', since);
    const rows = await q.orderBy('at').orderBy('proposal_id').execute();
    const trip = verificationTrip({ ...s, breakers, verdicts: rows.map((r) => ({ proposalId: r.proposal_id, passed: r.passed, at: new Date(r.at) })) });
    return trip ? [trip] : [];
  });
}

/** A failed verification of an executed proposal (see recordVerificationVerdict). */
export const onVerificationFailed = (ctx: AppContext, proposalId: string): Promise<Trip[]> => recordVerificationVerdict(ctx, proposalId, false);
/** A passed verification: it ends a streak of failures. */
export const onVerificationPassed = (ctx: AppContext, proposalId: string): Promise<Trip[]> => recordVerificationVerdict(ctx, proposalId, true);

/**
 * Tells the admins about every trip nobody was told about yet. A trip is claimed before sending
 * (one replica tells) and released again if no admin could be reached, so a later sweep retries.
 */
export async function notifyPendingTrips(ctx: AppContext): Promise<number> {
  const pending = await ctx.db.selectFrom('breaker_trips').select('id').where('notified_at', 'is', null).orderBy('id').limit(20).execute();
  let told = 0;
  for (const { id } of pending) {
    const trip = await ctx.db.updateTable('breaker_trips').set({ notified_at: ctx.now() }).where('id', '=', id).where('notified_at', 'is', null).returningAll().executeTakeFirst();
    if (!trip) continue;
    const demotion = await ctx.db.selectFrom('demotions').select('level').where('action', '=', trip.action).where('environment', '=', trip.environment).where('lifted_at', 'is', null).executeTakeFirst();
    const text = tripNoticeText({ action: trip.action, environment: trip.environment, breaker: trip.breaker, reason: trip.reason, level: demotion?.level ?? 0 });
    const sent = await notifyAdmins(ctx, text);
    if (sent === 0 && ctx.policy.current.admins.length > 0) {
      await ctx.db.updateTable('breaker_trips').set({ notified_at: null }).where('id', '=', id).execute();
    } else told++;
  }
  return told;
}
