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
  /** A channel (C…) or the bot's DM with the clicker (D…), where the clicked message is. */
  channel: string;
  messageTs: string;
  responseUrl: string;
  triggerId?: string;
  blockId?: string;
  username?: string;
  /** The click's own timestamp; unique by default. */
  actionTs?: string;
}

/** Form body of a button click (`block_actions`) on a message the bot posted. */
export function blockActionsBody(o: BlockActionsOptions): string {
  const username = o.username ?? o.userId.toLowerCase();
  // Slack names a DM channel 'directmessage' in interaction payloads.
  const channelName = o.channel.startsWith('D') ? 'directmessage' : 'infra-alerts';
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
    channel: { id: o.channel, name: channelName },
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
        action_ts: o.actionTs ?? unique(),
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export interface ViewSubmissionOptions {
  userId: string;
  callbackId: string;
  privateMetadata: string;
  /** values[block_id][action_id] = the typed text (null: an optional input left empty). */
  values: Record<string, Record<string, string | null>>;
  viewId?: string;
  triggerId?: string;
  username?: string;
}

/** Form body of a modal being submitted (`view_submission`), as Slack sends it. */
export function viewSubmissionBody(o: ViewSubmissionOptions): string {
  const username = o.username ?? o.userId.toLowerCase();
  const values = Object.fromEntries(Object.entries(o.values).map(([blockId, actions]) => [
    blockId,
    Object.fromEntries(Object.entries(actions).map(([actionId, value]) => [actionId, { type: 'plain_text_input', value }])),
  ]));
  const viewId = o.viewId ?? `V${unique().replace('.', '')}`;
  const payload = {
    type: 'view_submission',
    team: { id: FAKE_IDS.teamId, domain: FAKE_IDS.teamDomain },
    user: { id: o.userId, username, name: username, team_id: FAKE_IDS.teamId },
    api_app_id: FAKE_IDS.appId,
    token: 'legacy-verification-token',
    trigger_id: o.triggerId ?? `trigger.${unique()}`,
    view: {
      id: viewId, team_id: FAKE_IDS.teamId, type: 'modal', blocks: [], private_metadata: o.privateMetadata,
      callback_id: o.callbackId, state: { values }, hash: unique(), title: { type: 'plain_text', text: 'Modal', emoji: true },
      clear_on_close: false, notify_on_close: false, close: null, submit: null, previous_view_id: null, root_view_id: viewId,
      app_id: FAKE_IDS.appId, external_id: '', app_installed_team_id: FAKE_IDS.teamId, bot_id: FAKE_IDS.botId,
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
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

/** The Events API envelope Slack wraps every event in. */
function eventCallback(event: Record<string, unknown>, eventId?: string): string {
  return JSON.stringify({
    token: 'legacy-verification-token',
    team_id: FAKE_IDS.teamId,
    api_app_id: FAKE_IDS.appId,
    type: 'event_callback',
    event_id: eventId ?? `Ev${unique().replace('.', '')}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: FAKE_IDS.teamId, user_id: FAKE_IDS.botUserId, is_bot: true, is_enterprise_install: false }],
    event,
  });
}

/** JSON body of an Events API `message` (a thread reply when threadTs is set). */
export function messageEventBody(o: MessageEventOptions): string {
  const ts = o.ts ?? unique();
  return eventCallback(
    { type: 'message', channel: o.channel, channel_type: 'channel', user: o.userId, text: o.text, ts, ...(o.threadTs ? { thread_ts: o.threadTs } : {}), event_ts: ts },
    o.eventId,
  );
}

export interface AppHomeOpenedOptions {
  userId: string;
  /** 'home' (default) or 'messages': Slack sends the event for either tab. */
  tab?: 'home' | 'messages';
  eventId?: string;
  /** The Home tab as last published; Slack includes it once a view was published for the user. */
  view?: Record<string, unknown>;
}

/** JSON body of an Events API `app_home_opened` (the shape documented at api.slack.com/events/app_home_opened). */
export function appHomeOpenedBody(o: AppHomeOpenedOptions): string {
  return eventCallback(
    { type: 'app_home_opened', user: o.userId, channel: `D${o.userId.slice(1)}`, tab: o.tab ?? 'home', event_ts: unique(), ...(o.view ? { view: o.view } : {}) },
    o.eventId,
  );
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
