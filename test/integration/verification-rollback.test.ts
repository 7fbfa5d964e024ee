// Verification and rollback end to end against Postgres, moto_server, the fake Slack and the real
// Bolt app (signed requests): a succeeded change schedules its check (pg-boss, verify.after = 2s),
// CPU put into moto after the change decides the verdict, the verdict lands in the card's thread,
// the human gate and the Rollback button are authorised on the server, and a rollback is a new
// proposal that — once approved by someone other than its requester — restores the pre-state in moto.
import path from 'node:path';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executeProposal } from '../../src/actions/execute.ts';
import { verifyExecution } from '../../src/verification/run.ts';
import { postProposalCard } from '../../src/slack/notifier.ts';
import { verifyAuditChain } from '../../src/store/audit.ts';
import { SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { awsClientConfig, putCpu, seedAsg, startMoto } from '../helpers/moto.ts';
import { seedProposal } from '../helpers/seed-proposal.ts';
import { blockActionsBody, FORM, postToBolt } from '../helpers/slack-requests.ts';
import { setBeforeSignal } from '../helpers/verification.ts';

const POLICY = path.resolve(import.meta.dirname, '../fixtures/policies/verification');
const CHANNEL = 'C0PROD0001';
const STRANGER = 'U0EVE0009';
const moto = await startMoto();

describe('a verify.signal the bot cannot read', () => {
  it('stops the bot at start, naming the action and the known signals', async () => {
    const policyPath = path.resolve(import.meta.dirname, '../fixtures/policies/verification-unknown-signal');
    // The policy is checked before any database or Slack connection is made.
    await expect(startTestBot({ databaseUrl: 'postgres://nobody@127.0.0.1:1/none', slackApiUrl: 'http://127.0.0.1:1/api/', policyPath }))
      .rejects.toThrow("action 'scale-asg-undo': verify.signal 'p99-latency' is not a signal the bot can read (known signals: cpu-avg, cpu-max, alerts-firing)");
  });
});
const skip = 'skip' in moto ? moto.skip : false;
// At file level: a run filtered to other tests skips the suite's hooks, and moto must stop anyway.
afterAll(async () => {
  if ('stop' in moto) await moto.stop();
});

describe.skipIf(skip)(`verification and rollback${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  const autoscaling = new AutoScalingClient(awsClientConfig(url));
  const desired = async (name: string) => (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0]?.DesiredCapacity;
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  let clickNo = 0;

  const click = (userId: string, actionId: string, value: string, messageTs: string) =>
    postToBolt(bot.baseUrl, '/slack/events', blockActionsBody({ userId, actionId, value, channel: CHANNEL, messageTs, responseUrl: slack.responseUrl(`c${++clickNo}`) }), FORM, SIGNING_SECRET);
  const refusalTo = (user: string, includes: string) =>
    slack.waitFor('chat.postEphemeral', (c) => c.body.user === user && String(c.body.text).includes(includes), 10_000);
  const proposal = (id: string) => t.db.selectFrom('proposals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const verificationOf = (id: string) => eventually(() => t.db.selectFrom('verifications').selectAll().where('proposal_id', '=', id).where('slack_ts', 'is not', null).executeTakeFirst(), 20_000, `verdict of ${id} posted`);
  const rollbackOf = (id: string) => eventually(() => t.db.selectFrom('proposals').selectAll().where('rollback_of', '=', id).where('slack_ts', 'is not', null).executeTakeFirst(), 10_000, `rollback card of ${id}`);
  const stateOf = (id: string, state: string) => eventually(async () => ((await proposal(id)).state === state ? true : undefined), 20_000, `${id} ${state}`);

  /** A group at 2, a proposal approved by U0AAA0001 to scale it to 4, its card posted, executed; then CPU put into moto. */
  async function changed(name: string, cpu: number[] | null, action = 'scale-asg'): Promise<string> {
    await seedAsg(url, { name, min: 1, max: 10, desired: 2 });
    const id = await seedProposal(t.db, { action, target: name, params: { desiredCapacity: 4 }, observed: { desiredCapacity: 2 } });
    await setBeforeSignal(t.db, id, { id: 'cpu-avg', value: 93 });
    await postProposalCard(bot.ctx, id);
    await executeProposal(bot.ctx, id);
    expect((await proposal(id)).state).toBe('succeeded');
    expect(await desired(name)).toBe(4);
    if (cpu) await putCpu(url, name, cpu);
    return id;
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    slack = await startFakeSlack();
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url, awsEndpoint: url, policyPath: POLICY });
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await t?.drop();
    autoscaling.destroy();
  });

  it('low CPU after the change: verdict passed in the thread, exactly once; a stranger cannot confirm, an approver can, once', async () => {
    const id = await changed('web-pass', [30, 35, 40]);
    const v = await verificationOf(id);
    expect(v).toMatchObject({ signal: 'cpu-avg', before_value: 93, after_value: 35, comparison: 'below', threshold: 70, verdict: 'passed', decision: null });
    expect(v.query).toBe('CloudWatch AWS/EC2 CPUUtilization {AutoScalingGroupName=web-pass} Average 60s');
    const card = await proposal(id);
    const post = slack.callsTo('chat.postMessage').find((c) => c.body.ts === undefined && String(c.body.text).startsWith('✅ Verification passed'));
    expect(post?.body).toMatchObject({ channel: CHANNEL, thread_ts: card.slack_ts });
    expect(JSON.stringify(slack.message(CHANNEL, v.slack_ts!)?.blocks)).toContain('before 93% → after 35%; must be below 70%');

    // A retried job records nothing twice.
    await verifyExecution(bot.ctx, id);
    expect(await t.db.selectFrom('verifications').select('id').where('proposal_id', '=', id).execute()).toHaveLength(1);
    const audits = await t.db.selectFrom('audit_log').select('kind').where('subject', '=', `proposal:${id}`).where('kind', 'like', 'verification.%').execute();
    expect(audits.map((a) => a.kind)).toEqual(['verification.passed']);
    // The circuit breakers count the verdict once: a pass ends a failure streak.
    expect(await t.db.selectFrom('breaker_verdicts').select(['passed']).where('proposal_id', '=', id).execute()).toEqual([{ passed: true }]);

    expect((await click(STRANGER, 'verification.confirm', v.id, v.slack_ts!)).status).toBe(200);
    await refusalTo(STRANGER, 'you are not an eligible approver for this action');
    expect((await t.db.selectFrom('verifications').select('decision').where('id', '=', v.id).executeTakeFirstOrThrow()).decision).toBeNull();

    expect((await click('U0BBB0002', 'verification.confirm', v.id, v.slack_ts!)).status).toBe(200);
    await eventually(() => JSON.stringify(slack.message(CHANNEL, v.slack_ts!)?.blocks).includes('*Confirmed fixed* by <@U0BBB0002>') || undefined, 10_000, 'verdict shows who decided');
    expect(JSON.stringify(slack.message(CHANNEL, v.slack_ts!)?.blocks)).not.toContain('verification.confirm');

    expect((await click('U0AAA0001', 'verification.not-fixed', v.id, v.slack_ts!)).status).toBe(200);
    await refusalTo('U0AAA0001', 'this verification was already confirmed fixed by U0BBB0002');
    const clicks = await t.db.selectFrom('clicks').select(['slack_user', 'action_id', 'allowed']).where('proposal_id', '=', id).where('action_id', 'like', 'verification.%').orderBy('id').execute();
    expect(clicks).toEqual([
      { slack_user: STRANGER, action_id: 'verification.confirm', allowed: false },
      { slack_user: 'U0BBB0002', action_id: 'verification.confirm', allowed: true },
      { slack_user: 'U0AAA0001', action_id: 'verification.not-fixed', allowed: false },
    ]);
    expect(await t.db.selectFrom('proposals').select('id').where('rollback_of', '=', id).execute()).toEqual([]);
  });

  it('high CPU: verdict failed; Not fixed → a rollback proposal in the thread → approved by someone else → pre-state restored, once', async () => {
    const id = await changed('web-fail', [90, 95, 97]);
    const v = await verificationOf(id);
    expect(v).toMatchObject({ verdict: 'failed', after_value: 94, decision: null });
    await eventually(async () => (await t.db.selectFrom('breaker_verdicts').select('passed').where('proposal_id', '=', id).executeTakeFirst()) ?? undefined, 5_000, 'breaker verdict');
    expect(await t.db.selectFrom('breaker_verdicts').select(['passed']).where('proposal_id', '=', id).execute()).toEqual([{ passed: false }]);
    expect(await t.db.selectFrom('proposals').select('id').where('rollback_of', '=', id).execute()).toEqual([]);

    expect((await click('U0AAA0001', 'verification.not-fixed', v.id, v.slack_ts!)).status).toBe(200);
    const rb = await rollbackOf(id);
    const original = await proposal(id);
    expect(rb).toMatchObject({ action: 'scale-asg', target: 'web-fail', params: { desiredCapacity: 2 }, requested_by: 'U0AAA0001', requirement: 'one', state: 'pending', environment: 'prod' });
    expect(rb.incident_id).not.toBe(original.incident_id);
    const cardPost = slack.callsTo('chat.postMessage').find((c) => String(c.body.text).includes('Rollback: HighCPU'));
    expect(cardPost?.body).toMatchObject({ channel: CHANNEL, thread_ts: original.slack_ts });
    await eventually(() => JSON.stringify(slack.message(CHANNEL, v.slack_ts!)?.blocks).includes('*Not fixed* by <@U0AAA0001>') || undefined, 10_000, 'verdict updated');

    // Double click and the card's Rollback button both find the one rollback there is.
    expect((await click('U0AAA0001', 'verification.not-fixed', v.id, v.slack_ts!)).status).toBe(200);
    await refusalTo('U0AAA0001', 'already judged not fixed by U0AAA0001');
    expect((await click('U0BBB0002', 'proposal.rollback', id, original.slack_ts!)).status).toBe(200);
    await refusalTo('U0BBB0002', `a rollback of this change was already requested by U0AAA0001 (proposal ${rb.id}, pending)`);

    // The requester cannot approve their own rollback; another approver can.
    expect((await click('U0AAA0001', 'proposal.approve', rb.id, rb.slack_ts!)).status).toBe(200);
    await refusalTo('U0AAA0001', 'you asked for this change, so someone else must approve it');
    expect((await click('U0BBB0002', 'proposal.approve', rb.id, rb.slack_ts!)).status).toBe(200);
    await stateOf(rb.id, 'succeeded');
    expect(await desired('web-fail')).toBe(2);
    const executions = await t.db.selectFrom('executions').select(['status', 'params', 'pre_state']).where('proposal_id', '=', rb.id).execute();
    expect(executions).toEqual([expect.objectContaining({ status: 'succeeded', params: { desiredCapacity: 2 } })]);
    expect(executions[0]?.pre_state).toMatchObject({ desired: 4 });
    // A rollback is not verified against the original's signal (no ping-pong).
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await t.db.selectFrom('verifications').select('id').where('proposal_id', '=', rb.id).execute()).toEqual([]);
    const kinds = (await t.db.selectFrom('audit_log').select('kind').where('subject', 'in', [`proposal:${id}`, `proposal:${rb.id}`]).orderBy('seq').execute()).map((a) => a.kind);
    for (const k of ['verification.failed', 'verification.not-fixed', 'rollback.requested', 'proposal.created', 'proposal.approved', 'execution.started', 'execution.succeeded']) expect(kinds).toContain(k);
    expect(kinds.filter((k) => k === 'rollback.requested')).toHaveLength(1);
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it('no datapoints: verdict unavailable, says so, and still asks a person', async () => {
    const id = await changed('web-dark', null);
    const v = await verificationOf(id);
    expect(v).toMatchObject({ verdict: 'unavailable', after_value: null, detail: 'no datapoints in the last 5m' });
    const blocks = JSON.stringify(slack.message(CHANNEL, v.slack_ts!)?.blocks);
    expect(blocks).toContain('The bot could not read the signal: no datapoints in the last 5m');
    expect(blocks).toContain('verification.confirm');
    expect(blocks).toContain('verification.not-fixed');
  });

  it('verify.on_failure: rollback proposes the rollback by itself, requested by policy:verify and still approved per policy', async () => {
    const id = await changed('api-auto', [88, 91, 99], 'scale-asg-undo');
    const v = await verificationOf(id);
    expect(v.verdict).toBe('failed');
    const rb = await rollbackOf(id);
    expect(rb).toMatchObject({ action: 'scale-asg-undo', params: { desiredCapacity: 2 }, requested_by: 'policy:verify', requirement: 'one', state: 'pending' });
    expect(await desired('api-auto')).toBe(4);
    // The requester is the policy, so the approver who approved the original may approve this.
    expect((await click('U0AAA0001', 'proposal.approve', rb.id, rb.slack_ts!)).status).toBe(200);
    await stateOf(rb.id, 'succeeded');
    expect(await desired('api-auto')).toBe(2);
    const requested = await t.db.selectFrom('audit_log').select(['actor', 'kind']).where('subject', '=', `proposal:${id}`).where('kind', '=', 'rollback.requested').execute();
    expect(requested).toEqual([{ actor: 'policy:verify', kind: 'rollback.requested' }]);
  });

  it("the card's Rollback button: strangers refused, an approver's click proposes it, a double click is refused, and it restores the pre-state", async () => {
    const id = await changed('web-button', [20]);
    const original = await proposal(id);
    await eventually(() => JSON.stringify(slack.message(CHANNEL, original.slack_ts!)?.blocks).includes('"action_id":"proposal.rollback"') || undefined, 10_000, 'Rollback button on the card');

    expect((await click(STRANGER, 'proposal.rollback', id, original.slack_ts!)).status).toBe(200);
    await refusalTo(STRANGER, 'you are not an eligible approver for this action');
    expect(await t.db.selectFrom('proposals').select('id').where('rollback_of', '=', id).execute()).toEqual([]);

    // Two clicks at once (a double click): one rollback, one refusal.
    const [a, b] = await Promise.all([click('U0BBB0002', 'proposal.rollback', id, original.slack_ts!), click('U0BBB0002', 'proposal.rollback', id, original.slack_ts!)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const rb = await rollbackOf(id);
    expect(rb).toMatchObject({ requested_by: 'U0BBB0002', state: 'pending', params: { desiredCapacity: 2 } });
    await refusalTo('U0BBB0002', 'a rollback of this change was already requested by U0BBB0002');
    expect(await t.db.selectFrom('proposals').select('id').where('rollback_of', '=', id).execute()).toHaveLength(1);
    const clicks = await t.db.selectFrom('clicks').select(['slack_user', 'allowed']).where('proposal_id', '=', id).where('action_id', '=', 'proposal.rollback').orderBy('id').execute();
    expect(clicks.map((c) => `${c.slack_user}:${c.allowed}`).sort()).toEqual([`${STRANGER}:false`, 'U0BBB0002:false', 'U0BBB0002:true'].sort());
    await eventually(() => {
      const s = JSON.stringify(slack.message(CHANNEL, original.slack_ts!)?.blocks);
      return (!s.includes('"action_id":"proposal.rollback"') && s.includes(`Rollback requested by <@U0BBB0002>: proposal \`${rb.id}\``)) || undefined;
    }, 10_000, 'card shows the rollback instead of the button');

    expect((await click('U0AAA0001', 'proposal.approve', rb.id, rb.slack_ts!)).status).toBe(200);
    await stateOf(rb.id, 'succeeded');
    expect(await desired('web-button')).toBe(2);
    expect(await t.db.selectFrom('executions').select('id').where('proposal_id', '=', rb.id).execute()).toHaveLength(1);
  });
});
