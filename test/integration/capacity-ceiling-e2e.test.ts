// A group at its ceiling, end to end: an AsgAtMaxCapacity webhook → the capacity-ceiling rule reads
// moto (group at MaxSize, CPU saturated) → an advisory card that recommends escalating, with no
// buttons → the bot calls the escalation group in by itself, in the thread and their channel,
// once (a retried diagnosis job does not call them again) → nothing is scaled.
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escalateIfRecommended } from '../../src/approvals/recommended-escalation.ts';
import { postWebhook, startTestBot, type TestBot } from '../helpers/bot.ts';
import { buildTestContext } from '../helpers/context.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { awsClientConfig, putCpu, seedAsg, startMoto } from '../helpers/moto.ts';

const POLICY = path.resolve(import.meta.dirname, '../fixtures/policies/ceiling');
const moto = await startMoto();
const skip = 'skip' in moto ? moto.skip : false;

const body = (group: string) => {
  const labels = { alertname: 'AsgAtMaxCapacity', autoscaling_group: group, env: 'prod', severity: 'warning' };
  return {
    version: '4', groupKey: `{}:{alertname="AsgAtMaxCapacity"}`, truncatedAlerts: 0, status: 'firing', receiver: 'infra-agent',
    groupLabels: { alertname: 'AsgAtMaxCapacity' }, commonLabels: labels, commonAnnotations: {}, externalURL: 'http://alertmanager.local',
    alerts: [{ status: 'firing', labels, annotations: { summary: `${group} is at its maximum size` }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: `fp-${group}` }],
  };
};

describe.skipIf(skip)(`capacity ceiling → advisory card and a recommended escalation${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  const autoscaling = new AutoScalingClient(awsClientConfig(url));
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;

  beforeAll(async () => {
    await seedAsg(url, { name: 'web-full', min: 2, max: 4, desired: 4 });
    await putCpu(url, 'web-full', [93, 95, 96]);
    t = await createTestDatabase();
    slack = await startFakeSlack();
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url, awsEndpoint: url, policyPath: POLICY });
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await t?.drop();
    autoscaling.destroy();
    if ('stop' in moto) await moto.stop();
  });

  it('posts an advisory card, calls the escalation group in once, and changes nothing', async () => {
    expect((await postWebhook(bot.baseUrl, body('web-full'))).status).toBe(200);
    const p = await eventually(() => t.db.selectFrom('proposals').selectAll().where('target', '=', 'web-full').where('escalated_at', 'is not', null).executeTakeFirst(), 30_000, 'escalated proposal');
    expect(p).toMatchObject({ state: 'advisory', requirement: 'advisory', action: 'none', escalated_by: null });

    const card = slack.message(p.slack_channel!, p.slack_ts!);
    const blocks = JSON.stringify(card?.blocks);
    expect(blocks).toContain('*Recommendation:* 🔺 escalate');
    expect(blocks).toContain("the group's own MaxSize (4)");
    expect(blocks).not.toContain('"type":"actions"');
    // The card is re-rendered with who was called in.
    await eventually(() => JSON.stringify(slack.message(p.slack_channel!, p.slack_ts!)?.blocks).includes('🔺 Escalated') || undefined, 10_000, 'card shows the escalation');

    const inThread = await slack.waitFor('chat.postMessage', (c) => c.body.thread_ts === p.slack_ts && String(c.body.text).includes('recommends escalating'));
    expect(inThread.body.text).toContain('<@U0DDD0004>');
    expect(inThread.body.text).toContain('<#C0ESCAL001>');
    await slack.waitFor('chat.postMessage', (c) => c.body.channel === 'C0ESCAL001');

    const audit = await t.db.selectFrom('audit_log').select(['actor', 'payload']).where('kind', '=', 'proposal.escalated').where('subject', '=', `proposal:${p.id}`).execute();
    expect(audit).toEqual([{ actor: 'system', payload: expect.objectContaining({ reason: 'the diagnosis recommends escalating', to: ['platform-leads'] }) }]);

    // A retried diagnosis job runs the same step again: nobody is called in twice.
    const { ctx } = await buildTestContext({ db: t.db, policyPath: POLICY, slackApiUrl: slack.url, awsEndpoint: url });
    const before = slack.callsTo('chat.postMessage').length;
    await escalateIfRecommended(ctx, p.id);
    expect(slack.callsTo('chat.postMessage').length).toBe(before);

    const group = await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web-full'] }));
    expect(group.AutoScalingGroups?.[0]?.DesiredCapacity).toBe(4);
  });
});
