// `/infra-agent digest` (preview, --post, refusals), "last digest" in status, and how a scheduled
// digest behaves when Slack fails: a failed message is tried again on a later check and given up
// after MAX_DIGEST_ATTEMPTS (admins told once); a failed chart leaves the message standing; a claim
// abandoned by a crashed replica is taken over only once stale. Real Bolt app, Postgres, fake Slack.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBlocks } from '../../blocks/limits.ts';
import { runScheduledDigest } from '../../src/digest/scheduler.ts';
import { MAX_DIGEST_ATTEMPTS, retryDelayMs, slotSettled, STALE_CLAIM_MS } from '../../src/store/repos/digest-runs.ts';
import { SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { DIGEST_CHANNEL, policyWithDigest, scheduleAt } from '../helpers/digest-policy.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { seedProposal } from '../helpers/seed-proposal.ts';
import { FORM, postToBolt, slashCommandBody } from '../helpers/slack-requests.ts';

const APPROVER = 'U0AAA0001'; // test/fixtures/policies/e2e
const ADMIN = 'U0CCC0003';
const STRANGER = 'U0ZZZ9999';
const CHANNEL = 'C0PROD0001';
const DAY = 24 * 3_600_000;

interface Answer { text: string; response_type: string; blocks?: { type: string; text?: { text: string }; elements?: { text?: string }[] }[] }
const allText = (a: Answer): string => [a.text, ...(a.blocks ?? []).flatMap((b) => [b.text?.text ?? '', ...(b.elements ?? []).map((e) => e.text ?? '')])].join('\n');

describe('weekly digest: command, status and failures', () => {
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  let policy: Awaited<ReturnType<typeof policyWithDigest>>;
  let n = 0;
  // Slots far in the past: whatever the bot's own timer thinks, these are only run by the test.
  let slotN = 0;
  const slot = () => new Date(Date.UTC(2026, 0, 5 + 7 * ++slotN)).toISOString().slice(0, 10);

  async function command(userId: string, text: string, channelId = CHANNEL): Promise<Answer> {
    const id = `digest-${++n}`;
    const res = await postToBolt(bot.baseUrl, '/slack/events', slashCommandBody({ userId, channelId, text, responseUrl: slack.responseUrl(id) }), FORM, SIGNING_SECRET);
    expect(res.status).toBe(200);
    const answer = (await eventually(() => slack.responses.find((r) => r.id === id), 15_000, `answer to '${text}'`)).body as Answer;
    if (answer.blocks) expect(validateBlocks(answer.blocks)).toEqual([]);
    return answer;
  }
  const postsTo = (channel: string) => slack.callsTo('chat.postMessage').filter((c) => c.body['channel'] === channel);
  const runOf = (date: string) => t.db.selectFrom('digest_runs').selectAll().where('slot_date', '=', date).executeTakeFirst();
  /** Time passes for the slot's last attempt: its claim is moved back by `ms`. */
  const rewind = (date: string, ms: number) => t.db.updateTable('digest_runs').set({ claimed_at: sql`claimed_at - make_interval(secs => ${ms / 1000})` }).where('slot_date', '=', date).execute();

  beforeAll(async () => {
    t = await createTestDatabase();
    slack = await startFakeSlack();
    // Scheduled three days from now: not due while this file runs.
    policy = await policyWithDigest(scheduleAt(new Date(Date.now() + 3 * DAY)));
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url, policyPath: policy.path });
    const id = await seedProposal(t.db, { target: 'web-asg', params: { desiredCapacity: 6 }, decidedBy: APPROVER });
    await t.db.updateTable('proposals').set({ state: 'rejected', created_at: new Date(Date.now() - 3_600_000), decided_at: new Date(Date.now() - 3_500_000) }).where('id', '=', id).execute();
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await t?.drop();
    await policy?.remove();
  });

  it('digest: an ephemeral preview of the last 7 days for an approver; nothing posted or recorded as a run', async () => {
    const a = await command(APPROVER, 'digest');
    expect(a.response_type).toBe('ephemeral');
    const text = allText(a);
    expect(text).toContain('Weekly decision review');
    expect(text).toContain('*1 proposals*');
    expect(text).toContain('Only you can see this preview');
    expect(postsTo(CHANNEL)).toHaveLength(0);
    expect(await t.db.selectFrom('digest_runs').selectAll().execute()).toEqual([]);
    const audit = await t.db.selectFrom('audit_log').select(['actor', 'payload']).where('kind', '=', 'command.digest').execute();
    expect(audit).toEqual([{ actor: `slack:${APPROVER}`, payload: expect.objectContaining({ outcome: 'answered', text: 'digest' }) }]);
  });

  it('digest: refused for someone who is no approver or admin; extra words get usage', async () => {
    const refused = await command(STRANGER, 'digest --post');
    expect(refused.text).toMatch(/^:no_entry: Not done: only an approver or an admin of the policy may see the digest/);
    const bad = await command(APPROVER, 'digest last-month');
    expect(bad.text).toContain('`digest` takes no arguments (only `--post`)');
    expect(bad.text).toContain('/infra-agent');
    expect(postsTo(CHANNEL)).toHaveLength(0);
    expect(await t.db.selectFrom('digest_runs').selectAll().execute()).toEqual([]);
  });

  it('digest --post where Slack refuses: says why, nothing posted, the run recorded as failed', async () => {
    slack.failNext('chat.postMessage', 'not_in_channel');
    const a = await command(APPROVER, 'digest --post', 'C0NOTIN001');
    expect(a.text).toBe(':x: The digest could not be posted in <#C0NOTIN001>: Slack answered not_in_channel. Is the bot a member of this channel? Nothing was posted.');
    expect(await t.db.selectFrom('digest_runs').select(['kind', 'status', 'channel', 'error']).execute()).toEqual([{ kind: 'manual', status: 'failed', channel: 'C0NOTIN001', error: 'Slack answered not_in_channel' }]);
    await t.db.deleteFrom('digest_runs').execute();
  });

  it('digest --post: the digest in this channel with the chart in its thread, recorded as a manual run; status shows it', async () => {
    const a = await command(ADMIN, 'digest --post');
    expect(a).toMatchObject({ response_type: 'ephemeral', text: `:white_check_mark: Digest posted in <#${CHANNEL}>. The chart is in its thread.` });
    const [post] = postsTo(CHANNEL);
    expect(String(post?.body['text'])).toMatch(/^Weekly decision review/);
    const [run] = await t.db.selectFrom('digest_runs').selectAll().execute();
    expect(run).toMatchObject({ kind: 'manual', slot: null, status: 'posted', channel: CHANNEL, requested_by: ADMIN, chart_error: null });
    const file = run?.chart_file_id ? slack.files.get(run.chart_file_id) : undefined;
    expect(file?.completed).toMatchObject({ channel: CHANNEL, threadTs: run?.slack_ts });

    const status = allText(await command(STRANGER, 'status'));
    expect(status).toContain('*Weekly digest*');
    expect(status).toMatch(new RegExp(`every \\w+day at \\d\\d:\\d\\d \\(UTC\\) in <#${DIGEST_CHANNEL}>; next <!date\\^\\d+`));
    expect(status).toMatch(new RegExp(`last posted <!date\\^\\d+[^>]*> by hand in <#${CHANNEL}>, covering`));
  });

  it('a failed message is recorded and tried again once its retry delay has passed, not before', async () => {
    const s = slot();
    slack.failNext('chat.postMessage', 'channel_not_found');
    await runScheduledDigest(bot.ctx, s);
    expect(await runOf(s)).toMatchObject({ status: 'failed', attempts: 1, error: 'Slack answered channel_not_found', slack_ts: null });
    expect(await slotSettled(t.db, s)).toBe(false);
    // Straight away: still waiting out the delay (5 minutes after a first failure).
    await runScheduledDigest(bot.ctx, s);
    expect(await runOf(s)).toMatchObject({ status: 'failed', attempts: 1 });
    await rewind(s, retryDelayMs(1) + 1000);
    await runScheduledDigest(bot.ctx, s);
    const run = await runOf(s);
    expect(run).toMatchObject({ status: 'posted', attempts: 2, error: null, slot_date: s });
    expect(run?.window_to).toEqual(run?.slot);
    expect(run!.window_to.getTime() - run!.window_from.getTime()).toBe(7 * DAY);
    expect(await slotSettled(t.db, s)).toBe(true);
    const posts = postsTo(DIGEST_CHANNEL).filter((c) => c.ok);
    expect(posts).toHaveLength(1);
    // Posted once: a further run of the same slot does nothing.
    await rewind(s, STALE_CLAIM_MS * 100);
    await runScheduledDigest(bot.ctx, s);
    expect(postsTo(DIGEST_CHANNEL).filter((c) => c.ok)).toHaveLength(1);
  });

  it('a chart that cannot be uploaded leaves the message posted, with the error recorded and shown in status', async () => {
    const s = slot();
    slack.failNext('files.getUploadURLExternal', 'missing_scope');
    await runScheduledDigest(bot.ctx, s);
    expect(await runOf(s)).toMatchObject({ status: 'posted', chart_file_id: null, chart_error: 'Slack answered missing_scope' });
    const status = allText(await command(APPROVER, 'status'));
    expect(status).toContain(`on schedule in <#${DIGEST_CHANNEL}>`);
    expect(status).toContain(':warning: its chart could not be uploaded: Slack answered missing_scope');
  });

  it(`gives up after ${MAX_DIGEST_ATTEMPTS} failed attempts and tells the admins once`, async () => {
    const s = slot();
    const dmsBefore = postsTo(ADMIN).length;
    for (let i = 1; i <= MAX_DIGEST_ATTEMPTS; i++) {
      slack.failNext('chat.postMessage', 'not_in_channel');
      await runScheduledDigest(bot.ctx, s);
      expect(await runOf(s)).toMatchObject({ status: 'failed', attempts: i });
      await rewind(s, retryDelayMs(i) + 1000);
    }
    expect(await runOf(s)).toMatchObject({ status: 'failed', attempts: MAX_DIGEST_ATTEMPTS, error: 'Slack answered not_in_channel' });
    expect(await slotSettled(t.db, s)).toBe(true);
    const dms = postsTo(ADMIN).slice(dmsBefore);
    expect(dms).toHaveLength(1);
    expect(String(dms[0]?.body['text'])).toContain(`could not be posted to <#${DIGEST_CHANNEL}> after ${MAX_DIGEST_ATTEMPTS} attempt(s): Slack answered not_in_channel`);
    const calls = slack.callsTo('chat.postMessage').length;
    await runScheduledDigest(bot.ctx, s);
    expect(slack.callsTo('chat.postMessage').length).toBe(calls);
  });

  it('a claim left by a crashed replica is taken over once stale, not before; an abandoned last attempt is given up and told', async () => {
    const fresh = slot();
    const stale = slot();
    const last = slot();
    const claimed = async (date: string, ago: number, attempts = 1) =>
      t.db.insertInto('digest_runs').values({ kind: 'scheduled', slot_date: date, slot: new Date(`${date}T09:00:00Z`), window_from: new Date(`${date}T09:00:00Z`), window_to: new Date(`${date}T09:00:00Z`), channel: DIGEST_CHANNEL, status: 'claimed', claimed_at: new Date(Date.now() - ago), attempts }).execute();
    await claimed(fresh, 60_000);
    await claimed(stale, STALE_CLAIM_MS + 60_000);
    await claimed(last, STALE_CLAIM_MS + 60_000, MAX_DIGEST_ATTEMPTS);
    await runScheduledDigest(bot.ctx, fresh);
    expect(await runOf(fresh)).toMatchObject({ status: 'claimed', attempts: 1 });
    await runScheduledDigest(bot.ctx, stale);
    const taken = await runOf(stale);
    // The takeover records the window it really posted (the seeded one was a placeholder).
    expect(taken).toMatchObject({ status: 'posted', attempts: 2 });
    expect(taken!.window_to.getTime() - taken!.window_from.getTime()).toBe(7 * DAY);
    const dmsBefore = postsTo(ADMIN).length;
    await runScheduledDigest(bot.ctx, last);
    await runScheduledDigest(bot.ctx, last);
    expect(await runOf(last)).toMatchObject({ status: 'failed', attempts: MAX_DIGEST_ATTEMPTS, error: 'the replica posting it stopped before it finished' });
    expect(await slotSettled(t.db, last)).toBe(true);
    const dms = postsTo(ADMIN).slice(dmsBefore);
    expect(dms).toHaveLength(1);
    expect(String(dms[0]?.body['text'])).toContain('the replica posting it stopped before it finished');
  });
});
