// Driving two-person approvals as Slack would: Alertmanager-shaped webhooks raise a proposal,
// signed clicks on the channel or DM cards, the confirmation dialog opened on the fake Slack and
// submitted back. Shared by the two-person integration tests (default and short clocks).
import { expect } from 'vitest';
import type { ProposalRow } from '../../src/store/tables.ts';
import { SIGNING_SECRET, postWebhook, type TestBot } from './bot.ts';
import type { TestDatabase } from './db.ts';
import { eventually } from './eventually.ts';
import type { FakeSlack } from './fake-slack.ts';
import { putCpu, seedAsg } from './moto.ts';
import { blockActionsBody, FORM, postToBolt, viewSubmissionBody } from './slack-requests.ts';

type Blocks = { type: string; block_id?: string; text?: { text: string }; elements?: { action_id?: string; text?: string }[] }[];

/** The action ids of a card's buttons, in order. */
export function buttons(blocks: unknown): string[] {
  return ((blocks ?? []) as Blocks).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []).map((e) => e.action_id ?? '');
}

/** The mrkdwn source of one block of a card (a section's text, a context's elements). */
export function blockText(blocks: unknown, blockId: string): string {
  const block = ((blocks ?? []) as Blocks).find((b) => b.block_id === blockId);
  if (!block) return '';
  return block.text?.text ?? (block.elements ?? []).map((e) => e.text ?? '').join('\n');
}

/** A Slack ts whole `seconds` later than `ts` (same microseconds), so seen_ms comes out exact. */
export function tsPlus(ts: string, seconds: number): string {
  const [s, us] = ts.split('.');
  return `${Number(s) + seconds}.${us}`;
}

/** An Alertmanager v4 webhook for HighCPU on `group` in prod; one incident and fingerprint per group. */
export function alertBody(group: string, status: 'firing' | 'resolved', startsAt: string) {
  const labels = { alertname: 'HighCPU', autoscaling_group: group, env: 'prod', severity: 'critical' };
  return {
    version: '4',
    groupKey: `{}:{alertname="HighCPU", autoscaling_group="${group}"}`,
    truncatedAlerts: 0,
    status,
    receiver: 'infra-agent',
    groupLabels: { alertname: 'HighCPU' },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.local',
    alerts: [{
      status, labels, annotations: { summary: `CPU high on ${group}` }, startsAt,
      endsAt: status === 'resolved' ? new Date(Date.now() - 1000).toISOString() : '0001-01-01T00:00:00Z',
      generatorURL: '', fingerprint: `fp-${group}`,
    }],
  };
}

export interface ClickOptions {
  userId: string;
  actionId: string;
  proposalId: string;
  /** Where the clicked card is: the proposal's channel, or a DM (D…). */
  channel: string;
  messageTs: string;
  actionTs?: string;
  headers?: Record<string, string>;
}

export function twoPersonDriver(env: { t: () => TestDatabase; slack: () => FakeSlack; bot: () => TestBot; motoUrl: string }) {
  const firedAt = new Map<string, string>();
  let clickSeq = 0;

  const db = () => env.t().db;
  const proposal = (id: string) => db().selectFrom('proposals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const stateOf = async (id: string) => (await proposal(id)).state;
  const dms = (proposalId: string) =>
    db().selectFrom('proposal_messages').selectAll().where('proposal_id', '=', proposalId).orderBy('slack_user').execute();
  const dmOf = (proposalId: string, user: string) =>
    db().selectFrom('proposal_messages').selectAll().where('proposal_id', '=', proposalId).where('slack_user', '=', user).executeTakeFirstOrThrow();
  const approvals = (proposalId: string) =>
    db().selectFrom('approvals').selectAll().where('proposal_id', '=', proposalId).orderBy('at').execute();
  const clicks = (proposalId: string, user: string) =>
    db().selectFrom('clicks').selectAll().where('proposal_id', '=', proposalId).where('slack_user', '=', user).orderBy('at').execute();
  const auditOf = (proposalId: string, kind: string) =>
    db().selectFrom('audit_log').selectAll().where('subject', '=', `proposal:${proposalId}`).where('kind', '=', kind).orderBy('seq').execute();

  /** Seeds a group running hot and fires its alert. */
  async function fire(group: string, capacity = 4): Promise<void> {
    await seedAsg(env.motoUrl, { name: group, min: 1, max: 20, desired: capacity });
    await putCpu(env.motoUrl, group, [91, 95, 97, 94]);
    const startsAt = new Date().toISOString();
    firedAt.set(group, startsAt);
    expect((await postWebhook(env.bot().baseUrl, alertBody(group, 'firing', startsAt))).status).toBe(200);
  }

  /** The proposal for `group` once its approval clock runs, which starts after the channel card and every DM card are posted. */
  const clockStarted = (group: string, timeoutMs = 25_000) =>
    eventually(
      () => db().selectFrom('proposals').selectAll().where('target', '=', group).where('approval_expires_at', 'is not', null).executeTakeFirst(),
      timeoutMs,
      `card, DM cards and approval clock for ${group}`,
    );

  /** `fire`, then wait for the proposal's cards and clock. */
  async function raise(group: string, capacity = 4): Promise<ProposalRow> {
    await fire(group, capacity);
    return clockStarted(group);
  }

  /** The Alertmanager resolution of the alert `raise` fired. */
  function resolve(group: string) {
    const startsAt = firedAt.get(group);
    if (!startsAt) throw new Error(`no alert was fired for ${group}`);
    return postWebhook(env.bot().baseUrl, alertBody(group, 'resolved', startsAt));
  }

  /** A signed button click; answers with the trigger id it carried (to find the dialog it opened). */
  async function click(o: ClickOptions) {
    const triggerId = `trigger.two-person.${++clickSeq}`;
    const body = blockActionsBody({
      userId: o.userId, actionId: o.actionId, value: o.proposalId, channel: o.channel, messageTs: o.messageTs,
      responseUrl: env.slack().responseUrl(triggerId), triggerId, ...(o.actionTs ? { actionTs: o.actionTs } : {}),
    });
    const res = await postToBolt(env.bot().baseUrl, '/slack/events', body, FORM, SIGNING_SECRET, o.headers);
    return { ...res, triggerId };
  }

  /** Clicks Approve on the user's own DM card and returns the confirmation dialog it opened. */
  async function openApproveDialog(p: ProposalRow, user: string, actionTs?: string) {
    const dm = await dmOf(p.id, user);
    const res = await click({ userId: user, actionId: 'proposal.approve', proposalId: p.id, channel: dm.channel, messageTs: dm.ts, ...(actionTs ? { actionTs } : {}) });
    expect(res.status).toBe(200);
    return eventually(() => env.slack().views.find((v) => v.trigger_id === res.triggerId), 10_000, `approve dialog for ${user}`);
  }

  function submitApprove(user: string, privateMetadata: string, typed: string, headers: Record<string, string> = {}) {
    const body = viewSubmissionBody({ userId: user, callbackId: 'proposal.approve.confirm', privateMetadata, values: { confirm_target: { value: typed } } });
    return postToBolt(env.bot().baseUrl, '/slack/events', body, FORM, SIGNING_SECRET, headers);
  }

  /** The whole DM approval: click, dialog, the target typed right; Slack gets an empty ack. */
  async function approveFromDm(p: ProposalRow, user: string): Promise<void> {
    const modal = await openApproveDialog(p, user);
    expect(await submitApprove(user, modal.view.private_metadata, p.target)).toEqual({ status: 200, text: '' });
  }

  const ephemeralTo = (user: string, text: string) =>
    env.slack().waitFor('chat.postEphemeral', (c) => c.body.user === user && String(c.body.text).includes(text), 10_000);

  /** Waits until the stored message (after updates) contains `text`, and returns it. */
  const cardWith = (channel: string, ts: string, text: string) =>
    eventually(() => {
      const m = env.slack().message(channel, ts);
      return m && JSON.stringify(m.blocks).includes(text) ? m : undefined;
    }, 10_000, `card ${channel}/${ts} showing ${text}`);

  const untilState = (id: string, state: string, timeoutMs = 30_000) =>
    eventually(async () => (await stateOf(id)) === state || undefined, timeoutMs, `proposal ${id} ${state}`);

  return {
    proposal, stateOf, untilState, dms, dmOf, approvals, clicks, auditOf, fire, clockStarted, raise, resolve, click,
    openApproveDialog, submitApprove, approveFromDm, ephemeralTo, cardWith,
  };
}
