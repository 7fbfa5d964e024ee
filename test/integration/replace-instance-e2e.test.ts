// The unhealthy-instance path end to end with the shipped rules: an InstanceUnhealthy webhook →
// the rule finds the one hot instance among calm peers (per-instance CPU in moto) → a card
// proposing replace-instance with a higher risk (not reversible) → one approval through the real
// Bolt receiver → the executor launches a successor before terminating the outlier → the group is
// back at its size with the outlier gone, and the card has no Rollback (nothing can bring it back).
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_SECRET, postWebhook, startTestBot, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { asgInstanceIds, awsClientConfig, putMetric, seedAsg, startMoto } from '../helpers/moto.ts';
import { blockActionsBody, FORM, postToBolt } from '../helpers/slack-requests.ts';

const moto = await startMoto();
const skip = 'skip' in moto ? moto.skip : false;
const GROUP = 'web-sick';

const body = () => {
  const labels = { alertname: 'InstanceUnhealthy', autoscaling_group: GROUP, env: 'prod', severity: 'warning' };
  return {
    version: '4', groupKey: '{}:{alertname="InstanceUnhealthy"}', truncatedAlerts: 0, status: 'firing', receiver: 'infra-agent',
    groupLabels: { alertname: 'InstanceUnhealthy' }, commonLabels: labels, commonAnnotations: {}, externalURL: 'http://alertmanager.local',
    alerts: [{ status: 'firing', labels, annotations: { summary: `one instance of ${GROUP} misbehaves` }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'fp-sick' }],
  };
};

describe.skipIf(skip)(`replace-instance end to end${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  const autoscaling = new AutoScalingClient(awsClientConfig(url));
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  let ids: string[] = [];

  beforeAll(async () => {
    await seedAsg(url, { name: GROUP, min: 2, max: 10, desired: 4 });
    ids = await asgInstanceIds(url, GROUP);
    const cpu = (id: string, values: number[]) => putMetric(url, { namespace: 'AWS/EC2', metric: 'CPUUtilization', dimensions: { InstanceId: id } }, values);
    await Promise.all([cpu(ids[0]!, [40, 41, 39]), cpu(ids[1]!, [42, 42, 42]), cpu(ids[2]!, [93, 95, 97]), cpu(ids[3]!, [38, 38, 38])]);
    t = await createTestDatabase();
    slack = await startFakeSlack();
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url, awsEndpoint: url });
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await t?.drop();
    autoscaling.destroy();
    if ('stop' in moto) await moto.stop();
  });

  it('proposes replacing the outlier, and replaces it without lowering capacity once approved', async () => {
    expect((await postWebhook(bot.baseUrl, body())).status).toBe(200);
    const p = await eventually(() => t.db.selectFrom('proposals').selectAll().where('target', '=', GROUP).where('slack_ts', 'is not', null).executeTakeFirst(), 30_000, 'card');
    expect(p).toMatchObject({ action: 'replace-instance', state: 'pending', requirement: 'one', params: { instanceId: ids[2], capacityNeverBelow: 4 } });
    const card = JSON.stringify(slack.message(p.slack_channel!, p.slack_ts!)?.blocks);
    expect(card).toContain(ids[2]!);
    // Not reversible and in production: two points more than the same change elsewhere.
    expect(card).toContain('Not reversible: a wrong change cannot simply be undone (+1)');
    expect(card).toContain('Environment prod is production (+1)');

    const res = await postToBolt(bot.baseUrl, '/slack/events', blockActionsBody({ userId: 'U0AAA0001', actionId: 'proposal.approve', value: p.id, channel: p.slack_channel!, messageTs: p.slack_ts!, responseUrl: slack.responseUrl('approve') }), FORM, SIGNING_SECRET);
    expect(res.status).toBe(200);
    const done = await eventually(() => t.db.selectFrom('proposals').selectAll().where('id', '=', p.id).where('state', 'in', ['succeeded', 'failed', 'refused']).executeTakeFirst(), 60_000, 'execution finished');
    expect(done.state).toBe('succeeded');
    const execution = await t.db.selectFrom('executions').selectAll().where('proposal_id', '=', p.id).executeTakeFirstOrThrow();
    expect(execution.rollback).toBeNull();

    const group = (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }))).AutoScalingGroups?.[0];
    const now = (group?.Instances ?? []).map((i) => i.InstanceId);
    expect(group?.DesiredCapacity).toBe(4);
    expect(now).toHaveLength(4);
    expect(now).not.toContain(ids[2]);
    for (const kept of [ids[0], ids[1], ids[3]]) expect(now).toContain(kept);
    const updated = await slack.waitFor('chat.update', (c) => c.body.ts === p.slack_ts && !JSON.stringify(c.body.blocks).includes('"type":"actions"'), 10_000);
    expect(JSON.stringify(updated.body.blocks)).not.toContain('proposal.rollback');
  });
});
