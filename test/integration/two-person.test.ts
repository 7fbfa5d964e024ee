// Two-person approval end to end against real peers: Alertmanager-shaped webhooks into the real
// bot, diagnosis against moto_server, cards and DMs on the fake Slack Web API, signed clicks and
// dialog submissions on the real Bolt receiver, and the outcome read back from Postgres and moto.
// Each test raises its own alert on its own group, so each proposal stands on its own.
import path from 'node:path';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, SetDesiredCapacityCommand } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../../src/store/audit.ts';
import type { ProposalRow } from '../../src/store/tables.ts';
import { SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { awsClientConfig, startMoto } from '../helpers/moto.ts';
import { FORM, postToBolt, viewSubmissionBody } from '../helpers/slack-requests.ts';
import { blockText, buttons, tsPlus, twoPersonDriver } from '../helpers/two-person.ts';

const POLICY = path.resolve(import.meta.dirname, '../fixtures/policies/two-person');
const moto = await startMoto();
const skip = 'skip' in moto ? moto.skip : false;

const CHANNEL = 'C0PROD0001';
const ALICE = 'U0AAA0001'; // sre-oncall, named
const BOB = 'U0BBB0002'; // sre-oncall, named
const GRP1 = 'U0GRP0001'; // sre-oncall through user group S0SRE00001
const GRP2 = 'U0GRP0002'; // sre-oncall through user group S0SRE00001
const LEAD = 'U0DDD0004'; // platform-leads: the escalation group, not an approver of scale-asg
const STRANGER = 'U0ZZZ9999';
const ELIGIBLE = [ALICE, BOB, GRP1, GRP2];
const ESCALATION_CHANNEL = 'C0ESCAL001';
const TWO_PERSON_REFUSAL = 'this change needs two approvers, each from the approval card sent to them by direct message; the channel card cannot approve it';

describe.skipIf(skip)(`two-person approval${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  const autoscaling = new AutoScalingClient(awsClientConfig(url));
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  const desired = async (name: string) =>
    (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0]?.DesiredCapacity;
  const {
    proposal, stateOf, untilState, dms, dmOf, approvals, clicks, auditOf, fire, clockStarted, raise, resolve, click,
    openApproveDialog, submitApprove, approveFromDm, ephemeralTo, cardWith,
  } = twoPersonDriver({ t: () => t, slack: () => slack, bot: () => bot, motoUrl: url });

  beforeAll(async () => {
    t = await createTestDatabase();
    slack = await startFakeSlack();
    slack.setUsergroup('S0SRE00001', [GRP1, GRP2]);
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url, awsEndpoint: url, policyPath: POLICY });
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await t?.drop();
    autoscaling.destroy();
    if ('stop' in moto) await moto.stop();
  });

  it('a two-person proposal: no Approve on the channel card, a DM card for every eligible approver', async () => {
    const p = await raise('web-tp-cards');
    expect(p).toMatchObject({ state: 'pending', requirement: 'two', slack_channel: CHANNEL, requested_by: null, environment: 'prod', action: 'scale-asg' });
    expect(p.approvers).toEqual([ALICE, BOB, 'S0SRE00001']);

    const channelCard = slack.message(CHANNEL, p.slack_ts!);
    expect(buttons(channelCard?.blocks)).toEqual(['proposal.reject', 'proposal.escalate']);
    expect(blockText(channelCard?.blocks, 'proposal.requirement')).toContain(
      `needs 2 of: <@${ALICE}>, <@${BOB}>, <!subteam^S0SRE00001> — two distinct people, each from their own DM card`,
    );
    expect(blockText(channelCard?.blocks, 'proposal.requirement')).toContain('Approvals: 0 of 2 so far');

    // One DM card per eligible person (named users and the user group's members), each in its own DM.
    const posted = slack.callsTo('chat.postMessage').filter((c) => String(c.body.channel).startsWith('U') && JSON.stringify(c.body.blocks ?? []).includes(p.id));
    expect(posted.map((c) => c.body.channel).sort()).toEqual(ELIGIBLE.slice().sort());
    const rows = await dms(p.id);
    expect(rows.map((r) => ({ kind: r.kind, slack_user: r.slack_user, channel: r.channel }))).toEqual(
      ELIGIBLE.slice().sort().map((u) => ({ kind: 'dm', slack_user: u, channel: `D${u.slice(1)}` })),
    );
    for (const row of rows) {
      const dm = slack.message(row.channel, row.ts);
      expect(buttons(dm?.blocks)).toEqual(['proposal.approve', 'proposal.reject']);
      expect(String(dm?.text)).toMatch(/^Your approval is requested: /);
      expect(blockText(dm?.blocks, 'proposal.request')).toContain('needs 2 distinct approvers');
    }
    // Nobody outside the policy got one: not the escalation lead, not an admin.
    expect(rows.some((r) => r.slack_user === LEAD || r.slack_user === 'U0CCC0003')).toBe(false);
  });

  it('a crafted Approve from the channel card or from someone else\u2019s DM is refused, told and recorded', async () => {
    const p = await raise('web-tp-crafted');

    // An eligible approver, but the click came from the channel card.
    expect((await click({ userId: ALICE, actionId: 'proposal.approve', proposalId: p.id, channel: CHANNEL, messageTs: p.slack_ts! })).status).toBe(200);
    const refusal = await ephemeralTo(ALICE, 'direct message');
    expect(refusal.body).toMatchObject({ channel: CHANNEL, text: `:no_entry: Not done: ${TWO_PERSON_REFUSAL}` });

    // An eligible approver clicking through another approver's DM card (a crafted payload).
    const alicesDm = await dmOf(p.id, ALICE);
    expect((await click({ userId: BOB, actionId: 'proposal.approve', proposalId: p.id, channel: alicesDm.channel, messageTs: alicesDm.ts })).status).toBe(200);
    expect((await ephemeralTo(BOB, 'direct message')).body.text).toBe(`:no_entry: Not done: ${TWO_PERSON_REFUSAL}`);

    // Someone the policy does not name at all.
    expect((await click({ userId: STRANGER, actionId: 'proposal.approve', proposalId: p.id, channel: CHANNEL, messageTs: p.slack_ts! })).status).toBe(200);
    expect((await ephemeralTo(STRANGER, 'not an eligible approver')).body.text).toBe(
      ':no_entry: Not done: you are not an eligible approver for this action (approvers: U0AAA0001, U0BBB0002, S0SRE00001)',
    );

    expect(await clicks(p.id, ALICE)).toMatchObject([{ allowed: false, action_id: 'proposal.approve', reason: TWO_PERSON_REFUSAL }]);
    expect(await clicks(p.id, BOB)).toMatchObject([{ allowed: false, action_id: 'proposal.approve', reason: TWO_PERSON_REFUSAL }]);
    expect(await clicks(p.id, STRANGER)).toMatchObject([{ allowed: false, action_id: 'proposal.approve', reason: 'you are not an eligible approver for this action (approvers: U0AAA0001, U0BBB0002, S0SRE00001)' }]);
    expect((await auditOf(p.id, 'click.denied')).map((a) => a.actor)).toEqual([`slack:${ALICE}`, `slack:${BOB}`, `slack:${STRANGER}`]);
    // No dialog was opened for any of them, nothing was approved.
    expect(slack.views.filter((v) => JSON.stringify(v.view).includes(p.id))).toEqual([]);
    expect(await approvals(p.id)).toEqual([]);
    expect(await stateOf(p.id)).toBe('pending');
  });

  it('a DM approval: dialog, wrong name refused in the dialog, right name counts 1 of 2; nobody counts twice', async () => {
    const p = await raise('web-tp-first');
    const modal = await openApproveDialog(p, ALICE);
    expect(modal.view.callback_id).toBe('proposal.approve.confirm');
    expect(JSON.parse(modal.view.private_metadata)).toEqual({ proposalId: p.id, channelId: `D${ALICE.slice(1)}`, shownTs: (await dmOf(p.id, ALICE)).ts });
    expect(JSON.stringify(modal.view.blocks)).toContain('confirm_target');

    // The wrong name: Slack shows the error under the field; nothing is approved.
    const wrong = await submitApprove(ALICE, modal.view.private_metadata, 'web-tp-firsT');
    expect(wrong.status).toBe(200);
    expect(JSON.parse(wrong.text)).toEqual({
      response_action: 'errors',
      errors: { confirm_target: 'Not done: the name typed does not match the target; type it exactly to approve' },
    });
    expect(await approvals(p.id)).toEqual([]);

    // The right name: approval 1 of 2, bound to the proposal's hash.
    await approveFromDm(p, ALICE);
    expect(await approvals(p.id)).toMatchObject([{ slack_user: ALICE, proposal_hash: p.hash, via: 'named approver', voided_at: null }]);
    expect(await stateOf(p.id)).toBe('pending');
    expect((await auditOf(p.id, 'proposal.approval'))[0]?.payload).toMatchObject({ hash: p.hash, counting: [ALICE], needed: 2 });

    // Every card shows the progress; the DM cards still offer Approve to those who have not.
    const progress = `Approvals so far: 1 of 2: <@${ALICE}>`;
    expect(blockText((await cardWith(CHANNEL, p.slack_ts!, progress)).blocks, 'proposal.requirement')).toContain(progress);
    for (const row of await dms(p.id)) {
      const card = await cardWith(row.channel, row.ts, progress);
      expect(buttons(card.blocks)).toEqual(['proposal.approve', 'proposal.reject']);
    }
    expect(buttons(slack.message(CHANNEL, p.slack_ts!)?.blocks)).toEqual(['proposal.reject', 'proposal.escalate']);

    // The same person again: a double click on the DM Approve button…
    const dm = await dmOf(p.id, ALICE);
    expect((await click({ userId: ALICE, actionId: 'proposal.approve', proposalId: p.id, channel: dm.channel, messageTs: dm.ts })).status).toBe(200);
    expect((await ephemeralTo(ALICE, 'already approved')).body).toMatchObject({
      channel: dm.channel,
      text: ':no_entry: Not done: you have already approved this; the other approval must come from someone else',
    });
    // …and the dialog submitted twice at once, one of them a Slack retry.
    const [first, retry] = await Promise.all([
      submitApprove(ALICE, modal.view.private_metadata, p.target),
      submitApprove(ALICE, modal.view.private_metadata, p.target, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' }),
    ]);
    for (const res of [first, retry]) {
      expect(res.status).toBe(200);
      expect(JSON.parse(res.text)).toEqual({
        response_action: 'errors',
        errors: { confirm_target: 'Not done: you have already approved this; the other approval must come from someone else' },
      });
    }
    expect(await approvals(p.id)).toHaveLength(1);
    expect(await stateOf(p.id)).toBe('pending');
    const aliceClicks = await clicks(p.id, ALICE);
    expect(aliceClicks.map((c) => [c.allowed, c.reason])).toEqual([
      [true, 'confirmation dialog opened'],
      [false, 'the name typed does not match the target; type it exactly to approve'],
      [true, 'confirmation dialog opened'],
      [true, 'approval 1 of 2'],
      [false, 'you have already approved this; the other approval must come from someone else'],
      [false, 'you have already approved this; the other approval must come from someone else'],
      [false, 'you have already approved this; the other approval must come from someone else'],
    ]);
    expect(aliceClicks.filter((c) => c.retry_num === 1)).toHaveLength(1);
  });

  it('a second distinct approver (a user group member) approves: executed once, both approvers audited', async () => {
    const p = await raise('web-tp-second');
    const before = await desired('web-tp-second');
    expect(before).toBe(4);
    const target = (p.params as { desiredCapacity: number }).desiredCapacity;
    expect(target).toBeGreaterThan(4);

    // Alice approves 12 s after her DM card was shown (by the click's own timestamp).
    const aliceDm = await dmOf(p.id, ALICE);
    const modal = await openApproveDialog(p, ALICE, tsPlus(aliceDm.ts, 12));
    expect(await submitApprove(ALICE, modal.view.private_metadata, p.target)).toEqual({ status: 200, text: '' });
    // The group member approves second, with the name padded by spaces (trimmed, still exact).
    const grpModal = await openApproveDialog(p, GRP1, tsPlus((await dmOf(p.id, GRP1)).ts, 3));
    expect(await submitApprove(GRP1, grpModal.view.private_metadata, `  ${p.target} `)).toEqual({ status: 200, text: '' });

    await untilState(p.id, 'succeeded');
    const done = await proposal(p.id);
    expect(done).toMatchObject({ decided_by: GRP1 });
    expect(done.execute_by).toBeInstanceOf(Date);
    expect(done.execute_by!.getTime()).toBeGreaterThan(done.decided_at!.getTime());
    expect(await desired('web-tp-second')).toBe(target);

    const executions = await t.db.selectFrom('executions').selectAll().where('proposal_id', '=', p.id).execute();
    expect(executions).toHaveLength(1);
    expect(executions[0]).toMatchObject({ status: 'succeeded', target: 'web-tp-second', pre_state: { desired: 4 }, rollback: { params: { desiredCapacity: 4 } } });
    expect(await approvals(p.id)).toMatchObject([
      { slack_user: ALICE, via: 'named approver', voided_at: null },
      { slack_user: GRP1, via: 'member of user group S0SRE00001', voided_at: null },
    ]);
    const approved = await auditOf(p.id, 'proposal.approved');
    expect(approved).toHaveLength(1);
    expect(approved[0]).toMatchObject({ actor: `slack:${GRP1}`, payload: { hash: p.hash, approvers: [ALICE, GRP1], target: 'web-tp-second', params: { desiredCapacity: target } } });
    expect((await auditOf(p.id, 'execution.succeeded'))).toHaveLength(1);

    // seen_ms: exact from the click's action_ts; every click of the flow has a non-negative integer.
    const timed = await t.db.selectFrom('clicks').select(['slack_user', 'reason', 'seen_ms']).where('proposal_id', '=', p.id).orderBy('at').execute();
    expect(timed.filter((c) => c.reason === 'confirmation dialog opened').map((c) => [c.slack_user, c.seen_ms])).toEqual([[ALICE, 12_000], [GRP1, 3_000]]);
    for (const c of timed) {
      expect(Number.isInteger(c.seen_ms)).toBe(true);
      expect(c.seen_ms).toBeGreaterThanOrEqual(0);
    }

    // Every card says what ran; only the channel card keeps a button: Rollback (src/rollback/).
    expect(buttons((await cardWith(CHANNEL, p.slack_ts!, `4 → ${target}`)).blocks)).toEqual(['proposal.rollback']);
    for (const row of await dms(p.id)) {
      const card = await cardWith(row.channel, row.ts, `4 → ${target}`);
      expect(buttons(card.blocks)).toEqual([]);
      expect(blockText(card.blocks, 'proposal.requirement')).toContain(`Approvals: 2 of 2: <@${ALICE}>, <@${GRP1}>`);
    }
  });

  it('a reject with a hostile reason: rejected, reason recorded, every card without buttons and escaped', async () => {
    const p = await raise('web-tp-reject');
    const reason = '<!channel> scaling would not help, see <https://evil.example|the runbook>';
    expect((await click({ userId: BOB, actionId: 'proposal.reject', proposalId: p.id, channel: CHANNEL, messageTs: p.slack_ts! })).status).toBe(200);
    const modal = await eventually(() => slack.views.find((v) => v.view.callback_id === 'proposal.reject.reason' && JSON.parse(v.view.private_metadata).proposalId === p.id), 10_000, 'reason dialog');
    const submit = viewSubmissionBody({ userId: BOB, callbackId: 'proposal.reject.reason', privateMetadata: modal.view.private_metadata, values: { reason: { value: reason } } });
    expect(await postToBolt(bot.baseUrl, '/slack/events', submit, FORM, SIGNING_SECRET)).toEqual({ status: 200, text: '' });

    expect(await proposal(p.id)).toMatchObject({ state: 'rejected', decided_by: BOB, outcome: `Reason: ${reason}` });
    expect((await clicks(p.id, BOB)).map((c) => [c.allowed, c.reason])).toEqual([[true, 'reason dialog opened'], [true, `rejected: ${reason}`]]);
    expect((await auditOf(p.id, 'proposal.rejected'))[0]?.payload).toMatchObject({ reason, hash: p.hash });

    const escaped = 'Reason: &lt;!channel&gt; scaling would not help, see &lt;https://evil.example|the runbook&gt;';
    const cards = [{ channel: CHANNEL, ts: p.slack_ts! }, ...(await dms(p.id))];
    expect(cards).toHaveLength(1 + ELIGIBLE.length);
    for (const { channel, ts } of cards) {
      const card = await cardWith(channel, ts, 'Rejected by');
      expect(buttons(card.blocks)).toEqual([]);
      expect(blockText(card.blocks, 'proposal.decision')).toContain(`Rejected by <@${BOB}>`);
      expect(blockText(card.blocks, 'proposal.decision')).toContain(escaped);
      expect(JSON.stringify(card.blocks)).not.toContain('<!channel>');
      expect(JSON.stringify(card.blocks)).not.toContain('<https://evil');
    }
    expect(await t.db.selectFrom('executions').selectAll().where('proposal_id', '=', p.id).execute()).toEqual([]);
    expect(await desired('web-tp-reject')).toBe(4);
  });

  /** Alice escalates from the channel card; resolves once the lead's DM card is posted. */
  async function escalate(p: ProposalRow) {
    expect((await click({ userId: ALICE, actionId: 'proposal.escalate', proposalId: p.id, channel: CHANNEL, messageTs: p.slack_ts! })).status).toBe(200);
    return eventually(
      () => t.db.selectFrom('proposal_messages').selectAll().where('proposal_id', '=', p.id).where('slack_user', '=', LEAD).executeTakeFirst(),
      10_000,
      'a DM card for the escalation approver',
    );
  }

  it('an escalation calls in platform-leads in the thread and their channel, and sends the lead a DM card', async () => {
    const p = await raise('web-tp-escalate');
    const leadDm = await escalate(p);

    const thread = await slack.waitFor('chat.postMessage', (c) => c.body.channel === CHANNEL && c.body.thread_ts === p.slack_ts, 10_000);
    expect(String(thread.body.text)).toContain(`<@${ALICE}> escalated this proposal (\`scale-asg\` on \`web-tp-escalate\`) to <@${LEAD}>`);
    const elsewhere = await slack.waitFor('chat.postMessage', (c) => c.body.channel === ESCALATION_CHANNEL && String(c.body.text).includes('web-tp-escalate'), 10_000);
    expect(String(elsewhere.body.text)).toContain(`<@${LEAD}>`);
    const escalated = await proposal(p.id);
    expect(escalated).toMatchObject({ escalated_by: ALICE, state: 'pending' });
    expect(escalated.escalated_at).toBeInstanceOf(Date);
    expect((await clicks(p.id, ALICE)).map((c) => [c.action_id, c.allowed, c.reason])).toEqual([['proposal.escalate', true, 'escalated']]);
    expect((await auditOf(p.id, 'proposal.escalated'))[0]).toMatchObject({ actor: `slack:${ALICE}`, payload: { to: ['platform-leads'], channel: ESCALATION_CHANNEL } });

    // The lead is not an approver of scale-asg, but escalation makes them one: a DM card of their own.
    expect(leadDm).toMatchObject({ kind: 'dm', channel: `D${LEAD.slice(1)}` });
    expect(buttons(slack.message(leadDm.channel, leadDm.ts)?.blocks)).toEqual(['proposal.approve', 'proposal.reject']);
    expect((await dms(p.id)).map((r) => r.slack_user)).toEqual([...ELIGIBLE, LEAD].sort());
    // The channel card says who escalated, and offers no second escalation.
    const card = await cardWith(CHANNEL, p.slack_ts!, `Escalated by <@${ALICE}>`);
    expect(buttons(card.blocks)).toEqual(['proposal.reject']);
    // Escalating twice is refused and recorded.
    expect((await click({ userId: BOB, actionId: 'proposal.escalate', proposalId: p.id, channel: CHANNEL, messageTs: p.slack_ts! })).status).toBe(200);
    expect((await ephemeralTo(BOB, 'already escalated')).body.text).toBe(`:no_entry: Not done: this proposal was already escalated by ${ALICE}`);
    expect((await clicks(p.id, BOB)).map((c) => [c.allowed, c.reason])).toEqual([[false, `this proposal was already escalated by ${ALICE}`]]);
  });

  it('after an escalation the lead can give the final approval of a two-person change, and it runs', async () => {
    const p = await raise('web-tp-escalate-run');
    await escalate(p);
    // Bob approves first; the lead's approval is the final one.
    await approveFromDm(p, BOB);
    await approveFromDm(p, LEAD);
    expect((await approvals(p.id)).map((a) => [a.slack_user, a.proposal_hash, a.voided_at])).toEqual([[BOB, p.hash, null], [LEAD, p.hash, null]]);
    expect((await auditOf(p.id, 'proposal.approved'))[0]).toMatchObject({ actor: `slack:${LEAD}`, payload: { approvers: [BOB, LEAD] } });

    await eventually(async () => !['pending', 'approved', 'executing'].includes(await stateOf(p.id)) || undefined, 30_000, 'execution finished');
    const done = await proposal(p.id);
    const target = (p.params as { desiredCapacity: number }).desiredCapacity;
    expect({ state: done.state, decided_by: done.decided_by, outcome: done.outcome }).toEqual({
      state: 'succeeded', decided_by: LEAD, outcome: `web-tp-escalate-run desired capacity 4 → ${target}`,
    });
    expect(await desired('web-tp-escalate-run')).toBe(target);
  });

  it('cancel: the alert resolves after one approval; the proposal is cancelled with a note, a later approval is refused, nothing runs', async () => {
    const p = await raise('web-tp-cancel');
    await approveFromDm(p, ALICE);
    const resolved = await resolve('web-tp-cancel');
    expect(resolved).toMatchObject({ status: 200, json: { resolved: 1, resolvedIncidents: [p.incident_id] } });
    // The resolution itself cancels it (a job after the ingest commits), before anyone clicks.
    await untilState(p.id, 'cancelled');

    const dm = await dmOf(p.id, GRP2);
    expect((await click({ userId: GRP2, actionId: 'proposal.approve', proposalId: p.id, channel: dm.channel, messageTs: dm.ts })).status).toBe(200);
    await eventually(async () => ((await clicks(p.id, GRP2)).length > 0 ? true : undefined), 10_000, "GRP2's click recorded");
    expect(await proposal(p.id)).toMatchObject({ outcome: 'Cancelled: the alert resolved before the change ran; nothing ran' });
    expect(await t.db.selectFrom('executions').selectAll().where('proposal_id', '=', p.id).execute()).toEqual([]);
    expect(await desired('web-tp-cancel')).toBe(4);
    expect((await approvals(p.id)).map((a) => [a.slack_user, a.void_reason])).toEqual([[ALICE, 'cancelled: the alert resolved before the change ran']]);
    expect((await clicks(p.id, GRP2)).map((c) => [c.allowed, c.reason])).toEqual([[false, 'this proposal is already cancelled; nothing more to decide']]);
    expect(await auditOf(p.id, 'proposal.cancelled')).toHaveLength(1);
    expect(await auditOf(p.id, 'execution.started')).toEqual([]);

    for (const { channel, ts } of [{ channel: CHANNEL, ts: p.slack_ts! }, ...(await dms(p.id))]) {
      const card = await cardWith(channel, ts, 'Cancelled: nothing will run');
      // The incident resolved: the channel card asks how the bot did; a DM card never does.
      expect(buttons(card.blocks)).toEqual(channel === CHANNEL ? ['feedback.right', 'feedback.wrong', 'feedback.should_escalate'] : []);
      expect(blockText(card.blocks, 'proposal.decision')).toContain('the alert resolved before the change ran');
    }
  });

  it('supersede: the target changed after one approval; the second approval voids both and a new proposal follows', async () => {
    const p = await raise('web-tp-supersede');
    await approveFromDm(p, BOB);
    // Someone scales the group by hand meanwhile.
    await autoscaling.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'web-tp-supersede', DesiredCapacity: 6, HonorCooldown: false }));

    await approveFromDm(p, ALICE);
    await untilState(p.id, 'superseded');
    expect(await desired('web-tp-supersede')).toBe(6);
    expect((await approvals(p.id)).map((a) => [a.slack_user, a.void_reason, a.voided_at instanceof Date])).toEqual([
      [BOB, 'target changed since proposal', true],
      [ALICE, 'target changed since proposal', true],
    ]);
    const executions = await t.db.selectFrom('executions').selectAll().where('proposal_id', '=', p.id).execute();
    expect(executions).toMatchObject([{ status: 'refused', post_state: null }]);
    expect(executions[0]?.error).toContain('target changed since proposal: desired capacity is 6, the diagnosis saw 4');
    expect(await auditOf(p.id, 'proposal.superseded')).toHaveLength(1);

    // The old cards lose their buttons and say why.
    for (const { channel, ts } of [{ channel: CHANNEL, ts: p.slack_ts! }, ...(await dms(p.id))]) {
      const card = await cardWith(channel, ts, 'Superseded');
      expect(buttons(card.blocks)).toEqual([]);
    }

    // A new diagnosis of the same incident: a new proposal from the group as it is now, with its own card.
    const next = await eventually(
      () => t.db.selectFrom('proposals').selectAll().where('incident_id', '=', p.incident_id).where('id', '<>', p.id).where('approval_expires_at', 'is not', null).executeTakeFirst(),
      30_000,
      'the new proposal',
    );
    expect(next).toMatchObject({ state: 'pending', requirement: 'two', target: 'web-tp-supersede', slack_channel: CHANNEL });
    expect(next.hash).not.toBe(p.hash);
    expect(next.slack_ts).not.toBe(p.slack_ts);
    expect(slack.message(CHANNEL, next.slack_ts!)).toBeDefined();
    expect(buttons(slack.message(CHANNEL, next.slack_ts!)?.blocks)).toEqual(['proposal.reject', 'proposal.escalate']);
    const nextEvidence = await t.db.selectFrom('evidence').select('snapshot').where('id', '=', next.evidence_id).executeTakeFirstOrThrow();
    expect((nextEvidence.snapshot as { diagnosis: { candidate: { observed: { desiredCapacity: number } } } }).diagnosis.candidate.observed.desiredCapacity).toBe(6);
    expect((await dms(next.id)).map((r) => r.slack_user)).toEqual(ELIGIBLE.slice().sort());
    expect(await approvals(next.id)).toEqual([]);
    // The old approvals do not carry over: the new proposal still needs two.
    expect(blockText(slack.message(CHANNEL, next.slack_ts!)?.blocks, 'proposal.requirement')).toContain('Approvals: 0 of 2 so far');
  });

  it('a DM card that cannot be delivered stops nothing: the others go out, the clock starts, and its approver gets a card when they click', async () => {
    // The channel card posts; the first DM card (to Alice, the first in order) fails.
    const posted = slack.waitFor('chat.postMessage', (c) => c.body.channel === CHANNEL && JSON.stringify(c.body.blocks ?? []).includes('web-tp-dm-retry'), 30_000);
    await fire('web-tp-dm-retry');
    await posted;
    slack.failNext('chat.postMessage', 'channel_not_found');
    const p = await clockStarted('web-tp-dm-retry', 20_000);
    expect(p).toMatchObject({ state: 'pending', requirement: 'two' });
    expect((await dms(p.id)).map((r) => r.slack_user)).toEqual([BOB, GRP1, GRP2]);
    // Alice clicks Approve on the channel card: refused (two-person rule), and her DM card is sent.
    expect((await click({ userId: ALICE, actionId: 'proposal.approve', proposalId: p.id, channel: CHANNEL, messageTs: p.slack_ts! })).status).toBe(200);
    await eventually(async () => ((await dms(p.id)).length === 4 ? true : undefined), 10_000, "Alice's DM card");
    expect((await dms(p.id)).map((r) => r.slack_user)).toEqual(ELIGIBLE.slice().sort());
    // One channel card only.
    expect(slack.callsTo('chat.postMessage').filter((c) => c.body.channel === CHANNEL && JSON.stringify(c.body.blocks ?? []).includes(p.id))).toHaveLength(1);
  }, 40_000);

  it('leaves an audit chain that verifies', async () => {
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });
});
