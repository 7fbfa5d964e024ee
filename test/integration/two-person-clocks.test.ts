// The approval clock of a two-person proposal, run out for real: the short-clocks policy gives
// 4 s to approve. The durable expiry job (pg-boss) expires the proposal, voids the approval it had,
// takes the buttons off every card, and nothing approves it afterwards — neither a click on a DM
// card nor a confirmation dialog that was opened before the deadline and submitted after it.
// (An approved proposal whose execution window runs out before it starts is staged with two bot
// processes in replicas.test.ts.)
import path from 'node:path';
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { awsClientConfig, startMoto } from '../helpers/moto.ts';
import { blockText, buttons, twoPersonDriver } from '../helpers/two-person.ts';

const POLICY = path.resolve(import.meta.dirname, '../fixtures/policies/short-clocks');
const moto = await startMoto();
const skip = 'skip' in moto ? moto.skip : false;

const CHANNEL = 'C0PROD0001';
const ALICE = 'U0AAA0001';
const BOB = 'U0BBB0002';
const GRP1 = 'U0GRP0001';
const EXPIRED_REFUSAL = 'this proposal is already expired; nothing more to decide';

describe.skipIf(skip)(`two-person approval clocks${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  const autoscaling = new AutoScalingClient(awsClientConfig(url));
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  const desired = async (name: string) =>
    (await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups?.[0]?.DesiredCapacity;
  const { proposal, untilState, dms, dmOf, approvals, clicks, auditOf, raise, click, openApproveDialog, submitApprove, approveFromDm, ephemeralTo, cardWith } =
    twoPersonDriver({ t: () => t, slack: () => slack, bot: () => bot, motoUrl: url });

  beforeAll(async () => {
    t = await createTestDatabase();
    slack = await startFakeSlack();
    slack.setUsergroup('S0SRE00001', [GRP1]);
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url, awsEndpoint: url, policyPath: POLICY });
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await t?.drop();
    autoscaling.destroy();
    if ('stop' in moto) await moto.stop();
  });

  it('a pending proposal expires when its approval window runs out; a later approval is refused', async () => {
    const p = await raise('web-clock-pending');
    expect(p).toMatchObject({ state: 'pending', requirement: 'two' });
    // The window runs from the card being posted, for the policy's 4 s.
    expect(p.approval_expires_at!.getTime() - p.posted_at!.getTime()).toBe(4000);

    // One approval inside the window, and Bob's dialog opened inside it too (submitted too late).
    await approveFromDm(p, ALICE);
    const bobsDialog = await openApproveDialog(p, BOB);
    expect(await approvals(p.id)).toMatchObject([{ slack_user: ALICE, voided_at: null }]);
    expect(await proposal(p.id)).toMatchObject({ state: 'pending' });

    await untilState(p.id, 'expired', 20_000);
    const expired = await proposal(p.id);
    const reason = 'no decision within the approval window of 4s';
    expect(expired).toMatchObject({ outcome: `Expired: ${reason}; nothing ran`, decided_by: null, execute_by: null });
    const [audit, ...more] = await auditOf(p.id, 'proposal.expired');
    expect(more).toEqual([]);
    expect(audit?.payload).toEqual({ reason, from: 'pending', hash: p.hash });
    // Not a moment early.
    expect(audit!.at.getTime()).toBeGreaterThanOrEqual(p.approval_expires_at!.getTime());
    expect((await approvals(p.id)).map((a) => [a.slack_user, a.void_reason, a.voided_at instanceof Date])).toEqual([[ALICE, `expired: ${reason}`, true]]);

    // Every card loses its buttons and says it expired.
    const cards = [{ channel: CHANNEL, ts: p.slack_ts! }, ...(await dms(p.id))];
    expect(cards).toHaveLength(4);
    for (const { channel, ts } of cards) {
      const card = await cardWith(channel, ts, 'Expired: nothing will run');
      expect(buttons(card.blocks)).toEqual([]);
      expect(blockText(card.blocks, 'proposal.decision')).toContain(`Expired: ${reason}; nothing ran`);
    }
    expect(String(slack.message(`D${GRP1.slice(1)}`, (await dmOf(p.id, GRP1)).ts)?.text)).not.toMatch(/^Your approval is requested/);

    // Too late: a click on a DM card, and the dialog opened before the deadline.
    const grpDm = await dmOf(p.id, GRP1);
    expect((await click({ userId: GRP1, actionId: 'proposal.approve', proposalId: p.id, channel: grpDm.channel, messageTs: grpDm.ts })).status).toBe(200);
    expect((await ephemeralTo(GRP1, 'expired')).body).toMatchObject({ channel: grpDm.channel, text: `:no_entry: Not done: ${EXPIRED_REFUSAL}` });
    const late = await submitApprove(BOB, bobsDialog.view.private_metadata, p.target);
    expect(late.status).toBe(200);
    expect(JSON.parse(late.text)).toEqual({ response_action: 'errors', errors: { confirm_target: `Not done: ${EXPIRED_REFUSAL}` } });

    expect((await clicks(p.id, GRP1)).map((c) => [c.allowed, c.reason])).toEqual([[false, EXPIRED_REFUSAL]]);
    expect((await clicks(p.id, BOB)).map((c) => [c.allowed, c.reason])).toEqual([[true, 'confirmation dialog opened'], [false, EXPIRED_REFUSAL]]);
    expect(await approvals(p.id)).toHaveLength(1);
    expect(await proposal(p.id)).toMatchObject({ state: 'expired' });
    expect(await t.db.selectFrom('executions').selectAll().where('proposal_id', '=', p.id).execute()).toEqual([]);
    expect(await desired('web-clock-pending')).toBe(4);
  });
});
