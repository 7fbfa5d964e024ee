// The circuit breakers' store adapter against Postgres: each breaker trips once per trip (re-checks
// are no-ops), demotes or pauses with audit rows, tells each admin by DM, applies everywhere the
// evaluator reads its state, fails closed when unreadable, and is lifted only by an admin.
import { sql } from 'kysely';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkBreakersAfterExecution, checkRecurrence, onVerificationFailed, onVerificationPassed } from '../../src/breakers/checks.ts';
import { restoreDemotion } from '../../src/breakers/restore.ts';
import { evaluateProposalRowNow } from '../../src/approvals/policy-now.ts';
import type { AppContext } from '../../src/context.ts';
import { readPolicyState } from '../../src/store/repos/policy-state.ts';
import { buildTestContext } from '../helpers/context.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { seedProposal } from '../helpers/seed-proposal.ts';

const POLICY = path.resolve(import.meta.dirname, '../fixtures/policies/breakers');
const ADMIN = 'U0CCC0003';

describe('circuit breakers (Postgres)', () => {
  let t: TestDatabase;
  let slack: FakeSlack;
  let ctx: AppContext;

  beforeAll(async () => {
    t = await createTestDatabase();
    slack = await startFakeSlack();
    ({ ctx } = await buildTestContext({ db: t.db, policyPath: POLICY, slackApiUrl: slack.url }));
  });
  afterAll(async () => {
    await slack?.close();
    await t?.drop();
  });
  beforeEach(async () => {
    // Each test counts its own executions; the DM pacing slots are reset so tests do not queue behind each other.
    for (const table of ['breaker_trips', 'breaker_verdicts', 'demotions', 'executions', 'slack_pacing'] as const) await t.db.deleteFrom(table).execute();
    await t.db.deleteFrom('kill_switch').where('changed_by', '=', 'system:breaker').execute();
    slack.calls.length = 0;
  });

  /** A proposal that ran: its execution row, `minutesAgo` back. */
  async function executed(environment: string, minutesAgo: number, status: 'succeeded' | 'failed' = 'succeeded', target = 'web-asg'): Promise<string> {
    const id = await seedProposal(t.db, { target, environment, params: { desiredCapacity: 5 }, observed: { desiredCapacity: 4 } });
    const startedAt = new Date(Date.now() - minutesAgo * 60_000);
    await t.db.updateTable('proposals').set({ state: status }).where('id', '=', id).execute();
    await t.db.insertInto('executions').values({ proposal_id: id, action: 'scale-asg', target, params: '{}', status, started_at: startedAt, finished_at: startedAt }).execute();
    return id;
  }
  const demotions = () => t.db.selectFrom('demotions').select(['action', 'environment', 'level', 'lifted_at']).execute();
  const adminDms = () => slack.calls.filter((c) => c.method === 'chat.postMessage' && c.body.channel === ADMIN);

  it('soft limit: the third execution within the hour demotes one step, once, and tells the admin', async () => {
    await executed('prod', 40);
    const second = await executed('prod', 30);
    expect(await checkBreakersAfterExecution(ctx, second)).toEqual([]);
    const third = await executed('prod', 1);
    const trips = await checkBreakersAfterExecution(ctx, third);
    expect(trips.map((x) => x.breaker)).toEqual(['soft_limit']);
    // The same facts again: no second demotion, no second DM.
    expect(await checkBreakersAfterExecution(ctx, third)).toEqual([]);
    expect(await demotions()).toEqual([{ action: 'scale-asg', environment: 'prod', level: 1, lifted_at: null }]);
    const audit = await t.db.selectFrom('audit_log').select(['actor', 'kind', 'subject']).where('kind', '=', 'demotion.applied').execute();
    expect(audit).toEqual([{ actor: 'system:breaker', kind: 'demotion.applied', subject: 'demotion:scale-asg:prod' }]);
    expect(adminDms()).toHaveLength(1);
    expect(String(adminDms()[0]?.body.text)).toContain('Circuit breaker `soft_limit` tripped for action *scale-asg* in *prod*');
    // Other environments are untouched.
    expect((await demotions()).some((d) => d.environment === 'dev')).toBe(false);
  });

  it('the demotion reaches the evaluator: prod resource `one` becomes `two`, with the reason in the trace', async () => {
    for (const m of [40, 30]) await executed('prod', m);
    await checkBreakersAfterExecution(ctx, await executed('prod', 1));
    const pending = await seedProposal(t.db, { target: 'web-asg', environment: 'prod', params: { desiredCapacity: 5 }, observed: { desiredCapacity: 4 }, state: 'pending' });
    const row = await t.db.selectFrom('proposals').selectAll().where('id', '=', pending).executeTakeFirstOrThrow();
    const d = await evaluateProposalRowNow(t.db, ctx.policy.current, row, ctx.now());
    expect(d).toMatchObject({ ok: true, requirement: 'two', matrixRequirement: 'one' });
    expect(d.trace.some((line) => /^demoted one step on .*: 3 executions of scale-asg in prod within 1h, past its soft limit of 2 per 1h$/.test(line))).toBe(true);
  });

  it('hard limit: the fourth execution pauses the action through the kill switch as system:breaker', async () => {
    for (const m of [50, 40, 30]) await checkBreakersAfterExecution(ctx, await executed('prod', m));
    const trips = await checkBreakersAfterExecution(ctx, await executed('prod', 1));
    expect(trips.map((x) => x.breaker)).toEqual(['hard_limit']);
    const pause = await t.db.selectFrom('kill_switch').selectAll().where('scope', '=', 'action').where('name', '=', 'scale-asg').executeTakeFirstOrThrow();
    expect(pause).toMatchObject({ paused: true, changed_by: 'system:breaker' });
    expect(pause.reason).toMatch(/^hard limit: 4 executions of scale-asg in prod within 1h, past its hard limit of 3 per 1h$/);
    const state = await readPolicyState(t.db, ctx.policy.current, { action: 'scale-asg', target: 'web-asg', now: ctx.now() });
    expect(state.pauses).toContainEqual(expect.objectContaining({ scope: 'action', name: 'scale-asg', by: 'system:breaker' }));
  });

  it('verification failures: two in a row demote once; a pass resets the streak', async () => {
    const a = await executed('staging', 30);
    const b = await executed('staging', 20);
    const c = await executed('staging', 10);
    expect(await onVerificationFailed(ctx, a)).toEqual([]);
    expect(await onVerificationPassed(ctx, b)).toEqual([]);
    expect(await onVerificationFailed(ctx, c)).toEqual([]);
    const d = await executed('staging', 5);
    expect((await onVerificationFailed(ctx, d)).map((x) => x.breaker)).toEqual(['verification_failures']);
    // The same verdict again is recorded once and trips nothing more.
    expect(await onVerificationFailed(ctx, d)).toEqual([]);
    expect(await demotions()).toEqual([{ action: 'scale-asg', environment: 'staging', level: 1, lifted_at: null }]);
  });

  it('recurrence: a new incident on a target fixed 5 minutes ago demotes once per incident', async () => {
    await executed('dev', 5);
    const incident = await t.db.insertInto('incidents').values({ group_key: 'again', source: 'test', title: 'again', status: 'open' }).returning('id').executeTakeFirstOrThrow();
    const q = { incidentId: incident.id, environment: 'dev', target: 'web-asg', alertName: 'HighCPU' };
    expect((await checkRecurrence(ctx, q)).map((x) => x.breaker)).toEqual(['recurrence']);
    expect(await checkRecurrence(ctx, q)).toEqual([]);
    // Another target, or outside the window: nothing.
    expect(await checkRecurrence(ctx, { ...q, target: 'web-other' })).toEqual([]);
    expect(await demotions()).toEqual([{ action: 'scale-asg', environment: 'dev', level: 1, lifted_at: null }]);
    // dev resource is `auto` in this policy: demoted, it needs one person.
    const state = await readPolicyState(t.db, ctx.policy.current, { action: 'scale-asg', target: 'web-asg', now: ctx.now() });
    expect(state.demotions).toEqual([expect.objectContaining({ environment: 'dev', level: 1 })]);
  });

  it('steps accumulate to advisory and stay there', async () => {
    const incidents = await Promise.all([1, 2, 3, 4].map((i) => t.db.insertInto('incidents').values({ group_key: `again-${i}`, source: 'test', title: 'again', status: 'open' }).returning('id').executeTakeFirstOrThrow()));
    await executed('dev', 5);
    for (const inc of incidents) await checkRecurrence(ctx, { incidentId: inc.id, environment: 'dev', target: 'web-asg', alertName: 'HighCPU' });
    expect(await demotions()).toEqual([{ action: 'scale-asg', environment: 'dev', level: 3, lifted_at: null }]);
    const row = await t.db.selectFrom('demotions').select('reasons').executeTakeFirstOrThrow();
    expect(row.reasons).toHaveLength(4);
  });

  it('fails closed: an unreadable demotions table reads as advisory, and the transaction stays usable', async () => {
    await t.db.transaction().execute(async (trx) => {
      await sql`ALTER TABLE demotions RENAME TO demotions_gone`.execute(trx);
      const state = await readPolicyState(trx, ctx.policy.current, { action: 'scale-asg', target: 'web-asg', now: ctx.now() });
      expect(state.demotions).toEqual([expect.objectContaining({ environment: null, level: 3 })]);
      expect(state.demotions?.[0]?.reasons[0]?.reason).toContain("demotions could not be read (database error 42P01)");
      await sql`SELECT 1`.execute(trx);
      await sql`ALTER TABLE demotions_gone RENAME TO demotions`.execute(trx);
    });
  });

  it('restore: refused for a non-admin (recorded), lifted by an admin (audited), and the evaluator sees it gone', async () => {
    await executed('dev', 5);
    const incident = await t.db.insertInto('incidents').values({ group_key: 'again-r', source: 'test', title: 'again', status: 'open' }).returning('id').executeTakeFirstOrThrow();
    await checkRecurrence(ctx, { incidentId: incident.id, environment: 'dev', target: 'web-asg', alertName: 'HighCPU' });
    const refused = await restoreDemotion(ctx, { action: 'scale-asg', environment: 'dev', userId: 'U0AAA0001', reason: 'please' });
    expect(refused).toEqual({ ok: false, reason: `only an admin of the policy may lift a demotion (admins: ${ADMIN})` });
    const denied = await t.db.selectFrom('clicks').selectAll().where('action_id', '=', 'command.restore').where('allowed', '=', false).execute();
    expect(denied).toHaveLength(1);
    expect((await demotions())[0]?.lifted_at).toBeNull();
    expect(await restoreDemotion(ctx, { action: 'scale-asg', environment: 'dev', userId: ADMIN, reason: 'checked the target' })).toEqual({ ok: true, lifted: true, level: 1 });
    const lifted = await t.db.selectFrom('audit_log').select(['actor', 'kind']).where('kind', '=', 'demotion.lifted').execute();
    expect(lifted).toEqual([{ actor: `slack:${ADMIN}`, kind: 'demotion.lifted' }]);
    const state = await readPolicyState(t.db, ctx.policy.current, { action: 'scale-asg', target: 'web-asg', now: ctx.now() });
    expect(state.demotions).toEqual([]);
    expect(await restoreDemotion(ctx, { action: 'scale-asg', environment: 'dev', userId: ADMIN, reason: 'again' })).toEqual({ ok: true, lifted: false, level: 0 });
  });
});
