// The auto tier end to end: an alert in an environment whose matrix cell is `auto` waits for a
// person while the auto tier is paused (as it is on a fresh database), and runs on its own —
// diagnosis, policy, execution in moto, card — once an admin has resumed it.
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTO_APPROVER } from '../../src/domain/proposal.ts';
import { SIGNING_SECRET, postWebhook, startTestBot, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { awsClientConfig, putCpu, seedAsg, startMoto } from '../helpers/moto.ts';
import { blockActionsBody, FORM, postToBolt, slashCommandBody } from '../helpers/slack-requests.ts';

const POLICY = path.resolve(import.meta.dirname, '../fixtures/policies/execution-guards');
const moto = await startMoto();
const skip = 'skip' in moto ? moto.skip : false;

function alertmanagerBody(group: string, fingerprint: string, env = 'dev') {
  const labels = { alertname: 'HighCPU', autoscaling_group: group, env, severity: 'warning' };
  return {
    version: '4',
    groupKey: `{}:{alertname="HighCPU", autoscaling_group="${group}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'infra-agent',
    groupLabels: { alertname: 'HighCPU' },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.local',
    alerts: [{ status: 'firing', labels, annotations: { summary: `CPU high on ${group}` }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint }],
  };
}

describe.skipIf(skip)(`auto tier and pauses at proposal time${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  const autoscaling = new AutoScalingClient(awsClientConfig(url));
  const desired = async (name: string) =>
    (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0]?.DesiredCapacity;
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  const command = async (userId: string, text: string, id: string) => {
    const res = await postToBolt(bot.baseUrl, '/slack/events', slashCommandBody({ userId, channelId: 'C0DEV00001', text, responseUrl: slack.responseUrl(id) }), FORM, SIGNING_SECRET);
    expect(res.status).toBe(200);
    return eventually(() => slack.responses.find((r) => r.id === id), 10_000, `answer to ${text}`);
  };
  const proposalFor = (target: string) => eventually(() => t.db.selectFrom('proposals').selectAll().where('target', '=', target).where('slack_ts', 'is not', null).executeTakeFirst(), 30_000, `card for ${target}`);

  beforeAll(async () => {
    for (const name of ['web-dev-1', 'web-dev-2', 'web-prod-9']) {
      await seedAsg(url, { name, min: 1, max: 10, desired: 2 });
      await putCpu(url, name, [92, 95, 96, 94]);
    }
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

  it('while the auto tier is paused, an auto-tier change waits for one approver and says why', async () => {
    expect((await postWebhook(bot.baseUrl, alertmanagerBody('web-dev-1', 'fp-dev-1'))).status).toBe(200);
    const p = await proposalFor('web-dev-1');
    expect(p).toMatchObject({ state: 'pending', requirement: 'one', decided_by: null });
    const evidence = await t.db.selectFrom('evidence').select('snapshot').where('id', '=', p.evidence_id).executeTakeFirstOrThrow();
    const trace = (evidence.snapshot as { policy: { trace: string[] } }).policy.trace.join('\n');
    expect(trace).toContain('fresh install: the auto tier starts paused until an admin resumes it');
    expect(await desired('web-dev-1')).toBe(2);
  });

  it('after an admin resumes the auto tier, the next one runs on its own and the card says so', async () => {
    const res = await postToBolt(bot.baseUrl, '/slack/events', slashCommandBody({ userId: 'U0CCC0003', channelId: 'C0DEV00001', text: 'resume auto reviewed', responseUrl: slack.responseUrl('resume') }), FORM, SIGNING_SECRET);
    expect(res.status).toBe(200);
    await eventually(() => slack.responses.find((r) => r.id === 'resume'), 10_000, 'resume answered');

    expect((await postWebhook(bot.baseUrl, alertmanagerBody('web-dev-2', 'fp-dev-2'))).status).toBe(200);
    const done = await eventually(async () => {
      const p = await t.db.selectFrom('proposals').selectAll().where('target', '=', 'web-dev-2').executeTakeFirst();
      return p?.state === 'succeeded' ? p : undefined;
    }, 30_000, 'auto proposal executed');
    expect(done).toMatchObject({ requirement: 'auto', decided_by: AUTO_APPROVER });
    expect(await desired('web-dev-2')).toBeGreaterThan(2);
    const kinds = await t.db.selectFrom('audit_log').select(['kind', 'actor']).where('subject', '=', `proposal:${done.id}`).orderBy('seq').execute();
    expect(kinds.map((k) => k.kind)).toEqual(['proposal.created', 'proposal.approved', 'execution.started', 'execution.succeeded']);
    expect(kinds[1]?.actor).toBe(AUTO_APPROVER);
    // The card was posted, then updated with the outcome; it never offered an Approve button.
    const card = await eventually(() => slack.calls.find((c) => c.method === 'chat.update' && String(c.body.text ?? '').length > 0 && c.body.channel === 'C0DEV00001'), 10_000, 'card updated');
    expect(JSON.stringify(card.body.blocks)).not.toContain('proposal.approve');
  });

  it('a change proposed while paused stays approvable: refused while paused, approved after resume by a user group member', async () => {
    await command('U0CCC0003', 'pause env prod db maintenance', 'pause-prod');
    expect((await postWebhook(bot.baseUrl, alertmanagerBody('web-prod-9', 'fp-prod-9', 'prod'))).status).toBe(200);
    const p = await proposalFor('web-prod-9');
    expect(p).toMatchObject({ state: 'pending', requirement: 'one' });
    const card = slack.message('C0PROD0001', p.slack_ts!);
    expect(JSON.stringify(card?.blocks)).toContain("Could not run when proposed: environment 'prod' paused by slack:U0CCC0003");

    const click = (id: string, userId = 'U0AAA0001') =>
      postToBolt(bot.baseUrl, '/slack/events', blockActionsBody({ userId, actionId: 'proposal.approve', value: p.id, channel: 'C0PROD0001', messageTs: p.slack_ts!, responseUrl: slack.responseUrl(id) }), FORM, SIGNING_SECRET);
    expect((await click('approve-1')).status).toBe(200);
    const refusal = await slack.waitFor('chat.postEphemeral', (c) => String(c.body.text).includes('does not allow this change right now'), 10_000);
    expect(String(refusal.body.text)).toContain("environment 'prod' paused by slack:U0CCC0003");
    expect((await t.db.selectFrom('proposals').select('state').where('id', '=', p.id).executeTakeFirstOrThrow()).state).toBe('pending');

    await command('U0CCC0003', 'resume env prod done', 'resume-prod');
    // Eligible only through the sre-oncall user group: while Slack cannot say who is in it, nobody is.
    slack.failNext('usergroups.users.list', 'ratelimited');
    expect((await click('approve-2', 'U0GRP0001')).status).toBe(200);
    const failClosed = await slack.waitFor('chat.postEphemeral', (c) => String(c.body.text).includes('could not be read'), 10_000);
    expect(String(failClosed.body.text)).toContain('the members of user group(s) S0SRE00001 (ratelimited) could not be read, so they approve nobody');
    expect((await t.db.selectFrom('proposals').select('state').where('id', '=', p.id).executeTakeFirstOrThrow()).state).toBe('pending');
    slack.setUsergroup('S0SRE00001', ['U0GRP0001']);
    expect((await click('approve-3', 'U0GRP0001')).status).toBe(200);
    await eventually(async () => (await t.db.selectFrom('proposals').select('state').where('id', '=', p.id).executeTakeFirst())?.state === 'succeeded' || undefined, 30_000, 'approved after resume and executed');
    expect((await t.db.selectFrom('proposals').select('decided_by').where('id', '=', p.id).executeTakeFirstOrThrow()).decided_by).toBe('U0GRP0001');
    expect(await desired('web-prod-9')).toBeGreaterThan(2);
  });
});
