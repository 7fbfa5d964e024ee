// "How did the bot do?" end to end: an Alertmanager-shaped webhook raises an incident and the real
// diagnosis posts its card (AWS is unreachable here, so the card is advisory — that is the point:
// feedback is asked for whatever the outcome), the resolved webhook runs the incident-resolved
// job, which re-renders the card with the three answers; signed clicks on the real Bolt receiver
// are authorised on the server and recorded in Postgres; the fake Slack holds the card as updated.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cancelForResolvedIncident } from '../../src/approvals/resolved.ts';
import { verifyAuditChain } from '../../src/store/audit.ts';
import type { ProposalRow } from '../../src/store/tables.ts';
import { SIGNING_SECRET, postWebhook, startTestBot, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { seedProposal } from '../helpers/seed-proposal.ts';
import { blockActionsBody, FORM, postToBolt } from '../helpers/slack-requests.ts';
import { alertBody, blockText, buttons } from '../helpers/two-person.ts';

const CHANNEL = 'C0PROD0001';
const ALICE = 'U0AAA0001'; // sre-oncall, named
const GRP1 = 'U0GRP0001'; // sre-oncall through user group S0SRE00001
const ADMIN = 'U0CCC0003'; // platform-leads and admin
const STRANGER = 'U0ZZZ9999';
const FEEDBACK_BUTTONS = ['feedback.right', 'feedback.wrong', 'feedback.should_escalate'];

describe('feedback on the bot\u2019s calls', () => {
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  let clickNo = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
    slack = await startFakeSlack();
    slack.setUsergroup('S0SRE00001', [GRP1]);
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url });
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await t?.drop();
  });

  const body = (userId: string, actionId: string, proposalId: string, messageTs: string, actionTs?: string) =>
    blockActionsBody({ userId, actionId, value: proposalId, channel: CHANNEL, messageTs, responseUrl: slack.responseUrl(`fb${++clickNo}`), blockId: 'proposal.feedback', ...(actionTs ? { actionTs } : {}) });
  const send = (raw: string, headers: Record<string, string> = {}) => postToBolt(bot.baseUrl, '/slack/events', raw, FORM, SIGNING_SECRET, headers);
  const click = async (userId: string, actionId: string, p: ProposalRow) => expect((await send(body(userId, actionId, p.id, p.slack_ts!))).status).toBe(200);
  const ephemeralTo = (user: string, text: string) => slack.waitFor('chat.postEphemeral', (c) => c.body.user === user && String(c.body.text).includes(text), 10_000);
  const feedbackRows = (id: string) => t.db.selectFrom('feedback').select(['slack_user', 'verdict']).where('proposal_id', '=', id).orderBy('slack_user').execute();
  const clicks = (id: string) => t.db.selectFrom('clicks').select(['slack_user', 'action_id', 'allowed', 'reason', 'retry_num']).where('proposal_id', '=', id).where('action_id', 'like', 'feedback.%').orderBy('id').execute();
  const audits = (id: string, kinds: string[]) => t.db.selectFrom('audit_log').select(['actor', 'kind', 'payload']).where('subject', '=', `proposal:${id}`).where('kind', 'in', kinds).orderBy('seq').execute();
  const card = (p: ProposalRow) => slack.message(CHANNEL, p.slack_ts!);
  const cardWith = (p: ProposalRow, text: string) =>
    eventually(() => (JSON.stringify(card(p)?.blocks).includes(text) ? card(p) : undefined), 10_000, `card showing ${text}`);
  const proposal = (id: string) => t.db.selectFrom('proposals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('buttons once the incident resolves; answers per person, changes kept latest, strangers and crafted clicks refused', async () => {
    const startsAt = new Date().toISOString();
    expect((await postWebhook(bot.baseUrl, alertBody('web-feedback', 'firing', startsAt))).status).toBe(200);
    const p = await eventually(() => t.db.selectFrom('proposals').selectAll().where('target', '=', 'web-feedback').where('slack_ts', 'is not', null).executeTakeFirst(), 30_000, 'the card');
    await eventually(() => card(p), 10_000, 'the card in the fake Slack');
    // Not a proposal the job cancels: the job must re-render every card of the incident, not only those.
    expect(p.state).toBe('advisory');
    // The incident is open: no feedback on the card, and a crafted click is refused.
    expect(buttons(card(p)?.blocks).filter((b) => b.startsWith('feedback.'))).toEqual([]);
    await click(ALICE, 'feedback.right', p);
    await ephemeralTo(ALICE, 'the incident of this proposal has not resolved yet');
    expect(await feedbackRows(p.id)).toEqual([]);

    // The alert resolves: the incident-resolved job re-renders the card with the three answers.
    expect((await postWebhook(bot.baseUrl, alertBody('web-feedback', 'resolved', startsAt))).status).toBe(200);
    const resolvedCard = await cardWith(p, 'feedback.right');
    expect(buttons(resolvedCard.blocks).filter((b) => b.startsWith('feedback.'))).toEqual(FEEDBACK_BUTTONS);
    expect(blockText(resolvedCard.blocks, 'proposal.feedback.tally')).toBe('So far: no answers yet');
    const settled = await proposal(p.id);

    // Alice (named) says wrong call; a user group member says right call; Alice changes her mind.
    await click(ALICE, 'feedback.wrong', p);
    expect((await ephemeralTo(ALICE, 'Recorded: ')).body.text).toBe('Recorded: wrong call. Change it any time by clicking another answer.');
    await cardWith(p, 'So far: 1 wrong call');
    await click(GRP1, 'feedback.right', p);
    await ephemeralTo(GRP1, 'Recorded: right call.');
    await cardWith(p, 'So far: 1 right call · 1 wrong call');
    await click(ALICE, 'feedback.should_escalate', p);
    await ephemeralTo(ALICE, 'Recorded: should have escalated.');
    await cardWith(p, 'So far: 1 right call · 1 should have escalated');
    expect(await feedbackRows(p.id)).toEqual([{ slack_user: ALICE, verdict: 'should_escalate' }, { slack_user: GRP1, verdict: 'right' }]);
    expect((await audits(p.id, ['feedback.recorded', 'feedback.changed'])).map((a) => [a.actor, a.kind, a.payload])).toEqual([
      [`slack:${ALICE}`, 'feedback.recorded', { verdict: 'wrong', previous: null, via: 'named approver', seenMs: expect.any(Number) }],
      [`slack:${GRP1}`, 'feedback.recorded', { verdict: 'right', previous: null, via: 'member of user group S0SRE00001', seenMs: expect.any(Number) }],
      [`slack:${ALICE}`, 'feedback.changed', { verdict: 'should_escalate', previous: 'wrong', via: 'named approver', seenMs: expect.any(Number) }],
    ]);

    // A retried delivery of the same click, and a double click racing: still one row each, no new answer audited.
    const retried = body(GRP1, 'feedback.right', p.id, p.slack_ts!);
    expect((await send(retried)).status).toBe(200);
    expect((await send(retried, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' })).status).toBe(200);
    await Promise.all([click(ADMIN, 'feedback.right', p), click(ADMIN, 'feedback.right', p)]);
    await eventually(async () => ((await clicks(p.id)).filter((c) => c.slack_user === ADMIN).length === 2 ? true : undefined), 10_000, 'both admin clicks recorded');
    await eventually(async () => ((await clicks(p.id)).filter((c) => c.slack_user === GRP1).length === 3 ? true : undefined), 10_000, 'the retried clicks recorded');
    expect(await feedbackRows(p.id)).toEqual([{ slack_user: ALICE, verdict: 'should_escalate' }, { slack_user: ADMIN, verdict: 'right' }, { slack_user: GRP1, verdict: 'right' }]);
    expect(await t.db.selectFrom('feedback').select('id').where('proposal_id', '=', p.id).where('slack_user', '=', GRP1).execute()).toHaveLength(1);
    expect((await audits(p.id, ['feedback.recorded'])).map((a) => a.actor)).toEqual([`slack:${ALICE}`, `slack:${GRP1}`, `slack:${ADMIN}`]);
    await cardWith(p, 'So far: 2 right call · 1 should have escalated');

    // A stranger, and an answer the card never offers: refused, told, recorded; nothing stored.
    await click(STRANGER, 'feedback.right', p);
    expect((await ephemeralTo(STRANGER, 'Not done')).body.text).toMatch(/^:no_entry: Not done: only an approver or an admin of the policy may say how the bot did on it \(you are not an eligible approver for this action \(approvers: /);
    await click(ALICE, 'feedback.maybe', p);
    await ephemeralTo(ALICE, "unknown answer 'maybe'");
    expect(await feedbackRows(p.id)).toHaveLength(3);
    const all = await clicks(p.id);
    expect(all.filter((c) => !c.allowed).map((c) => [c.slack_user, c.action_id])).toEqual([[ALICE, 'feedback.right'], [STRANGER, 'feedback.right'], [ALICE, 'feedback.maybe']]);
    expect(all.find((c) => c.slack_user === GRP1 && c.retry_num === 1)).toMatchObject({ allowed: true, reason: 'feedback unchanged: already right call' });
    expect((await audits(p.id, ['click.denied'])).map((a) => a.actor)).toEqual([`slack:${ALICE}`, `slack:${STRANGER}`, `slack:${ALICE}`]);

    // The job may run again (pg-boss retries): nothing changes state, the card keeps its answers.
    await cancelForResolvedIncident(bot.ctx, p.incident_id);
    expect((await proposal(p.id)).state).toBe(settled.state);
    expect(buttons(card(p)?.blocks).filter((b) => b.startsWith('feedback.'))).toEqual(FEEDBACK_BUTTONS);
    expect(blockText(card(p)?.blocks, 'proposal.feedback.tally')).toBe('So far: 2 right call · 1 should have escalated');
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });

  it('a pending proposal is cancelled when its incident resolves and its card then asks for feedback too; an open incident\u2019s proposal refuses a crafted answer', async () => {
    // Seeded (no diagnosis): a pending proposal with its card posted, in an incident still open.
    const id = await seedProposal(t.db, { target: 'web-seeded', params: { desiredCapacity: 6 }, state: 'pending' });
    const { postProposalCard } = await import('../../src/slack/notifier.ts');
    await postProposalCard(bot.ctx, id);
    const p = await proposal(id);
    expect(buttons(card(p)?.blocks)).toEqual(['proposal.approve', 'proposal.reject']);

    const told = slack.callsTo('chat.postEphemeral').length;
    await click(ALICE, 'feedback.wrong', p);
    await eventually(() => slack.callsTo('chat.postEphemeral').slice(told).find((c) => c.body.user === ALICE && String(c.body.text).includes('has not resolved yet; feedback opens once it has')), 10_000, 'the refusal');
    expect(await feedbackRows(id)).toEqual([]);
    expect(await clicks(id)).toMatchObject([{ slack_user: ALICE, allowed: false, reason: 'the incident of this proposal has not resolved yet; feedback opens once it has' }]);

    // Resolved (as the ingest does) and the job run: cancelled, and the card offers feedback.
    await t.db.updateTable('incidents').set({ status: 'resolved', resolved_at: new Date() }).where('id', '=', p.incident_id).execute();
    await cancelForResolvedIncident(bot.ctx, p.incident_id);
    expect((await proposal(id)).state).toBe('cancelled');
    const updated = await cardWith(p, 'feedback.wrong');
    expect(buttons(updated.blocks)).toEqual(FEEDBACK_BUTTONS);
    await click(ALICE, 'feedback.wrong', p);
    await cardWith(p, 'So far: 1 wrong call');
    expect(await feedbackRows(id)).toEqual([{ slack_user: ALICE, verdict: 'wrong' }]);
    // A call on a whitelisted action is judged by that action's people (and admins, escalation).
    await click(STRANGER, 'feedback.right', p);
    const refused = await ephemeralTo(STRANGER, 'the approvers of scale-asg');
    expect(refused.body.text).toMatch(/^:no_entry: Not done: only the approvers of scale-asg, the escalation approvers or an admin may say how the bot did on it/);
    expect(await feedbackRows(id)).toEqual([{ slack_user: ALICE, verdict: 'wrong' }]);
  });
});
