// AWS faults end to end: the real bot talks to moto through a proxy that throttles every
// SetDesiredCapacity. After the approval the execution is tried a bounded number of times (the
// executors' own client), ends failed, and the card says why and what a re-read of the group found.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXECUTOR_MAX_ATTEMPTS } from '../../src/actions/executor-clients.ts';
import { SIGNING_SECRET, postWebhook, startTestBot, type TestBot } from '../helpers/bot.ts';
import { startFaultProxy, type FaultProxy } from '../helpers/aws-fault-proxy.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { putCpu, seedAsg, startMoto } from '../helpers/moto.ts';
import { blockActionsBody, FORM, postToBolt } from '../helpers/slack-requests.ts';

const POLICY = path.resolve(import.meta.dirname, '../fixtures/policies/e2e');
const moto = await startMoto();
const skip = 'skip' in moto ? moto.skip : false;

describe.skipIf(skip)(`AWS throttling during an execution${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  let proxy: FaultProxy;

  beforeAll(async () => {
    await seedAsg(url, { name: 'web-asg', min: 2, max: 12, desired: 4 });
    await putCpu(url, 'web-asg', [91, 95, 97, 94]);
    proxy = await startFaultProxy(url);
    proxy.fail('SetDesiredCapacity', 'throttling');
    t = await createTestDatabase();
    slack = await startFakeSlack();
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url, awsEndpoint: proxy.url, policyPath: POLICY });
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await t?.drop();
    await proxy?.close();
    if ('stop' in moto) await moto.stop();
  });

  it('ends failed after a bounded number of attempts, with the error and the re-read state on the card', async () => {
    const labels = { alertname: 'HighCPU', autoscaling_group: 'web-asg', env: 'prod', severity: 'critical' };
    const body = {
      version: '4', groupKey: '{}:{alertname="HighCPU"}', truncatedAlerts: 0, status: 'firing', receiver: 'infra-agent', groupLabels: { alertname: 'HighCPU' },
      commonLabels: labels, commonAnnotations: {}, externalURL: 'http://alertmanager.local',
      alerts: [{ status: 'firing', labels, annotations: { summary: 'CPU high' }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'fp-fault' }],
    };
    expect((await postWebhook(bot.baseUrl, body)).status).toBe(200);
    const p = await eventually(() => t.db.selectFrom('proposals').selectAll().where('slack_ts', 'is not', null).executeTakeFirst(), 30_000, 'card');
    const res = await postToBolt(bot.baseUrl, '/slack/events', blockActionsBody({ userId: 'U0AAA0001', actionId: 'proposal.approve', value: p.id, channel: 'C0PROD0001', messageTs: p.slack_ts!, responseUrl: slack.responseUrl('approve') }), FORM, SIGNING_SECRET);
    expect(res.status).toBe(200);
    const done = await eventually(async () => {
      const row = await t.db.selectFrom('proposals').selectAll().where('id', '=', p.id).executeTakeFirst();
      return row?.state === 'failed' ? row : undefined;
    }, 30_000, 'execution failed');
    const reason = 'SetDesiredCapacity failed: Throttling (HTTP 400): Rate exceeded; group now reports desired capacity 4';
    expect(done.outcome).toBe(`Failed: ${reason}`);
    expect(proxy.calls('SetDesiredCapacity')).toBe(EXECUTOR_MAX_ATTEMPTS);
    const execution = await t.db.selectFrom('executions').selectAll().where('proposal_id', '=', p.id).executeTakeFirstOrThrow();
    expect(execution).toMatchObject({ status: 'failed', error: reason, post_state: expect.objectContaining({ desired: 4 }) });
    const update = await slack.waitFor('chat.update', (c) => c.body.ts === p.slack_ts && JSON.stringify(c.body.blocks).includes('Rate exceeded'), 10_000);
    expect(JSON.stringify(update.body.blocks)).toContain('group now reports desired capacity 4');
  });
});
