// Questions in a proposal card's thread, through the real Bolt app receiving signed Events API
// requests: each question gets its answer in the thread, built from the frozen evidence and the
// recorded rows; bots, edits, other threads and Slack's retries get nothing (more).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/domain/canonical.ts';
import type { EvidenceSnapshot } from '../../src/domain/evidence.ts';
import { SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { FAKE_IDS, startFakeSlack, type FakeSlack, type FakeSlackCall } from '../helpers/fake-slack.ts';
import { seedProposal } from '../helpers/seed-proposal.ts';
import { JSON_TYPE, messageEventBody, postToBolt } from '../helpers/slack-requests.ts';

const CHANNEL = 'C0PROD0001';
const CARD_TS = '1700000000.000100'; // the pending two-person proposal's card
const RAN_TS = '1700000000.000200'; // a proposal that has run
const ASKER = 'U0ASK0001';
const TARGET = 'web-thread-asg';

function richEvidence(base: EvidenceSnapshot): EvidenceSnapshot {
  return {
    ...base,
    diagnosis: {
      ...base.diagnosis,
      hypothesis: 'web-thread-asg is CPU-saturated by organic load <!channel>',
      confidence: 0.87,
      risk: 'high',
      signals: [
        { id: 'cpu', label: 'CPU avg', source: 'cloudwatch', query: 'AWS/EC2 CPUUtilization AutoScalingGroupName=web-thread-asg Average 60s', window: '10m', value: 93.4, unit: 'Percent', threshold: 80, comparison: '>', breached: true },
        { id: 'desired', label: 'Desired capacity', source: 'autoscaling', query: 'DescribeAutoScalingGroups web-thread-asg', window: 'now', value: 4, unit: 'Count', threshold: null, comparison: null, breached: null },
      ],
      reasoning: ['Average CPU was 93.4% over 10m, above the 80% threshold.', 'Sizing: ceil(4 × 93.4% / 60%) = 7.'],
      alternatives: [
        { option: 'replace-unhealthy-instance', summary: 'Replace one instance', whyNot: 'All 4 instances are healthy and equally hot.' },
        { option: 'do-nothing', summary: 'Wait and watch', whyNot: 'Waiting leaves users on a saturated group.' },
      ],
    },
  };
}

describe('questions in a proposal card thread', () => {
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  let pending: string;
  let ran: string;

  const threadPosts = (ts: string): FakeSlackCall[] => slack.callsTo('chat.postMessage').filter((c) => c.body['thread_ts'] === ts);
  const send = (body: string, headers: Record<string, string> = {}) => postToBolt(bot.baseUrl, '/slack/events', body, JSON_TYPE, SIGNING_SECRET, headers);

  /** Asks in a card's thread and returns the answer the bot posted there. */
  async function ask(text: string, opts: { threadTs?: string; eventId?: string; headers?: Record<string, string> } = {}): Promise<{ text: string; blocks: string; call: FakeSlackCall }> {
    const threadTs = opts.threadTs ?? CARD_TS;
    const before = threadPosts(threadTs).length;
    const res = await send(messageEventBody({ userId: ASKER, channel: CHANNEL, text, threadTs, ...(opts.eventId ? { eventId: opts.eventId } : {}) }), opts.headers);
    expect(res.status).toBe(200);
    const call = await eventually(() => threadPosts(threadTs)[before], 10_000, `the answer to '${text}'`);
    expect(call.body['channel']).toBe(CHANNEL);
    return { text: String(call.body['text']), blocks: JSON.stringify(call.body['blocks']), call };
  }

  /** Sends `body`, then a question that is answered; nothing else may have been posted. */
  async function expectIgnored(body: string, headers: Record<string, string> = {}): Promise<void> {
    const before = slack.callsTo('chat.postMessage').length;
    expect((await send(body, headers)).status).toBe(200);
    await ask('why?');
    await new Promise((r) => setTimeout(r, 300));
    expect(slack.callsTo('chat.postMessage').length).toBe(before + 1);
  }

  async function seedCard(ts: string, state: 'pending' | 'approved', over: Parameters<typeof seedProposal>[1]): Promise<string> {
    const id = await seedProposal(t.db, over);
    const ev = await t.db.selectFrom('evidence').innerJoin('proposals', 'proposals.evidence_id', 'evidence.id').select(['evidence.id', 'evidence.snapshot']).where('proposals.id', '=', id).executeTakeFirstOrThrow();
    await t.db.updateTable('evidence').set({ snapshot: canonicalJson(richEvidence(ev.snapshot as EvidenceSnapshot)) }).where('id', '=', ev.id).execute();
    await t.db.updateTable('proposals').set({ slack_channel: CHANNEL, slack_ts: ts, state, requested_by: state === 'pending' ? 'U0REQ0001' : null }).where('id', '=', id).execute();
    return id;
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    slack = await startFakeSlack();
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url });
    // Earlier proposals on the same target from other incidents (7, of which the newest 5 are shown),
    // one on another target, all created before the card's.
    for (let i = 0; i < 7; i++) {
      const id = await seedProposal(t.db, { target: TARGET, params: { desiredCapacity: 5 + i } });
      const decided = i === 6 ? { state: 'rejected', decided_by: 'U0BBB0002', outcome: 'Reason: noisy <!here>' } : { state: 'succeeded', decided_by: 'U0AAA0001', outcome: `${TARGET} desired capacity 4 → ${5 + i}` };
      await t.db.updateTable('proposals').set({ ...decided, created_at: new Date(Date.UTC(2024, 3, 1 + i)), decided_at: new Date(Date.UTC(2024, 3, 1 + i, 0, 5)) }).where('id', '=', id).execute();
    }
    const other = await seedProposal(t.db, { target: 'some-other-asg', params: { desiredCapacity: 3 } });
    await t.db.updateTable('proposals').set({ created_at: new Date(Date.UTC(2024, 3, 20)) }).where('id', '=', other).execute();

    pending = await seedCard(CARD_TS, 'pending', { target: TARGET, params: { desiredCapacity: 7 }, observed: { desiredCapacity: 4 }, state: 'pending', requirement: 'two', approvers: ['U0AAA0001', 'U0BBB0002', 'S0SRE00001'] });
    const hash = (await t.db.selectFrom('proposals').select('hash').where('id', '=', pending).executeTakeFirstOrThrow()).hash;
    await t.db.insertInto('approvals').values([
      { proposal_id: pending, slack_user: 'U0AAA0001', proposal_hash: hash, via: 'named approver' },
      { proposal_id: pending, slack_user: 'U0CCC0003', proposal_hash: hash, via: 'named approver', voided_at: new Date(), void_reason: 'superseded' },
    ]).execute();

    ran = await seedCard(RAN_TS, 'approved', { target: 'web-ran-asg', params: { desiredCapacity: 6 } });
    await t.db.updateTable('proposals').set({ state: 'succeeded', outcome: 'web-ran-asg desired capacity 4 → 6' }).where('id', '=', ran).execute();
    await t.db.insertInto('executions').values({
      proposal_id: ran, action: 'scale-asg', target: 'web-ran-asg', params: JSON.stringify({ desiredCapacity: 6 }), status: 'succeeded',
      pre_state: JSON.stringify({ name: 'web-ran-asg', desired: 4, min: 2, max: 10 }), post_state: JSON.stringify({ name: 'web-ran-asg', desired: 6, min: 2, max: 10 }),
      rollback: JSON.stringify({ action: 'scale-asg', target: 'web-ran-asg', params: { desiredCapacity: 4 } }), finished_at: new Date(),
    }).execute();
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await t?.drop();
  });

  it('"why?" answers in the thread from the frozen evidence: hypothesis, confidence, signals with queries, reasoning', async () => {
    const a = await ask('why?');
    expect(a.call.body['thread_ts']).toBe(CARD_TS);
    for (const part of [
      'web-thread-asg is CPU-saturated by organic load &lt;!channel&gt;', '87%', 'HIGH risk',
      '93.4% vs threshold &gt; 80% — *breached* · 10m · `AWS/EC2 CPUUtilization AutoScalingGroupName=web-thread-asg Average 60s`',
      '1. Average CPU was 93.4% over 10m', '2. Sizing: ceil(4 × 93.4% / 60%) = 7.', 'nothing was re-computed',
    ]) expect(a.blocks).toContain(part);
    expect(a.text).not.toContain('<!channel>');
  });

  it('"why not <alternative>?" explains the one meant, fuzzily; an unknown one lists what was considered', async () => {
    const replace = await ask('why not just replace the instance?');
    expect(replace.blocks).toContain('*Why not `replace-unhealthy-instance`?*');
    expect(replace.blocks).toContain('All 4 instances are healthy and equally hot.');
    const nothing = await ask('Why not do-nothing?');
    expect(nothing.blocks).toContain('*Why it lost:* Waiting leaves users on a saturated group.');
    const unknown = await ask('why not restart the database?');
    expect(unknown.blocks).toContain('“restart the database” is not an option this diagnosis considered');
    expect(unknown.blocks).toContain('*replace-unhealthy-instance*: Replace one instance');
    expect(unknown.blocks).toContain('*do-nothing*: Wait and watch');
  });

  it('"rollback?" gives the declared plan, and once it ran, the recorded pre-state and the undoing step', async () => {
    const before = await ask("what's the rollback plan?");
    expect(before.blocks).toContain('*Rollback plan* (declared with `scale-asg` in the policy, blast radius resource): restore-previous-capacity');
    expect(before.blocks).toContain('Nothing has run for this proposal (it is awaiting approval)');
    const after = await ask('rollback?', { threadTs: RAN_TS });
    expect(after.call.body['thread_ts']).toBe(RAN_TS);
    expect(after.blocks).toContain('*Recorded pre-state:* ```{ \\"desired\\": 4, \\"max\\": 10, \\"min\\": 2, \\"name\\": \\"web-ran-asg\\" }```');
    expect(after.blocks).toContain('*Rolling back means:* `scale-asg` on `web-ran-asg` with desiredCapacity=4');
  });

  it('"what happened last time?" lists the 5 newest earlier proposals on the target, then how many more', async () => {
    const a = await ask('what happened last time?');
    const lines = a.blocks.split('\\n').filter((l) => l.startsWith('• '));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toContain('*rejected* — 🚫 Rejected by <@U0BBB0002>');
    expect(lines[0]).toContain('Reason: noisy &lt;!here&gt;');
    expect(lines[1]).toContain('desiredCapacity=10 (prod) · *succeeded* — ✅ Approved by <@U0AAA0001>');
    expect(lines[4]).toContain('desiredCapacity=7');
    expect(a.blocks).toContain('… 2 more, older');
    expect(a.blocks).not.toContain('some-other-asg');
    expect(a.text).toBe(`7 earlier proposal(s) on ${TARGET}`);
  });

  it('"who can approve?" gives the requirement, the approvers and the live approvals only', async () => {
    const a = await ask('who can approve?');
    expect(a.blocks).toContain('needs 2 of: <@U0AAA0001>, <@U0BBB0002>, <!subteam^S0SRE00001>');
    expect(a.blocks).toContain('*Approvals so far: 1 of 2*');
    expect(a.blocks).toContain('• <@U0AAA0001> — named approver');
    expect(a.blocks).not.toContain('U0CCC0003'); // voided
    expect(a.blocks).toContain('Not <@U0REQ0001>: whoever asked for a change never approves it.');
  });

  it('"show the signals" lists every signal; anything else gets what can be asked', async () => {
    const signals = await ask('show the signals');
    expect(signals.blocks).toContain('*Observed signals (2)*');
    expect(signals.blocks).toContain('`DescribeAutoScalingGroups web-thread-asg`');
    const help = await ask('is this related to the deploy?');
    expect(help.blocks).toContain('`who can approve?`');
    expect(help.blocks).toContain('(`replace-unhealthy-instance`, `do-nothing`)');
  });

  it('ignores bot posts (its own answers too), edits, top-level messages, chatter and threads that are no card', async () => {
    const event = (over: Record<string, unknown>, threadTs: string | null = CARD_TS) => {
      const body = JSON.parse(messageEventBody({ userId: ASKER, channel: CHANNEL, text: 'why?', ...(threadTs ? { threadTs } : {}) })) as { event: Record<string, unknown> };
      Object.assign(body.event, over);
      return JSON.stringify(body);
    };
    await expectIgnored(event({ user: FAKE_IDS.botUserId, bot_id: FAKE_IDS.botId }));
    await expectIgnored(event({ bot_id: 'B0OTHER01', subtype: 'bot_message' }));
    await expectIgnored(event({ subtype: 'message_changed' }));
    await expectIgnored(event({}, null));
    await expectIgnored(event({ text: 'on it, looking at the dashboards' }));
    await expectIgnored(event({}, '1700000000.999999'));
    await expectIgnored(event({ channel: 'C0OTHER001' }));
  });

  it('a Slack retry of an answered event (same event_id) is not answered again', async () => {
    const eventId = 'Ev0RETRY0001';
    const body = messageEventBody({ userId: ASKER, channel: CHANNEL, text: 'history?', threadTs: CARD_TS, eventId });
    const before = threadPosts(CARD_TS).length;
    expect((await send(body)).status).toBe(200);
    await eventually(() => threadPosts(CARD_TS).length === before + 1, 10_000, 'the first answer');
    await expectIgnored(body, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(threadPosts(CARD_TS).filter((c) => String(c.body['text']).includes('earlier proposal'))).toHaveLength(2); // this one and the earlier test's
    expect(await t.db.selectFrom('slack_events').select('event_id').where('event_id', '=', eventId).execute()).toHaveLength(1);
  });

  it('an answer Slack refused is given on Slack’s retry of the event', async () => {
    const eventId = 'Ev0RETRY0002';
    const body = messageEventBody({ userId: ASKER, channel: CHANNEL, text: 'signals', threadTs: RAN_TS, eventId });
    slack.failNext('chat.postMessage', 'internal_error');
    const before = threadPosts(RAN_TS).length;
    expect((await send(body)).status).toBe(200);
    await eventually(() => threadPosts(RAN_TS).length === before + 1, 10_000, 'the failed attempt');
    await eventually(async () => (await t.db.selectFrom('slack_events').select('event_id').where('event_id', '=', eventId).execute()).length === 0, 10_000, 'the claim to be given back');
    expect((await send(body, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_error' })).status).toBe(200);
    const answer = await eventually(() => threadPosts(RAN_TS)[before + 1], 10_000, 'the answer on retry');
    expect(JSON.stringify(answer.body['blocks'])).toContain('*Observed signals (2)*');
  });
});
