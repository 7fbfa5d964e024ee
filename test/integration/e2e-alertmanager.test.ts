// The whole first loop against real peers: a real prometheus-alertmanager posts the webhook,
// the real bot diagnoses against moto_server, posts to the fake Slack Web API, receives
// signed clicks on its real Bolt HTTP receiver, scales the group in moto, and audits it all.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/store/audit.ts';
import { startAlertmanager, type Alertmanager } from '../helpers/alertmanager.ts';
import { SIGNING_SECRET, startTestBot, WEBHOOK_TOKEN, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack, type FakeSlackCall } from '../helpers/fake-slack.ts';
import { awsClientConfig, putCpu, seedAsg, startMoto } from '../helpers/moto.ts';
import { blockActionsBody, FORM, postToBolt, viewSubmissionBody } from '../helpers/slack-requests.ts';

const moto = await startMoto();
const probe = await startAlertmanager('http://127.0.0.1:1/unused', WEBHOOK_TOKEN);
if ('stop' in probe) await probe.stop();
const skip = 'skip' in moto ? moto.skip : 'skip' in probe ? probe.skip : false;

const APPROVER = 'U0AAA0001'; // in test/fixtures/policies/e2e (sre-oncall)
const STRANGER = 'U0ZZZ9999';
const CHANNEL = 'C0PROD0001';

interface ButtonLike { type: string; action_id?: string; value?: string }
function buttons(call: FakeSlackCall): ButtonLike[] {
  const blocks = (call.body.blocks ?? []) as { type: string; elements?: ButtonLike[] }[];
  return blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
}

describe.skipIf(skip)(`alert → diagnosis → card → approval → scaled → audited${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  const autoscaling = new AutoScalingClient(awsClientConfig(url));
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  let am: Alertmanager;
  let card: FakeSlackCall;
  let proposalId: string;
  let messageTs: string;
  const desired = async () =>
    (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-asg'] }))).AutoScalingGroups?.[0]?.DesiredCapacity;
  const click = (userId: string, actionId: string, extra: Record<string, string> = {}) =>
    postToBolt(
      bot.baseUrl,
      '/slack/events',
      blockActionsBody({ userId, actionId, value: proposalId, channel: CHANNEL, messageTs, responseUrl: slack.responseUrl('click') }),
      FORM,
      SIGNING_SECRET,
      extra,
    );

  beforeAll(async () => {
    await seedAsg(url, { name: 'web-asg', min: 2, max: 12, desired: 4 });
    await putCpu(url, 'web-asg', [91, 95, 97, 94]);
    t = await createTestDatabase();
    slack = await startFakeSlack();
    slack.setUsergroup('S0SRE00001', ['U0BBB0002']);
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url, awsEndpoint: url });
    const started = await startAlertmanager(`${bot.baseUrl}/webhooks/alertmanager`, WEBHOOK_TOKEN);
    if ('skip' in started) throw new Error(started.skip);
    am = started;
  });
  afterAll(async () => {
    await am?.stop();
    await bot?.stop();
    await slack?.close();
    await t?.drop();
    autoscaling.destroy();
    if ('stop' in moto) await moto.stop();
  });

  it('posts one proposal card with real signals to the environment channel', async () => {
    await am.fire({ alertname: 'HighCPU', autoscaling_group: 'web-asg', env: 'prod', severity: 'critical' }, { summary: 'CPU > 90% on web-asg <!channel>' });
    card = await slack.waitFor('chat.postMessage', (c) => c.body.channel === CHANNEL, 30_000);
    const proposal = await eventually(() => t.db.selectFrom('proposals').selectAll().where('slack_ts', 'is not', null).executeTakeFirst(), 10_000, 'card ts stored');
    proposalId = proposal.id;
    messageTs = proposal.slack_ts!;
    expect(proposal.slack_channel).toBe(CHANNEL);
    expect(proposal).toMatchObject({ action: 'scale-asg', target: 'web-asg', environment: 'prod', requirement: 'one', state: 'pending' });
    // 4 instances at ~94% towards a 60% target → ceil(4*94.25/60) = 7, within max_step 6 and bounds.
    expect(proposal.params).toEqual({ desiredCapacity: 7 });
    expect(buttons(card).map((b) => b.action_id)).toEqual(['proposal.approve', 'proposal.reject']);
    const text = JSON.stringify(card.body.blocks);
    expect(text).toContain('94.3');
    expect(text).not.toContain('<!channel>');
    const evidence = await t.db.selectFrom('evidence').selectAll().where('id', '=', proposal.evidence_id).executeTakeFirstOrThrow();
    expect((evidence.snapshot as { diagnosis: { alternatives: unknown[] } }).diagnosis.alternatives.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses a non-approver: ephemeral explanation, click recorded, nothing executed', async () => {
    expect((await click(STRANGER, 'proposal.approve')).status).toBe(200);
    const eph = await slack.waitFor('chat.postEphemeral', (c) => c.body.user === STRANGER);
    expect(String(eph.body.text)).toBe(':no_entry: Not done: you are not an eligible approver for this action (approvers: U0AAA0001, U0BBB0002, U0CCC0003, S0SRE00001)');
    const clicks = await t.db.selectFrom('clicks').selectAll().where('slack_user', '=', STRANGER).execute();
    expect(clicks).toMatchObject([{ allowed: false, action_id: 'proposal.approve', proposal_id: proposalId }]);
    expect(await desired()).toBe(4);
    expect((await t.db.selectFrom('proposals').select('state').executeTakeFirstOrThrow()).state).toBe('pending');
  });

  it('refuses an unsigned or forged click with 401', async () => {
    const forged = await click(APPROVER, 'proposal.approve', { 'x-slack-signature': 'v0=' + '0'.repeat(64) });
    expect(forged.status).toBe(401);
    expect(await t.db.selectFrom('clicks').selectAll().where('slack_user', '=', APPROVER).execute()).toEqual([]);
  });

  it('executes exactly once under a double click and a Slack retry, then updates the card', async () => {
    const results = await Promise.all([
      click(APPROVER, 'proposal.approve'),
      click(APPROVER, 'proposal.approve'),
      click(APPROVER, 'proposal.approve', { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    const updated = await slack.waitFor('chat.update', (c) => JSON.stringify(c.body.blocks).includes('4 → 7'), 30_000);
    // No decision left to make; the one button left undoes the change (src/rollback/).
    expect(buttons(updated).map((b) => b.action_id)).toEqual(['proposal.rollback']);
    expect(await desired()).toBe(7);
    const executions = await t.db.selectFrom('executions').selectAll().execute();
    expect(executions).toHaveLength(1);
    expect(executions[0]).toMatchObject({ status: 'succeeded', pre_state: { desired: 4, min: 2, max: 12 }, rollback: { params: { desiredCapacity: 4 } } });
    const clicks = await t.db.selectFrom('clicks').select(['allowed', 'reason', 'retry_num']).where('slack_user', '=', APPROVER).execute();
    expect(clicks.filter((c) => c.allowed).map((c) => c.reason)).toEqual(['approved']);
    expect(clicks.filter((c) => !c.allowed)).toHaveLength(2);
    expect(clicks.some((c) => c.retry_num === 1)).toBe(true);
    const proposal = await t.db.selectFrom('proposals').selectAll().executeTakeFirstOrThrow();
    expect(proposal).toMatchObject({ state: 'succeeded', decided_by: APPROVER });
  });

  it('a reject by an approver updates the card and executes nothing', async () => {
    await seedAsg(url, { name: 'web-batch', min: 2, max: 12, desired: 3 });
    await putCpu(url, 'web-batch', [92, 96, 95]);
    await am.fire({ alertname: 'HighCPU', autoscaling_group: 'web-batch', env: 'prod', severity: 'critical' });
    const second = await eventually(
      () => t.db.selectFrom('proposals').selectAll().where('target', '=', 'web-batch').where('slack_ts', 'is not', null).executeTakeFirst(),
      30_000,
      'second card',
    );
    const body = blockActionsBody({ userId: APPROVER, actionId: 'proposal.reject', value: second.id, channel: CHANNEL, messageTs: second.slack_ts!, responseUrl: slack.responseUrl('reject') });
    expect((await postToBolt(bot.baseUrl, '/slack/events', body, FORM, SIGNING_SECRET)).status).toBe(200);
    // Reject asks for an optional reason in a modal; the submission decides.
    const modal = await eventually(() => slack.views.find((v) => v.view.callback_id === 'proposal.reject.reason'), 10_000, 'reason dialog');
    const submit = viewSubmissionBody({ userId: APPROVER, callbackId: 'proposal.reject.reason', privateMetadata: modal.view.private_metadata, values: { reason: { value: 'traffic is <b>falling</b> already' } } });
    const submitted = await postToBolt(bot.baseUrl, '/slack/events', submit, FORM, SIGNING_SECRET);
    expect(submitted.status).toBe(200);
    const updated = await slack.waitFor('chat.update', (c) => c.body.ts === second.slack_ts, 15_000);
    expect(JSON.stringify(updated.body.blocks)).toMatch(/Rejected/i);
    expect(buttons(updated)).toEqual([]);
    expect(await t.db.selectFrom('proposals').select(['state', 'decided_by']).where('id', '=', second.id).executeTakeFirstOrThrow()).toEqual({ state: 'rejected', decided_by: APPROVER });
    expect(await t.db.selectFrom('executions').select('proposal_id').where('proposal_id', '=', second.id).execute()).toEqual([]);
    expect(await t.db.selectFrom('clicks').select(['allowed', 'reason']).where('proposal_id', '=', second.id).orderBy('at').execute()).toEqual([
      { allowed: true, reason: 'reason dialog opened' },
      { allowed: true, reason: 'rejected: traffic is <b>falling</b> already' },
    ]);
    // The reason is on the card, escaped.
    expect(JSON.stringify(updated.body.blocks)).toContain('traffic is &lt;b&gt;falling&lt;/b&gt; already');
    const group = await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-batch'] }));
    expect(group.AutoScalingGroups?.[0]?.DesiredCapacity).toBe(3);
  });

  it('leaves an audit chain that verifies, in process and through the CLI', async () => {
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
    const kinds = (await t.db.selectFrom('audit_log').select('kind').orderBy('seq').execute()).map((r) => r.kind);
    // Raw alerts are chained per incident, not per webhook: each incident here has one alert,
    // which its `incident.opened` row names (later alerts get `incident.alerts` rows).
    for (const k of ['incident.opened', 'evidence.frozen', 'proposal.created', 'click.denied', 'click.allowed', 'proposal.approved', 'proposal.rejected', 'execution.started', 'execution.succeeded']) {
      expect(kinds).toContain(k);
    }
    const cli = path.resolve(import.meta.dirname, '../../bin/infra-agent.js');
    const { stdout } = await promisify(execFile)(process.execPath, ['--experimental-strip-types', cli, 'audit', 'verify'], { env: { ...process.env, DATABASE_URL: t.url } });
    expect(stdout).toMatch(/audit chain OK: \d+ rows verified/);
  });
});
