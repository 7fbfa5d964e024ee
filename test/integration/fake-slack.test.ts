import { App, LogLevel } from '@slack/bolt';
import { ErrorCode, WebClient, type WebAPIPlatformError } from '@slack/web-api';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  APPROVE_CONFIRM_CALLBACK_ID, approveConfirmModal, CONFIRM_TARGET_BLOCK_ID, confirmsTarget, parseModalMetadata, submittedText,
} from '../../blocks/modals.ts';
import { proposalCard } from '../../blocks/proposal.ts';
import { FAKE_IDS, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { blockActionsBody, FORM, postToBolt, signSlack, slashCommandBody, viewSubmissionBody } from '../helpers/slack-requests.ts';

let fake: FakeSlack;
let client: WebClient;

beforeEach(async () => {
  fake = await startFakeSlack();
  client = new WebClient('xoxb-test', { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
});
afterEach(async () => {
  await fake.close();
});

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

async function platformError(p: Promise<unknown>): Promise<WebAPIPlatformError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toMatchObject({ code: ErrorCode.PlatformError });
  return err as WebAPIPlatformError;
}

describe('fake Slack Web API', () => {
  it('answers auth.test as Bolt expects', async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({ ok: true, user_id: FAKE_IDS.botUserId, bot_id: FAKE_IDS.botId, team_id: FAKE_IDS.teamId });
    expect(fake.calls[0]).toMatchObject({ method: 'auth.test', token: 'xoxb-test' });
  });

  it('posts a real proposal card and updates it, parsing JSON blocks out of the form body', async () => {
    const card = proposalCard(cardInput());
    const posted = await client.chat.postMessage({ channel: 'C0PROD', ...card });
    expect(posted.ok).toBe(true);
    expect(posted.channel).toBe('C0PROD');
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);

    const call = await fake.waitFor('chat.postMessage');
    expect(call.body['blocks']).toEqual(JSON.parse(JSON.stringify(card.blocks)));
    expect(call.body['text']).toBe(card.text);

    const second = await client.chat.postMessage({ channel: 'C0PROD', text: 'again' });
    expect(Number(second.ts)).toBeGreaterThan(Number(posted.ts));

    const decided = proposalCard({ ...cardInput(), state: 'rejected', decidedBy: 'U0AAA', decidedAt: new Date() });
    const updated = await client.chat.update({ channel: 'C0PROD', ts: posted.ts!, ...decided });
    expect(updated).toMatchObject({ ok: true, channel: 'C0PROD', ts: posted.ts });
    expect(fake.message('C0PROD', posted.ts!)?.blocks).toEqual(JSON.parse(JSON.stringify(decided.blocks)));
  });

  it('refuses to update a message that does not exist', async () => {
    const err = await platformError(client.chat.update({ channel: 'C0PROD', ts: '1700000000.999999', text: 'x' }));
    expect(err.data.error).toBe('message_not_found');
  });

  it('rejects blocks that break Slack limits, listing each violation', async () => {
    const err = await platformError(client.chat.postMessage({
      channel: 'C0PROD', text: 'too long', blocks: [section('x'.repeat(3120)), { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
    }));
    expect(err.data.error).toBe('invalid_blocks');
    expect((err.data as unknown as { errors: string[] }).errors).toEqual([
      'blocks[0].text.text: 3120 chars > 3000',
      'blocks[1].text.text: 151 chars > 150',
    ]);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1); // recorded even though refused
  });

  it('refuses a wrong or missing token', async () => {
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
    expect((await platformError(wrong.chat.postMessage({ channel: 'C1', text: 'x' }))).data.error).toBe('invalid_auth');
    const none = new WebClient(undefined, { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
    expect((await platformError(none.auth.test())).data.error).toBe('invalid_auth');
    expect(fake.calls.map((c) => c.token)).toEqual(['xoxb-wrong', null]);
  });

  it('accepts blocks without text but records it', async () => {
    await client.chat.postMessage({ channel: 'C0PROD', blocks: [section('only blocks')] } as never);
    const [call] = fake.callsTo('chat.postMessage');
    expect(call?.body['text']).toBeUndefined();
  });

  it('fails the next call on demand, then recovers', async () => {
    fake.failNext('chat.postMessage', 'channel_not_found');
    expect((await platformError(client.chat.postMessage({ channel: 'C0X', text: 'x' }))).data.error).toBe('channel_not_found');
    expect((await client.chat.postMessage({ channel: 'C0X', text: 'x' })).ok).toBe(true);
  });

  it('answers ephemeral, DM, users.info, and unknown methods', async () => {
    expect(await client.chat.postEphemeral({ channel: 'C0PROD', user: 'U0AAA', text: 'denied' })).toMatchObject({ ok: true, message_ts: expect.any(String) });
    const dm = await client.conversations.open({ users: 'U0AAA' });
    expect(dm.channel?.id).toBe('D0AAA');
    expect((await client.users.info({ user: 'U0AAA' })).user?.id).toBe('U0AAA');
    expect((await platformError(client.apiCall('views.push', { trigger_id: 't.1' }))).data.error).toBe('unknown_method');
  });

  it('opens a modal for a trigger_id, echoing the view with an id, and keeps it for the test', async () => {
    const view = approveConfirmModal({ proposalId: 'prop_1', channelId: 'D0AAA', shownTs: '1700000000.000100', action: 'scale-asg', target: 'web-asg', environment: 'prod' });
    const res = await client.views.open({ trigger_id: 'trigger.1', view });
    expect(res.ok).toBe(true);
    expect(res.view).toMatchObject({ id: expect.stringMatching(/^V/), callback_id: APPROVE_CONFIRM_CALLBACK_ID, private_metadata: view.private_metadata });
    expect(fake.views).toEqual([expect.objectContaining({ id: res.view!.id, trigger_id: 'trigger.1', view: JSON.parse(JSON.stringify(view)) })]);

    const updated = await client.views.update({ view_id: res.view!.id!, hash: res.view!.hash!, view: { ...view, title: { type: 'plain_text', text: 'Approved' } } });
    expect(fake.views[0]?.view.title.text).toBe('Approved');
    // The hash changes on every update: a stale one is refused, as on Slack.
    expect((await platformError(client.views.update({ view_id: res.view!.id!, hash: res.view!.hash!, view }))).data.error).toBe('hash_conflict');
    expect(updated.view?.hash).not.toBe(res.view?.hash);
    expect((await platformError(client.views.update({ view_id: 'V404', view }))).data.error).toBe('not_found');
  });

  it('refuses views.open without a trigger_id or with a view Slack would refuse', async () => {
    const view = approveConfirmModal({ proposalId: 'prop_1', channelId: 'D0AAA', shownTs: '1700000000.000100', action: 'a', target: 't', environment: 'e' });
    expect((await platformError(client.apiCall('views.open', { view }))).data.error).toBe('invalid_arguments');
    const err = await platformError(client.views.open({ trigger_id: 't', view: { ...view, title: { type: 'plain_text', text: 'A title far too long for Slack' } } }));
    expect(err.data.error).toBe('invalid_arguments');
    expect(err.data.response_metadata?.messages).toEqual(['[ERROR] view.title.text: 30 chars > 24']);
    fake.failNext('views.open', 'expired_trigger_id');
    expect((await platformError(client.views.open({ trigger_id: 't', view }))).data.error).toBe('expired_trigger_id');
    expect(fake.views).toEqual([]);
  });

  it('records POSTs on response URLs and waits for calls that come later', async () => {
    const waiting = fake.waitFor('chat.postMessage', (c) => c.body['channel'] === 'C9');
    setTimeout(() => void client.chat.postMessage({ channel: 'C9', text: 'late' }), 20);
    expect((await waiting).body['text']).toBe('late');

    const res = await fetch(fake.responseUrl('click-1'), {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'ok', replace_original: false }),
    });
    expect(res.status).toBe(200);
    expect(fake.responses).toEqual([{ id: 'click-1', body: { text: 'ok', replace_original: false } }]);
    await expect(fake.waitFor('chat.update', undefined, 50)).rejects.toThrow(/no matching chat.update call within 50 ms/);
  });
});

describe('signed requests against the real Bolt HTTP receiver', () => {
  const secret = 'test-signing-secret';

  async function startApp(): Promise<{ app: App; base: string }> {
    const app = new App({
      token: 'xoxb-test', signingSecret: secret, logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
    });
    app.action('proposal.approve', async ({ ack, body, respond, client }) => {
      await ack();
      const b = body as { channel?: { id: string }; message?: { ts: string }; actions: { value: string }[] };
      await client.chat.update({ channel: b.channel!.id, ts: b.message!.ts, text: `approved ${b.actions[0]!.value}`, blocks: [] });
      await respond({ text: 'done', replace_original: false });
    });
    app.command('/infra-agent', async ({ ack, command }) => {
      await ack(`usage for ${command.user_id}: ${command.text}`);
    });
    const server = (await app.start(0)) as unknown as { address(): AddressInfo };
    return { app, base: `http://127.0.0.1:${server.address().port}` };
  }

  it('delivers a signed click and a slash command; refuses a bad signature and a stale timestamp', async () => {
    const { app, base } = await startApp();
    try {
      const posted = await client.chat.postMessage({ channel: 'C0PROD', ...proposalCard(cardInput()) });
      const click = blockActionsBody({
        userId: 'U0AAA', actionId: 'proposal.approve', value: 'prop_1', channel: 'C0PROD', messageTs: posted.ts!,
        responseUrl: fake.responseUrl('click'),
      });
      expect((await postToBolt(base, '/slack/events', click, FORM, secret)).status).toBe(200);
      const update = await fake.waitFor('chat.update');
      expect(update.body).toMatchObject({ channel: 'C0PROD', ts: posted.ts, text: 'approved prop_1' });
      await expect.poll(() => fake.responses).toEqual([{ id: 'click', body: { text: 'done', replace_original: false } }]);

      const cmd = slashCommandBody({ userId: 'U0AAA', channelId: 'C0PROD', text: 'help', responseUrl: fake.responseUrl('cmd') });
      expect(await postToBolt(base, '/slack/events', cmd, FORM, secret)).toEqual({ status: 200, text: 'usage for U0AAA: help' });

      expect((await postToBolt(base, '/slack/events', cmd, FORM, 'wrong-secret')).status).toBe(401);
      const stale = signSlack(secret, cmd, Math.floor(Date.now() / 1000) - 600);
      const res = await fetch(new URL('/slack/events', base), { method: 'POST', headers: { ...stale }, body: cmd });
      expect(res.status).toBe(401);
    } finally {
      await app.stop();
    }
  });
});

describe('modals through the real Bolt HTTP receiver', () => {
  const secret = 'test-signing-secret';

  it('a DM click opens the confirm modal; a submission is judged and errors round-trip to Slack', async () => {
    const app = new App({
      token: 'xoxb-test', signingSecret: secret, logLevel: LogLevel.ERROR,
      clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 } },
    });
    app.action('proposal.approve', async ({ ack, body, client }) => {
      await ack();
      const b = body as { trigger_id: string; channel?: { id: string }; message?: { ts: string }; actions: { value: string }[] };
      const view = approveConfirmModal({
        proposalId: b.actions[0]!.value, channelId: b.channel!.id, shownTs: b.message!.ts, action: 'scale-asg', target: 'web-asg', environment: 'prod',
      });
      await client.views.open({ trigger_id: b.trigger_id, view });
    });
    app.view(APPROVE_CONFIRM_CALLBACK_ID, async ({ ack, view, body, client }) => {
      const typed = submittedText(view.state.values, CONFIRM_TARGET_BLOCK_ID);
      if (!confirmsTarget(typed, 'web-asg')) {
        await ack({ response_action: 'errors', errors: { [CONFIRM_TARGET_BLOCK_ID]: 'That is not the target: type web-asg' } });
        return;
      }
      await ack();
      const meta = parseModalMetadata(view.private_metadata)!;
      await client.chat.update({ channel: meta.channelId, ts: meta.shownTs, text: `approved ${meta.proposalId} by ${body.user.id}`, blocks: [] });
    });
    const server = (await app.start(0)) as unknown as { address(): AddressInfo };
    const base = `http://127.0.0.1:${server.address().port}`;
    try {
      const posted = await client.chat.postMessage({ channel: 'U0AAA', ...proposalCard({ ...cardInput(), requirement: 'two', audience: 'dm' }) });
      expect(posted.channel).toBe('D0AAA');
      const click = blockActionsBody({
        userId: 'U0AAA', actionId: 'proposal.approve', value: 'prop_1', channel: posted.channel!, messageTs: posted.ts!,
        responseUrl: fake.responseUrl('click'), triggerId: 'trigger.dm.1', actionTs: '1700000001.000001',
      });
      expect(JSON.parse(new URLSearchParams(click).get('payload')!)).toMatchObject({
        channel: { id: 'D0AAA', name: 'directmessage' }, actions: [{ action_ts: '1700000001.000001' }],
      });
      expect((await postToBolt(base, '/slack/events', click, FORM, secret)).status).toBe(200);
      await fake.waitFor('views.open');
      const [opened] = fake.views;
      expect(opened?.trigger_id).toBe('trigger.dm.1');
      const metadata = opened?.view.private_metadata as string;
      expect(parseModalMetadata(metadata)).toEqual({ proposalId: 'prop_1', channelId: 'D0AAA', shownTs: posted.ts });

      const submit = (value: string) => viewSubmissionBody({
        userId: 'U0AAA', callbackId: APPROVE_CONFIRM_CALLBACK_ID, privateMetadata: metadata, values: { [CONFIRM_TARGET_BLOCK_ID]: { value } },
      });
      const wrong = await postToBolt(base, '/slack/events', submit('web'), FORM, secret);
      expect(wrong.status).toBe(200);
      expect(JSON.parse(wrong.text)).toEqual({ response_action: 'errors', errors: { confirm_target: 'That is not the target: type web-asg' } });
      expect(fake.callsTo('chat.update')).toEqual([]);

      const right = await postToBolt(base, '/slack/events', submit(' web-asg '), FORM, secret);
      expect(right).toEqual({ status: 200, text: '' });
      const update = await fake.waitFor('chat.update');
      expect(update.body).toMatchObject({ channel: 'D0AAA', ts: posted.ts, text: 'approved prop_1 by U0AAA' });

      expect((await postToBolt(base, '/slack/events', submit('web-asg'), FORM, 'wrong-secret')).status).toBe(401);
    } finally {
      await app.stop();
    }
  });
});

function cardInput() {
  return {
    proposalId: 'prop_1', environment: 'prod', action: 'scale-asg', target: 'web-asg', params: { desired: 8 },
    requirement: 'one' as const, approvers: ['U0AAA'], blastRadius: 'service', rollback: 'restore capacity 4',
    alert: { name: 'HighCPU', severity: 'critical', summary: '<!channel> CPU hot', link: null },
    diagnosis: {
      rule: 'cpu-saturation', hypothesis: 'CPU saturation', confidence: 0.9, signals: [], reasoning: ['CPU 93% > 80%'],
      alternatives: [], risk: 'medium' as const, hypotheses: [], riskFactors: [], candidate: null,
    },
    state: 'pending' as const, decidedBy: null, decidedAt: null, outcome: null,
  };
}
