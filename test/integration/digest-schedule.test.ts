// The weekly digest fires once across replicas: two real `infra-agent serve` processes share one
// database and one fake Slack, both see the policy's slot due (a minute ago) and check every
// second; exactly one digest message and one chart reach Slack, one run is recorded, and a third
// process started later posts nothing more.
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { DIGEST_CHANNEL, policyWithDigest, scheduleAt } from '../helpers/digest-policy.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { seedProposal } from '../helpers/seed-proposal.ts';
import { startServe, type ServeProcess } from '../helpers/serve-process.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('scheduled weekly digest across replicas', () => {
  let t: TestDatabase;
  let slack: FakeSlack;
  let policy: Awaited<ReturnType<typeof policyWithDigest>>;
  const bots: ServeProcess[] = [];
  const start = async (name: string) => {
    const bot = await startServe({ name, databaseUrl: t.url, slackApiUrl: slack.url, awsEndpoint: 'http://127.0.0.1:1', policyPath: policy.path, env: { DIGEST_CHECK_INTERVAL_SECONDS: '1' } });
    bots.push(bot);
    return bot;
  };
  const digestPosts = () => slack.callsTo('chat.postMessage').filter((c) => c.body['channel'] === DIGEST_CHANNEL && c.ok === true);
  const completions = () => slack.callsTo('files.completeUploadExternal').filter((c) => c.ok === true);

  beforeAll(async () => {
    t = await createTestDatabase();
    slack = await startFakeSlack();
    // The slot was a minute ago: due now, well within the grace period.
    policy = await policyWithDigest(scheduleAt(new Date(Date.now() - 60_000)));
    // One decision in the week the slot reviews, so the digest has something to count.
    const id = await seedProposal(t.db, { target: 'web-asg', params: { desiredCapacity: 6 }, decidedBy: 'U0AAA0001' });
    await t.db.updateTable('proposals').set({ state: 'rejected', created_at: new Date(Date.now() - 3_600_000), decided_at: new Date(Date.now() - 3_500_000) }).where('id', '=', id).execute();
  });
  afterAll(async () => {
    await Promise.all(bots.map((b) => b.stop()));
    await slack?.close();
    await t?.drop();
    await policy?.remove();
  });

  it('two processes: one message, one chart in its thread, one recorded run', async () => {
    const [a, b] = await Promise.all([start('A'), start('B')]);
    const posted = await eventually(() => completions()[0], 20_000, 'the chart upload to complete');
    // Both replicas keep checking every second; give them several rounds to (wrongly) post again.
    await sleep(4_000);

    expect(digestPosts()).toHaveLength(1);
    const message = digestPosts()[0]!;
    expect(String(message.body['text'])).toMatch(/^Weekly decision review, .*: 1 proposals, approval rate 0%, 1 to review$/);
    expect(completions()).toHaveLength(1);
    expect(posted.body['channel_id']).toBe(DIGEST_CHANNEL);
    // The chart went into the digest message's own thread.
    const ts = posted.body['thread_ts'];
    expect(typeof ts).toBe('string');
    expect(slack.message(DIGEST_CHANNEL, String(ts))?.thread_ts).toBeUndefined();
    expect(String(slack.message(DIGEST_CHANNEL, String(ts))?.text)).toBe(message.body['text']);
    const file = [...slack.files.values()].find((f) => f.completed !== null)!;
    expect(file.bytes?.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(file.completed).toMatchObject({ channel: DIGEST_CHANNEL, threadTs: ts });

    const runs = await t.db.selectFrom('digest_runs').selectAll().execute();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ kind: 'scheduled', status: 'posted', attempts: 1, channel: DIGEST_CHANNEL, slack_ts: ts, chart_file_id: file.id, chart_error: null });
    const audit = await t.db.selectFrom('audit_log').select(['actor', 'payload']).where('kind', '=', 'digest.posted').execute();
    expect(audit).toEqual([expect.objectContaining({ actor: 'system:digest', payload: expect.objectContaining({ channel: DIGEST_CHANNEL, ts, proposals: 1, toReview: 1 }) })]);
    // Exactly one of the two processes did it, and says so in its log.
    expect(a.logged('weekly digest posted').length + b.logged('weekly digest posted').length).toBe(1);
    const jobs = (await sql<{ state: string }>`SELECT state FROM pgboss.job WHERE name = 'weekly-digest'`.execute(t.db)).rows;
    expect(jobs.length).toBeGreaterThanOrEqual(1);
    expect(jobs.every((j) => j.state === 'completed')).toBe(true);
  });

  it('a replica started after the slot was posted posts nothing more', async () => {
    await Promise.all(bots.splice(0).map((b) => b.stop()));
    const c = await start('C');
    await sleep(3_000);
    expect(c.exited()).toBe(false);
    expect(digestPosts()).toHaveLength(1);
    expect(completions()).toHaveLength(1);
    expect(await t.db.selectFrom('digest_runs').select('status').execute()).toEqual([{ status: 'posted' }]);
  });
});
