// Exactly once across replicas and crashes (DESIGN §3, §8), with real `infra-agent serve`
// processes sharing one database, one moto_server and one fake Slack: two replicas receiving the
// same alert and a burst of approval clicks (concurrent, a double click, a Slack retry) on both;
// and a process killed (SIGKILL) between the approval and the execution, after which another
// process runs the change exactly once, or expires it if the execution window ran out meanwhile.
// moto records every request it gets, so "changed once" counts the calls that reached AWS.
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { QUEUES } from '../../src/jobs/queue.ts';
import { verifyAuditChain } from '../../src/store/audit.ts';
import { postWebhook, SIGNING_SECRET } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { awsClientConfig, putCpu, recordedCalls, seedAsg, startMoto } from '../helpers/moto.ts';
import { startServe, type ServeProcess } from '../helpers/serve-process.ts';
import { blockActionsBody, FORM, postToBolt } from '../helpers/slack-requests.ts';

const POLICY = path.resolve(import.meta.dirname, '../fixtures/policies/replicas');
const EXECUTION_WINDOW_MS = 8_000; // time_limits.execution in the fixture
const APPROVER = 'U0AAA0001';
const CHANNEL = 'C0PROD0001';
const FINAL = ['succeeded', 'failed', 'refused', 'expired', 'cancelled', 'superseded', 'rejected'];

const recording = path.join(os.tmpdir(), `replicas-moto-${process.pid}-${Date.now()}.jsonl`);
const moto = await startMoto({ recordTo: recording });
const skip = 'skip' in moto ? moto.skip : false;

function alertBody(group: string) {
  const labels = { alertname: 'HighCPU', autoscaling_group: group, env: 'prod', severity: 'critical' };
  return {
    version: '4',
    groupKey: `{}:{alertname="HighCPU", autoscaling_group="${group}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'infra-agent',
    groupLabels: { alertname: 'HighCPU', autoscaling_group: group },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.local',
    alerts: [{ status: 'firing', labels, annotations: { summary: `CPU high on ${group}` }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: `fp-${group}` }],
  };
}

describe.skipIf(skip)(`exactly once across replicas and crashes${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  const autoscaling = new AutoScalingClient(awsClientConfig(url));
  let slack: FakeSlack;
  const bots: ServeProcess[] = [];
  const databases: TestDatabase[] = [];
  let firstBotOfTest = 0;

  const desired = async (group: string) =>
    (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }))).AutoScalingGroups?.[0]?.DesiredCapacity;
  const scalings = async (group: string) =>
    (await recordedCalls(url, 'SetDesiredCapacity')).filter((body) => new URLSearchParams(body).get('AutoScalingGroupName') === group || body.includes(`"${group}"`));
  const newDatabase = async () => {
    const t = await createTestDatabase();
    databases.push(t);
    return t;
  };
  const start = async (name: string, t: TestDatabase, pollSeconds?: number) => {
    const bot = await startServe({ name, databaseUrl: t.url, slackApiUrl: slack.url, awsEndpoint: url, policyPath: POLICY, ...(pollSeconds ? { pollSeconds } : {}) });
    bots.push(bot);
    return bot;
  };
  const proposalOf = (t: TestDatabase, group: string) => t.db.selectFrom('proposals').selectAll().where('target', '=', group).executeTakeFirstOrThrow();
  const approveBody = (proposalId: string, messageTs: string) =>
    blockActionsBody({ userId: APPROVER, actionId: 'proposal.approve', value: proposalId, channel: CHANNEL, messageTs, responseUrl: slack.responseUrl(`approve-${proposalId}`) });
  const click = (bot: ServeProcess, body: string, headers: Record<string, string> = {}) => postToBolt(bot.baseUrl, '/slack/events', body, FORM, SIGNING_SECRET, headers);
  // Each test has its own database, so a queue's jobs there are that test's jobs.
  const jobs = async (t: TestDatabase, queue: string) =>
    (await sql<{ state: string; retries: number }>`SELECT state, retry_count AS retries FROM pgboss.job WHERE name = ${queue} ORDER BY start_after`.execute(t.db)).rows;
  const once = [{ state: 'completed', retries: 0 }];
  const auditKinds = async (t: TestDatabase, proposalId: string, kind: string) =>
    t.db.selectFrom('audit_log').select('kind').where('subject', '=', `proposal:${proposalId}`).where('kind', '=', kind).execute();
  const cardText = (ts: string) => JSON.stringify(slack.message(CHANNEL, ts)?.blocks ?? null);
  const logged = (msg: string, ...among: ServeProcess[]) => among.flatMap((b) => b.logged(msg));

  /**
   * An alert diagnosed and its card posted by a short-lived process D, stopped (gracefully)
   * before the test goes on, so that it cannot pick up any job the test is about.
   */
  async function cardPostedByAnotherProcess(t: TestDatabase, group: string) {
    const d = await start('D (diagnosis only)', t);
    expect((await postWebhook(d.baseUrl, alertBody(group))).status).toBe(200);
    const p = await eventually(
      () => t.db.selectFrom('proposals').selectAll().where('target', '=', group).where('approval_expires_at', 'is not', null).executeTakeFirst(),
      20_000,
      `card for ${group}`,
    );
    await d.stop();
    expect(p).toMatchObject({ state: 'pending', requirement: 'one' });
    return { ...p, slack_ts: p.slack_ts! };
  }

  beforeAll(async () => {
    slack = await startFakeSlack();
  });
  beforeEach(() => {
    firstBotOfTest = bots.length;
  });
  afterEach(async ({ task }) => {
    const mine = bots.slice(firstBotOfTest);
    if (task.result?.state === 'fail') {
      for (const b of mine) console.error(`--- bot ${b.name}, pid ${b.pid}${b.exited() ? ', exited' : ''}: last log lines ---\n${b.tail(80)}`);
    }
    await Promise.allSettled(mine.map((b) => b.stop()));
  });
  afterAll(async () => {
    // Stopped by PID, even when a test failed half-way or a hook threw.
    await Promise.allSettled(bots.map((b) => b.stop()));
    await slack?.close();
    await Promise.allSettled(databases.map((t) => t.drop()));
    autoscaling.destroy();
    if ('stop' in moto) await moto.stop();
    await rm(recording, { force: true });
  });

  it('two replicas: one card per alert, and one approval and one execution under concurrent clicks on both, a double click and a Slack retry', async () => {
    const group = 'web-race';
    const t = await newDatabase();
    await seedAsg(url, { name: group, min: 1, max: 20, desired: 4 });
    await putCpu(url, group, [91, 95, 97, 94]);
    const [a, b] = await Promise.all([start('A', t), start('B', t)]);

    // The same notification reaches both replicas at once (an Alertmanager HA pair sends it from each).
    const ingested = await Promise.all([postWebhook(a.baseUrl, alertBody(group)), postWebhook(b.baseUrl, alertBody(group))]);
    expect(ingested.map((r) => r.status)).toEqual([200, 200]);
    const proposal = await eventually(() => t.db.selectFrom('proposals').selectAll().where('target', '=', group).where('approval_expires_at', 'is not', null).executeTakeFirst(), 20_000, 'the card');
    const ts = proposal.slack_ts!;
    // Long enough for a second diagnosis (both replicas poll every 0.5 s) to show itself.
    await sleep(2_000);
    expect(await t.db.selectFrom('incidents').select('id').execute()).toHaveLength(1);
    expect(await t.db.selectFrom('proposals').select('id').execute()).toHaveLength(1);
    const cards = slack.callsTo('chat.postMessage').filter((c) => c.body.channel === CHANNEL && c.body.thread_ts === undefined && JSON.stringify(c.body.blocks).includes(group));
    expect(cards).toHaveLength(1);
    // One diagnosis job, run once by one of them.
    expect(logged('proposal created', a, b)).toHaveLength(1);
    expect(await jobs(t, QUEUES.diagnose)).toEqual(once);
    const target = (proposal.params as { desiredCapacity: number }).desiredCapacity;
    expect(target).toBeGreaterThan(4);

    // Two clicks by the approver on different replicas at once, the retry Slack sends of the first
    // (same payload, new signature) to the other replica, and one more double click.
    const clickedAt = Date.now();
    const first = approveBody(proposal.id, ts);
    const results = await Promise.all([
      click(a, first),
      click(b, approveBody(proposal.id, ts)),
      click(b, first, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }),
      click(a, approveBody(proposal.id, ts)),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);

    const done = await eventually(async () => {
      const p = await proposalOf(t, group);
      return FINAL.includes(p.state) ? p : null;
    }, 20_000, 'the execution to finish');
    expect(done).toMatchObject({ state: 'succeeded', decided_by: APPROVER });
    await eventually(() => cardText(ts).includes('succeeded'), 10_000, 'the card to say it succeeded');
    // Anything that would run twice has had time to.
    await sleep(2_000);

    expect(await auditKinds(t, proposal.id, 'proposal.approved')).toHaveLength(1);
    expect(await t.db.selectFrom('approvals').select('slack_user').where('proposal_id', '=', proposal.id).execute()).toEqual([{ slack_user: APPROVER }]);
    const executions = await t.db.selectFrom('executions').selectAll().where('proposal_id', '=', proposal.id).execute();
    expect(executions).toHaveLength(1);
    expect(executions[0]).toMatchObject({ status: 'succeeded', pre_state: { desired: 4 } });
    expect(await scalings(group)).toHaveLength(1);
    expect(await desired(group)).toBe(target);
    expect(logged('execution finished', a, b)).toHaveLength(1);
    expect(await jobs(t, QUEUES.execute)).toEqual(once);

    const clicks = await t.db.selectFrom('clicks').select(['allowed', 'reason', 'retry_num']).where('proposal_id', '=', proposal.id).execute();
    expect(clicks).toHaveLength(4);
    expect(clicks.filter((c) => c.allowed).map((c) => c.reason)).toEqual(['approved']);
    const denied = clicks.filter((c) => !c.allowed);
    expect(denied).toHaveLength(3);
    for (const c of denied) expect(c.reason).toMatch(/^this proposal is already (approved|executing|succeeded) by U0AAA0001; nothing more to decide$/);
    expect(clicks.filter((c) => c.retry_num === 1)).toHaveLength(1);
    // Each denied click is told why, in an ephemeral message.
    const told = await eventually(() => {
      const e = slack.callsTo('chat.postEphemeral').filter((c) => c.at >= clickedAt && c.body.user === APPROVER);
      return e.length >= 3 ? e : null;
    }, 10_000, 'three ephemeral refusals');
    expect(told).toHaveLength(3);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  }, 90_000);

  it('a process killed between the approval and the execution: the next process runs the change exactly once', async () => {
    const group = 'web-crash';
    const t = await newDatabase();
    await seedAsg(url, { name: group, min: 1, max: 20, desired: 4 });
    await putCpu(url, group, [91, 95, 97, 94]);
    const proposal = await cardPostedByAnotherProcess(t, group);

    // A's job workers poll once at start, then not for a minute: the execution job waits.
    const a = await start('A (killed)', t, 60);
    expect((await click(a, approveBody(proposal.id, proposal.slack_ts))).status).toBe(200);
    await eventually(async () => (await proposalOf(t, group)).state === 'approved', 10_000, 'the approval to commit');
    await a.kill();

    // Nothing ran, nothing was lost: the proposal is approved and its job waits in the queue.
    expect((await proposalOf(t, group)).state).toBe('approved');
    expect(await t.db.selectFrom('executions').select('id').where('proposal_id', '=', proposal.id).execute()).toEqual([]);
    expect(await jobs(t, QUEUES.execute)).toEqual([{ state: 'created', retries: 0 }]);
    expect(await scalings(group)).toHaveLength(0);

    const b = await start('B', t);
    const done = await eventually(async () => {
      const p = await proposalOf(t, group);
      return FINAL.includes(p.state) ? p : null;
    }, 20_000, 'B to run the execution');
    // 'expired' here would mean B took longer to boot than the fixture's execution window.
    expect(done.state, `B must claim within the ${EXECUTION_WINDOW_MS} ms execution window`).toBe('succeeded');
    await eventually(() => cardText(proposal.slack_ts).includes('succeeded'), 10_000, 'the card to say it succeeded');
    await sleep(1_500);

    const target = (proposal.params as { desiredCapacity: number }).desiredCapacity;
    expect(await t.db.selectFrom('executions').select('status').where('proposal_id', '=', proposal.id).execute()).toEqual([{ status: 'succeeded' }]);
    expect(await scalings(group)).toHaveLength(1);
    expect(await desired(group)).toBe(target);
    expect(a.logged('execution finished')).toHaveLength(0);
    expect(b.logged('execution finished')).toHaveLength(1);
    expect(await jobs(t, QUEUES.execute)).toEqual(once);
    expect(await auditKinds(t, proposal.id, 'execution.started')).toHaveLength(1);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  }, 90_000);

  it('a process killed after the approval, the next one starting after the execution window: the proposal expires, nothing runs', async () => {
    const group = 'web-late';
    const t = await newDatabase();
    await seedAsg(url, { name: group, min: 1, max: 20, desired: 4 });
    await putCpu(url, group, [91, 95, 97, 94]);
    const proposal = await cardPostedByAnotherProcess(t, group);

    const a = await start('A (killed)', t, 60);
    expect((await click(a, approveBody(proposal.id, proposal.slack_ts))).status).toBe(200);
    const approved = await eventually(async () => {
      const p = await proposalOf(t, group);
      return p.state === 'approved' ? p : null;
    }, 10_000, 'the approval to commit');
    await a.kill();
    expect(approved.execute_by).not.toBeNull();
    expect(approved.execute_by!.getTime() - approved.decided_at!.getTime()).toBe(EXECUTION_WINDOW_MS);

    // Nobody is running while the execution window runs out.
    await sleep(Math.max(0, approved.execute_by!.getTime() - Date.now()) + 1_000);
    const b = await start('B', t);
    const done = await eventually(async () => {
      const p = await proposalOf(t, group);
      return FINAL.includes(p.state) ? p : null;
    }, 20_000, 'B to expire the proposal');
    expect(done.state).toBe('expired');
    expect(done.outcome).toMatch(/^Expired: not started within the execution window of 8s \(approved at .*\); nothing ran$/);
    await eventually(() => cardText(proposal.slack_ts).includes('Expired: nothing will run'), 10_000, 'the card to say it expired');
    await sleep(1_500);

    expect(await t.db.selectFrom('executions').select('id').where('proposal_id', '=', proposal.id).execute()).toEqual([]);
    expect(await scalings(group)).toHaveLength(0);
    expect(await desired(group)).toBe(4);
    expect(await auditKinds(t, proposal.id, 'proposal.expired')).toHaveLength(1);
    const approvals = await t.db.selectFrom('approvals').select(['slack_user', 'voided_at']).where('proposal_id', '=', proposal.id).execute();
    expect(approvals).toEqual([{ slack_user: APPROVER, voided_at: expect.any(Date) }]);
    // Both jobs were handled (the window was gone), none failed or was left waiting; the
    // approval window's check, half an hour out, will find nothing to do.
    expect(await jobs(t, QUEUES.execute)).toEqual(once);
    expect(await jobs(t, QUEUES.expire)).toEqual([{ state: 'completed', retries: 0 }, { state: 'created', retries: 0 }]);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  }, 90_000);
});
