// The last-moment checks before an executor runs, against a real Postgres and moto_server:
// budgets and cooldowns counted from executions (also across two bot processes racing on one
// database), the kill switch (and what happens when it cannot be read), freezes and the auto tier.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeProposal } from '../../src/actions/execute.ts';
import { decideProposal } from '../../src/approvals/decide.ts';
import { AUTO_APPROVER } from '../../src/domain/proposal.ts';
import type { AppContext } from '../../src/context.ts';
import { verifyAuditChain } from '../../src/store/audit.ts';
import { activePauses, setSwitch } from '../../src/store/repos/kill-switch.ts';
import { buildTestContext } from '../helpers/context.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { awsClientConfig, seedAsg, startMoto } from '../helpers/moto.ts';
import { seedProposal } from '../helpers/seed-proposal.ts';

const run = promisify(execFile);
const POLICY = path.resolve(import.meta.dirname, '../fixtures/policies/execution-guards');
const RACER = path.resolve(import.meta.dirname, '../helpers/execute-racer.ts');
const moto = await startMoto();
const skip = 'skip' in moto ? moto.skip : false;

async function outcomes(t: TestDatabase, ids: string[]) {
  return t.db.selectFrom('proposals').select(['id', 'state', 'outcome']).where('id', 'in', ids).execute();
}

describe.skipIf(skip)(`execution guards against Postgres and moto_server${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  const autoscaling = new AutoScalingClient(awsClientConfig(url));
  const desired = async (name: string) =>
    (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0]?.DesiredCapacity;
  let t: TestDatabase;
  let ctx: AppContext;

  beforeAll(async () => {
    t = await createTestDatabase();
    ({ ctx } = await buildTestContext({ db: t.db, policyPath: POLICY, awsEndpoint: url }));
  });
  afterAll(async () => {
    await t?.drop();
    autoscaling.destroy();
    if ('stop' in moto) await moto.stop();
  });

  it('a fresh database starts with the auto tier paused, and says why', async () => {
    const pauses = await activePauses(t.db, new Date());
    expect(pauses).toEqual([expect.objectContaining({ scope: 'auto', name: null, by: 'system', reason: 'fresh install: the auto tier starts paused until an admin resumes it' })]);
  });

  it('two processes racing on one database spend a budget of 2 exactly twice', async () => {
    const names = ['web-r1', 'web-r2', 'web-r3', 'web-r4', 'web-r5', 'web-r6'];
    for (const name of names) await seedAsg(url, { name, min: 1, max: 10, desired: 2 });
    const ids: string[] = [];
    for (const name of names) ids.push(await seedProposal(t.db, { target: name, params: { desiredCapacity: 3 }, observed: { desiredCapacity: 2 } }));
    const startAt = String(Date.now() + 2_500);
    const racer = (mine: string[]) => run(process.execPath, ['--experimental-strip-types', '--no-warnings', RACER, t.url, POLICY, url, startAt, ...mine], { timeout: 60_000 });
    const [a, b] = await Promise.all([racer(ids.slice(0, 3)), racer(ids.slice(3))]);
    expect(JSON.parse(a.stdout).errors).toEqual([]);
    expect(JSON.parse(b.stdout).errors).toEqual([]);

    const rows = await outcomes(t, ids);
    expect(rows.filter((r) => r.state === 'succeeded')).toHaveLength(2);
    const refused = rows.filter((r) => r.state === 'refused');
    expect(refused).toHaveLength(4);
    for (const r of refused) expect(r.outcome).toMatch(/^Refused at the last moment: budget of action 'scale-asg' is used up: 2 of 2 executions in the last 1h/);
    const scaled = (await Promise.all(names.map(desired))).filter((d) => d === 3);
    expect(scaled).toHaveLength(2);
    // Refused claims are recorded as executions that never ran, so they spend no budget.
    const statuses = await t.db.selectFrom('executions').select('status').where('proposal_id', 'in', ids).execute();
    expect(statuses.map((s) => s.status).sort()).toEqual(['refused', 'refused', 'refused', 'refused', 'succeeded', 'succeeded']);
  });

  it('refuses a second change to the same target inside its cooldown', async () => {
    // The budget is spent by the race above; a fresh database keeps this about the cooldown.
    const t2 = await createTestDatabase();
    try {
      const { ctx: c2 } = await buildTestContext({ db: t2.db, policyPath: POLICY, awsEndpoint: url });
      await seedAsg(url, { name: 'web-cool', min: 1, max: 10, desired: 2 });
      const first = await seedProposal(t2.db, { target: 'web-cool', params: { desiredCapacity: 3 }, observed: { desiredCapacity: 2 } });
      await executeProposal(c2, first);
      const second = await seedProposal(t2.db, { target: 'web-cool', params: { desiredCapacity: 4 }, observed: { desiredCapacity: 3 } });
      await executeProposal(c2, second);
      const [a, b] = [await outcomes(t2, [first]), await outcomes(t2, [second])];
      expect(a[0]?.state).toBe('succeeded');
      expect(b[0]?.state).toBe('refused');
      expect(b[0]?.outcome).toMatch(/target 'web-cool' is in cooldown for action 'scale-asg' until .* \(last execution .*, cooldown 1h\)/);
      expect(await desired('web-cool')).toBe(3);
    } finally {
      await t2.drop();
    }
  });

  describe('kill switch and approvals at the last moment', () => {
    let t3: TestDatabase;
    let c3: AppContext;
    beforeAll(async () => {
      t3 = await createTestDatabase();
      ({ ctx: c3 } = await buildTestContext({ db: t3.db, policyPath: POLICY, awsEndpoint: url }));
      await seedAsg(url, { name: 'web-ks1', min: 1, max: 10, desired: 2 });
      await seedAsg(url, { name: 'web-ks2', min: 1, max: 10, desired: 2 });
    });
    afterAll(async () => t3?.drop());

    it('a global pause refuses an approved proposal without touching the target, naming who and why', async () => {
      await t3.db.transaction().execute((trx) => setSwitch(trx, { scope: 'global', name: null, paused: true, by: 'slack:U0CCC0003', reason: 'incident review', at: new Date() }));
      const id = await seedProposal(t3.db, { target: 'web-ks1', params: { desiredCapacity: 3 }, observed: { desiredCapacity: 2 } });
      await executeProposal(c3, id);
      const [row] = await outcomes(t3, [id]);
      expect(row?.state).toBe('refused');
      expect(row?.outcome).toContain('paused globally by slack:U0CCC0003');
      expect(row?.outcome).toContain('incident review');
      expect(await desired('web-ks1')).toBe(2);
      await t3.db.transaction().execute((trx) => setSwitch(trx, { scope: 'global', name: null, paused: false, by: 'slack:U0CCC0003', reason: 'done', at: new Date() }));
      const audit = await t3.db.selectFrom('audit_log').select(['kind', 'actor']).where('kind', 'like', 'killswitch.%').orderBy('seq').execute();
      expect(audit).toEqual([{ kind: 'killswitch.paused', actor: 'slack:U0CCC0003' }, { kind: 'killswitch.resumed', actor: 'slack:U0CCC0003' }]);
    });

    it('an auto-approved proposal does not run while the auto tier is paused', async () => {
      const id = await seedProposal(t3.db, { target: 'web-ks1', environment: 'dev', requirement: 'auto', decidedBy: AUTO_APPROVER, params: { desiredCapacity: 3 }, observed: { desiredCapacity: 2 } });
      await executeProposal(c3, id);
      const [row] = await outcomes(t3, [id]);
      expect(row?.state).toBe('refused');
      expect(row?.outcome).toContain("the policy now requires 'one' but this proposal was approved under 'auto'");
      expect(await desired('web-ks1')).toBe(2);
    });

    it('during a freeze only an admin-approved change runs', async () => {
      // A Saturday: inside the fixture's weekend freeze whatever day the test runs.
      const { ctx: saturday } = await buildTestContext({ db: t3.db, policyPath: POLICY, awsEndpoint: url, now: () => new Date('2026-11-21T12:00:00Z') });
      const byApprover = await seedProposal(t3.db, { target: 'web-ks1', environment: 'frozen', params: { desiredCapacity: 3 }, observed: { desiredCapacity: 2 } });
      await executeProposal(saturday, byApprover);
      const [refused] = await outcomes(t3, [byApprover]);
      expect(refused?.state).toBe('refused');
      expect(refused?.outcome).toContain("freeze 'weekend' is active until 2026-11-23T08:00:00.000Z: only admins' approvals let a change run, and 0 of the 1 approval(s) needed still count");

      const byAdmin = await seedProposal(t3.db, { target: 'web-ks2', environment: 'frozen', decidedBy: 'U0CCC0003', params: { desiredCapacity: 3 }, observed: { desiredCapacity: 2 } });
      await executeProposal(saturday, byAdmin);
      expect((await outcomes(t3, [byAdmin]))[0]?.state).toBe('succeeded');
      expect(await desired('web-ks2')).toBe(3);
    });

    it('an unreadable kill switch counts as paused: nothing runs, and the refusal says why', async () => {
      const id = await seedProposal(t3.db, { target: 'web-ks1', params: { desiredCapacity: 4 }, observed: { desiredCapacity: 2 } });
      await sql`ALTER TABLE kill_switch RENAME TO kill_switch_moved`.execute(t3.db);
      try {
        const pauses = await activePauses(t3.db, new Date());
        expect(pauses).toEqual([expect.objectContaining({ scope: 'global', by: 'system' })]);
        // 42P01: undefined_table.
        expect(pauses[0]?.reason).toBe('the kill switch state could not be read (database error 42P01), so the bot treats itself as paused');
        await executeProposal(c3, id);
      } finally {
        await sql`ALTER TABLE kill_switch_moved RENAME TO kill_switch`.execute(t3.db);
      }
      const [row] = await outcomes(t3, [id]);
      expect(row?.state).toBe('refused');
      expect(row?.outcome).toContain('the kill switch state could not be read');
      expect(await desired('web-ks1')).toBe(2);
      expect(await verifyAuditChain(t3.db)).toMatchObject({ ok: true });
    });
  });
  it('a retried job that finds its execution interrupted mid-call records the outcome as unknown, with a re-read, and never re-runs it', async () => {
    const t4 = await createTestDatabase();
    try {
      const { ctx: c4 } = await buildTestContext({ db: t4.db, policyPath: POLICY, awsEndpoint: url });
      await seedAsg(url, { name: 'web-crash', min: 1, max: 10, desired: 5 });
      const id = await seedProposal(t4.db, { target: 'web-crash', params: { desiredCapacity: 5 }, observed: { desiredCapacity: 2 } });
      // As a process that died during the executor call leaves it: claimed, running, a minute ago.
      const aMinuteAgo = new Date(Date.now() - 60_000);
      await t4.db.updateTable('proposals').set({ state: 'executing' }).where('id', '=', id).execute();
      await t4.db.insertInto('executions').values({ proposal_id: id, action: 'scale-asg', target: 'web-crash', params: '{"desiredCapacity":5}', status: 'running', started_at: aMinuteAgo }).execute();
      await executeProposal(c4, id);
      const p = await t4.db.selectFrom('proposals').select(['state', 'outcome']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(p.state).toBe('failed');
      expect(p.outcome).toBe('Failed: outcome unknown: the bot stopped while the change was being made; web-crash now reports desired capacity 5 (min 1, max 10)');
      const ex = await t4.db.selectFrom('executions').select(['status', 'error']).where('proposal_id', '=', id).execute();
      expect(ex).toEqual([{ status: 'failed', error: expect.stringContaining('outcome unknown') }]);
      expect((await t4.db.selectFrom('audit_log').select('kind').where('kind', '=', 'execution.interrupted').execute()).length).toBe(1);
      // A second retry finds nothing left to do.
      await executeProposal(c4, id);
      expect((await t4.db.selectFrom('audit_log').select('kind').where('kind', '=', 'execution.interrupted').execute()).length).toBe(1);
    } finally {
      await t4.drop();
    }
  });
  it('a run that may still be in flight is not declared dead: a durable re-check is set for when it cannot be running', async () => {
    const t6 = await createTestDatabase();
    try {
      const { ctx: c6, jobs } = await buildTestContext({ db: t6.db, policyPath: POLICY, awsEndpoint: url });
      const id = await seedProposal(t6.db, { target: 'web-slow', params: { desiredCapacity: 5 }, observed: { desiredCapacity: 2 } });
      const started = new Date(Date.now() - 2_000);
      await t6.db.updateTable('proposals').set({ state: 'executing' }).where('id', '=', id).execute();
      await t6.db.insertInto('executions').values({ proposal_id: id, action: 'scale-asg', target: 'web-slow', params: '{"desiredCapacity":5}', status: 'running', started_at: started }).execute();
      // Two seconds old, under the executor's limit: not declared dead, but a durable re-check is set
      // for when it cannot be running any more (the job's own retries would all come too early).
      await executeProposal(c6, id);
      expect(jobs.rechecks).toHaveLength(1);
      expect(jobs.rechecks[0]!.at.getTime()).toBeGreaterThan(Date.now());
      expect((await t6.db.selectFrom('proposals').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state).toBe('executing');
      expect(await t6.db.selectFrom('audit_log').select('kind').where('kind', '=', 'execution.interrupted').execute()).toEqual([]);
    } finally {
      await t6.drop();
    }
  });
  it('a click after the approval window has run out expires the proposal even if the expiry job has not run yet', async () => {
    const t5 = await createTestDatabase();
    try {
      const { ctx: c5 } = await buildTestContext({ db: t5.db, policyPath: POLICY, awsEndpoint: url });
      const id = await seedProposal(t5.db, { target: 'web-late', state: 'pending', params: { desiredCapacity: 3 }, observed: { desiredCapacity: 2 } });
      await t5.db.updateTable('proposals').set({ posted_at: new Date(Date.now() - 31 * 60_000), approval_expires_at: new Date(Date.now() - 60_000) }).where('id', '=', id).execute();
      const outcome = await decideProposal(c5, { proposalId: id, userId: 'U0AAA0001', actionId: 'proposal.approve', decision: 'approve', retryNum: null, stage: 'click' });
      expect(outcome).toEqual({ allowed: false, reason: 'this proposal has expired: no decision within the approval window of 30m', changed: true });
      expect((await t5.db.selectFrom('proposals').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state).toBe('expired');
    } finally {
      await t5.drop();
    }
  });
});
