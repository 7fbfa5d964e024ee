// Signed requests as Slack sends them to the real Bolt HTTP receiver: interactions are a form with
// one `payload=<JSON>` field, slash commands are plain form fields, events are JSON. Bolt only
// parses forms when content-type is exactly application/x-www-form-urlencoded (no charset).
import { createHmac } from 'node:crypto';
import { FAKE_IDS } from './fake-slack-methods.ts';

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';

export interface SlackHeaders {
  'x-slack-signature': string;
  'x-slack-request-timestamp': string;
  'content-type': string;
}

/** `v0=hex(HMAC-SHA256(secret, 'v0:ts:body'))`; `timestamp` in seconds, now by default (pass an old one to test replay). */
export function signSlack(secret: string, rawBody: string, timestamp?: number, contentType: string = FORM): SlackHeaders {
  const ts = String(timestamp ?? Math.floor(Date.now() / 1000));
  const digest = createHmac('sha256', secret).update(`v0:${ts}:${rawBody}`).digest('hex');
  return { 'x-slack-signature': `v0=${digest}`, 'x-slack-request-timestamp': ts, 'content-type': contentType };
}

let counter = 0;
/** Slack-style `seconds.micro` ids: unique within a test run, used for ts, action_ts, trigger ids. */
const unique = (): string => `${Math.floor(Date.now() / 1000)}.${String(++counter % 1e6).padStart(6, '0')}`;

export interface BlockActionsOptions {
  userId: string;
  actionId: string;
  value: string;
  channel: string;
  messageTs: string;
  responseUrl: string;
  triggerId?: string;
  blockId?: string;
  username?: string;
}

/** Form body of a button click (`block_actions`) on a message the bot posted. */
export function blockActionsBody(o: BlockActionsOptions): string {
  const username = o.username ?? o.userId.toLowerCase();
  const payload = {
    type: 'block_actions',
    user: { id: o.userId, username, name: username, team_id: FAKE_IDS.teamId },
    api_app_id: FAKE_IDS.appId,
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: o.messageTs, channel_id: o.channel, is_ephemeral: false },
    trigger_id: o.triggerId ?? `trigger.${unique()}`,
    team: { id: FAKE_IDS.teamId, domain: FAKE_IDS.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: o.channel, name: 'infra-alerts' },
    message: {
      type: 'message', user: FAKE_IDS.botUserId, bot_id: FAKE_IDS.botId, ts: o.messageTs, text: 'proposal', blocks: [],
    },
    state: { values: {} },
    response_url: o.responseUrl,
    actions: [
      {
        action_id: o.actionId,
        block_id: o.blockId ?? 'proposal.actions',
        text: { type: 'plain_text', text: o.actionId, emoji: true },
        value: o.value,
        type: 'button',
        action_ts: unique(),
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface SlashCommandOptions {
  userId: string;
  channelId: string;
  text: string;
  responseUrl: string;
  command?: string;
  triggerId?: string;
}

/** Form body of `/infra-agent <text>` (fields as Slack sends them). */
export function slashCommandBody(o: SlashCommandOptions): string {
  return new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: FAKE_IDS.teamId,
    team_domain: FAKE_IDS.teamDomain,
    channel_id: o.channelId,
    channel_name: 'infra-alerts',
    user_id: o.userId,
    user_name: o.userId.toLowerCase(),
    command: o.command ?? '/infra-agent',
    text: o.text,
    api_app_id: FAKE_IDS.appId,
    is_enterprise_install: 'false',
    response_url: o.responseUrl,
    trigger_id: o.triggerId ?? `trigger.${unique()}`,
  }).toString();
}

export interface MessageEventOptions {
  userId: string;
  channel: string;
  text: string;
  threadTs?: string;
  ts?: string;
  eventId?: string;
}

/** JSON body of an Events API `message` (a thread reply when threadTs is set). */
export function messageEventBody(o: MessageEventOptions): string {
  const ts = o.ts ?? unique();
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: FAKE_IDS.teamId,
    api_app_id: FAKE_IDS.appId,
    type: 'event_callback',
    event_id: o.eventId ?? `Ev${unique().replace('.', '')}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: FAKE_IDS.teamId, user_id: FAKE_IDS.botUserId, is_bot: true, is_enterprise_install: false }],
    event: {
      type: 'message', channel: o.channel, channel_type: 'channel', user: o.userId, text: o.text, ts,
      ...(o.threadTs ? { thread_ts: o.threadTs } : {}), event_ts: ts,
    },
  });
}

/** POST a signed body to Bolt (e.g. path '/slack/events'); extraHeaders win (retry headers, forged signatures). */
export async function postToBolt(
  baseUrl: string,
  path: string,
  rawBody: string,
  contentType: string,
  secret: string,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const headers = { ...signSlack(secret, rawBody, undefined, contentType), ...extraHeaders };
  const res = await fetch(new URL(path, baseUrl), { method: 'POST', headers, body: rawBody });
  return { status: res.status, text: await res.text() };
}
