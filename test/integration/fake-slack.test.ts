import { App, LogLevel } from '@slack/bolt';
import { ErrorCode, WebClient, type WebAPIPlatformError } from '@slack/web-api';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { proposalCard } from '../../blocks/proposal.ts';
import { FAKE_IDS, startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { blockActionsBody, FORM, postToBolt, signSlack, slashCommandBody } from '../helpers/slack-requests.ts';

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
    expect((await platformError(client.apiCall('views.open', { trigger_id: 't' }))).data.error).toBe('unknown_method');
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

function cardInput() {
  return {
    proposalId: 'prop_1', environment: 'prod', action: 'scale-asg', target: 'web-asg', params: { desired: 8 },
    requirement: 'one' as const, approvers: ['U0AAA'], blastRadius: 'service', rollback: 'restore capacity 4',
    alert: { name: 'HighCPU', severity: 'critical', summary: '<!channel> CPU hot', link: null },
    diagnosis: {
      rule: 'cpu-saturation', hypothesis: 'CPU saturation', confidence: 0.9, signals: [], reasoning: ['CPU 93% > 80%'],
      alternatives: [], risk: 'medium' as const, candidate: null,
    },
    state: 'pending' as const, decidedBy: null, decidedAt: null, outcome: null,
  };
}
