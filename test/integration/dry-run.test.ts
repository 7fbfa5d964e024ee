// Dry run end to end with the real bot: an alert in a dry-run environment gets a diagnosis, a card
// that says DRY RUN, a real approval click and an execution that reads the group and checks the
// preconditions but never writes (moto's recorder sees no SetDesiredCapacity). And the re-check at
// execution time: dry run turned on after the approval still stops the write.
import { sql } from 'kysely';
import { QUEUES } from '../../src/jobs/queue.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_SECRET, postWebhook, startTestBot, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { awsClientConfig, putCpu, recordedCalls, seedAsg, startMoto } from '../helpers/moto.ts';
import { blockActionsBody, FORM, postToBolt } from '../helpers/slack-requests.ts';

const POLICY = path.resolve(import.meta.dirname, '../fixtures/policies/dry-run');
const recordDir = await mkdtemp(path.join(tmpdir(), 'dry-run-moto-'));
const moto = await startMoto({ recordTo: path.join(recordDir, 'calls.jsonl') });
const skip = 'skip' in moto ? moto.skip : false;
const APPROVER = 'U0AAA0001';

function alertmanagerBody(group: string, env: string) {
  const labels = { alertname: 'HighCPU', autoscaling_group: group, env, severity: 'critical' };
  return {
    version: '4', groupKey: `{}:{alertname="HighCPU", autoscaling_group="${group}"}`, truncatedAlerts: 0, status: 'firing', receiver: 'infra-agent',
    groupLabels: { alertname: 'HighCPU' }, commonLabels: labels, commonAnnotations: {}, externalURL: 'http://alertmanager.local',
    alerts: [{ status: 'firing', labels, annotations: { summary: `CPU high on ${group}` }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: `fp-${group}` }],
  };
}

describe.skipIf(skip)(`dry run${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  const autoscaling = new AutoScalingClient(awsClientConfig(url));
  const desired = async (name: string) => (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0]?.DesiredCapacity;
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  const cardFor = (target: string) => eventually(() => t.db.selectFrom('proposals').selectAll().where('target', '=', target).where('slack_ts', 'is not', null).executeTakeFirst(), 30_000, `card for ${target}`);
  const approve = (p: { id: string; slack_ts: string | null }, channel: string) =>
    postToBolt(bot.baseUrl, '/slack/events', blockActionsBody({ userId: APPROVER, actionId: 'proposal.approve', value: p.id, channel, messageTs: p.slack_ts!, responseUrl: slack.responseUrl(`approve-${p.id}`) }), FORM, SIGNING_SECRET);
  const finished = (id: string) => eventually(async () => {
    const p = await t.db.selectFrom('proposals').selectAll().where('id', '=', id).executeTakeFirst();
    return p && ['succeeded', 'failed', 'refused'].includes(p.state) ? p : undefined;
  }, 30_000, `proposal ${id} executed`);

  beforeAll(async () => {
    for (const name of ['web-prod-1', 'web-stage-1']) {
      await seedAsg(url, { name, min: 2, max: 12, desired: 4 });
      await putCpu(url, name, [91, 95, 97, 94]);
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
    await rm(recordDir, { recursive: true, force: true });
  });

  it('in a dry-run environment: the card says DRY RUN, the approval runs everything but the write', async () => {
    expect((await postWebhook(bot.baseUrl, alertmanagerBody('web-prod-1', 'prod'))).status).toBe(200);
    const p = await cardFor('web-prod-1');
    expect(p).toMatchObject({ state: 'pending', requirement: 'one', params: { desiredCapacity: 7 } });
    const posted = await slack.waitFor('chat.postMessage', (c) => c.body.channel === 'C0PROD0001', 10_000);
    expect(JSON.stringify(posted.body.blocks)).toContain('*DRY RUN*');
    expect(String(posted.body.text)).toMatch(/^DRY RUN: /);
    const evidence = await t.db.selectFrom('evidence').select('snapshot').where('id', '=', p.evidence_id).executeTakeFirstOrThrow();
    expect((evidence.snapshot as { policy: { dryRun?: boolean } }).policy.dryRun).toBe(true);

    expect((await approve(p, 'C0PROD0001')).status).toBe(200);
    const done = await finished(p.id);
    expect(done.state).toBe('succeeded');
    expect(done.outcome).toBe('DRY RUN: would set web-prod-1 desired capacity 4 → 7 (nothing was changed)');
    const execution = await t.db.selectFrom('executions').selectAll().where('proposal_id', '=', p.id).executeTakeFirstOrThrow();
    expect(execution).toMatchObject({ status: 'succeeded', dry_run: true, rollback: null, pre_state: expect.objectContaining({ desired: 4 }) });
    const audit = await t.db.selectFrom('audit_log').select(['kind', 'payload']).where('subject', '=', `proposal:${p.id}`).where('kind', '=', 'execution.succeeded').executeTakeFirstOrThrow();
    expect(audit.payload).toMatchObject({ dryRun: true, summary: expect.stringMatching(/^DRY RUN: would /) });

    expect(await desired('web-prod-1')).toBe(4);
    // The recorder works (the executor's reads are there), and saw no write.
    expect((await recordedCalls(url, 'DescribeAutoScalingGroups')).length).toBeGreaterThan(0);
    expect(await recordedCalls(url, 'SetDesiredCapacity')).toEqual([]);
    // Nothing changed, so nothing is verified and nothing counts towards the circuit breakers.
    const verifyJobs = await sql<{ id: string }>`SELECT id FROM pgboss.job WHERE name = ${QUEUES.verify} AND data->>'proposalId' = ${p.id}`.execute(t.db);
    expect(verifyJobs.rows).toEqual([]);
    // The updated card still says DRY RUN, with the outcome.
    const updated = await slack.waitFor('chat.update', (c) => c.body.ts === p.slack_ts && JSON.stringify(c.body.blocks).includes('DRY RUN: would set'), 10_000);
    expect(JSON.stringify(updated.body.blocks)).toContain('*DRY RUN*');
  });

  it('dry run turned on after the approval still stops the write (re-checked at execution)', async () => {
    expect((await postWebhook(bot.baseUrl, alertmanagerBody('web-stage-1', 'staging'))).status).toBe(200);
    const p = await cardFor('web-stage-1');
    const posted = await slack.waitFor('chat.postMessage', (c) => c.body.channel === 'C0STAGE0001', 10_000);
    expect(JSON.stringify(posted.body.blocks)).not.toContain('DRY RUN');
    // An operator switches staging to dry run (as a policy reload would) before the execution runs.
    const current = bot.ctx.policy.current;
    bot.ctx.policy.current = { ...current, environments: { ...current.environments, staging: { ...current.environments.staging!, dry_run: true } } };
    expect((await approve(p, 'C0STAGE0001')).status).toBe(200);
    const done = await finished(p.id);
    expect(done).toMatchObject({ state: 'succeeded', outcome: expect.stringMatching(/^DRY RUN: would set web-stage-1 desired capacity 4 → /) });
    expect(await desired('web-stage-1')).toBe(4);
    expect(await recordedCalls(url, 'SetDesiredCapacity')).toEqual([]);
  });
});
