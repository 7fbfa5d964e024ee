// The Web API methods the fake Slack answers, as pure functions of (body, state). Shapes follow
// Slack's documented responses closely enough for @slack/web-api and Bolt to accept them.
import { validateBlocks, validateView } from '../../blocks/limits.ts';

export const FAKE_IDS = {
  teamId: 'T0FAKE',
  teamDomain: 'fake',
  botUserId: 'U0BOT',
  botId: 'B0BOT',
  appId: 'A0FAKE',
} as const;

export interface StoredMessage { type: 'message'; text?: unknown; blocks?: unknown; ts: string; thread_ts?: unknown; user: string; bot_id: string }
// `any`: tests read opened views freely (view.blocks[1].element…) without casting.
export interface StoredView { id: string; hash: string; trigger_id: string; view: any }
/** A Home tab published with views.publish, by user id. */
export interface PublishedView { id: string; hash: string; view: any }
export interface FakeState { messages: Map<string, StoredMessage>; nextTs: number; usergroups: Map<string, string[]>; views: StoredView[]; homeViews: Map<string, PublishedView> }

type Body = Record<string, unknown>;
type Answer = Record<string, unknown> & { ok: boolean };

// Slack truncates `text` at 40,000 chars and refuses far longer; 4000 is our own budget (limits.ts).
const SLACK_TEXT_HARD_LIMIT = 40_000;

export function handleMethod(method: string, body: Body, state: FakeState): Answer {
  switch (method) {
    case 'auth.test':
      return {
        ok: true, url: `https://${FAKE_IDS.teamDomain}.slack.com/`, team: 'Fake Workspace', user: 'infra-agent',
        team_id: FAKE_IDS.teamId, user_id: FAKE_IDS.botUserId, bot_id: FAKE_IDS.botId, is_enterprise_install: false,
      };
    case 'chat.postMessage':
      return postMessage(body, state);
    case 'chat.update':
      return update(body, state);
    case 'chat.postEphemeral': {
      if (typeof body['channel'] !== 'string') return fail('channel_not_found');
      if (typeof body['user'] !== 'string') return fail('user_not_in_channel');
      return checkContent(body) ?? { ok: true, message_ts: nextTs(state) };
    }
    case 'chat.getPermalink': {
      // As Slack: only for a message that exists; the URL form is Slack's archive link.
      const { channel, message_ts: ts } = body;
      if (typeof channel !== 'string' || channel === '') return fail('channel_not_found');
      if (typeof ts !== 'string' || !state.messages.has(`${channel}/${ts}`)) return fail('message_not_found');
      return { ok: true, channel, permalink: `https://${FAKE_IDS.teamDomain}.slack.com/archives/${channel}/p${ts.replace('.', '')}` };
    }
    case 'conversations.open': {
      const users = typeof body['users'] === 'string' ? body['users'].split(',').filter(Boolean) : [];
      if (users.length === 0) return fail('users_list_not_supplied');
      return { ok: true, channel: { id: dmChannel(users) } };
    }
    case 'users.info':
      return usersInfo(body);
    case 'views.open':
      return viewsOpen(body, state);
    case 'views.update':
      return viewsUpdate(body, state);
    case 'views.publish':
      return viewsPublish(body, state);
    case 'usergroups.users.list': {
      // As documented: an unknown group id answers `no_such_subteam`.
      const members = typeof body['usergroup'] === 'string' ? state.usergroups.get(body['usergroup']) : undefined;
      return members ? { ok: true, users: [...members] } : fail('no_such_subteam');
    }
    default:
      return fail('unknown_method');
  }
}

const fail = (error: string, extra: Record<string, unknown> = {}): Answer => ({ ok: false, error, ...extra });

/** Unique and increasing like Slack's, e.g. '1700000000.000100'. */
function nextTs(state: FakeState): string {
  const micros = state.nextTs++ * 100;
  return `${1_700_000_000 + Math.floor(micros / 1e6)}.${String(micros % 1e6).padStart(6, '0')}`;
}

/**
 * Slack's per-channel message limit (about one per second; past it, HTTP 429 `ratelimited` with
 * Retry-After), for the writes it applies to. Pure bookkeeping: the server asks `check` before
 * answering a write and gets either null (allowed, and recorded) or the seconds to wait.
 */
export const RATE_LIMITED_METHODS = new Set(['chat.postMessage', 'chat.update']);

export interface ChannelLimiter {
  /** null: allowed now (and counted); a number: refused, retry after that many seconds. */
  check(method: string, body: Body, now: number): number | null;
}

export function channelLimiter(intervalMs: number): ChannelLimiter {
  const last = new Map<string, number>();
  return {
    check(method, body, now) {
      const raw = body['channel'];
      if (!RATE_LIMITED_METHODS.has(method) || typeof raw !== 'string') return null;
      const channel = /^[UW]/.test(raw) ? dmChannel([raw]) : raw;
      const previous = last.get(channel);
      if (previous !== undefined && now - previous < intervalMs) return Math.max(1, Math.ceil((intervalMs - (now - previous)) / 1000));
      last.set(channel, now);
      return null;
    },
  };
}

/** Deterministic so a test can predict the DM of a user: U0AAA → D0AAA. */
function dmChannel(users: string[]): string {
  const [only] = users;
  return users.length === 1 && only ? `D${only.slice(1)}` : `G${users.map((u) => u.slice(1)).sort().join('')}`;
}

/** Slack refuses the whole message when blocks break a limit; text alone is never checked here. */
function checkContent(body: Body): Answer | null {
  const { text, blocks, attachments } = body;
  if (text === undefined && blocks === undefined && attachments === undefined) return fail('no_text');
  if (typeof text === 'string' && text.length > SLACK_TEXT_HARD_LIMIT) return fail('msg_too_long');
  if (blocks === undefined) return null;
  if (!Array.isArray(blocks)) return fail('invalid_blocks_format');
  const errors = validateBlocks(blocks);
  return errors.length > 0 ? fail('invalid_blocks', { errors }) : null;
}

function postMessage(body: Body, state: FakeState): Answer {
  let channel = body['channel'];
  if (typeof channel !== 'string' || channel === '') return fail('channel_not_found');
  const refused = checkContent(body);
  if (refused) return refused;
  // Posting to a user id lands in the bot's DM with that user, as on Slack.
  if (/^[UW]/.test(channel)) channel = dmChannel([channel]);
  const message: StoredMessage = {
    type: 'message', text: body['text'], blocks: body['blocks'], ts: nextTs(state),
    thread_ts: body['thread_ts'], user: FAKE_IDS.botUserId, bot_id: FAKE_IDS.botId,
  };
  state.messages.set(`${channel}/${message.ts}`, message);
  return { ok: true, channel, ts: message.ts, message };
}

function update(body: Body, state: FakeState): Answer {
  const { channel, ts } = body;
  if (typeof channel !== 'string' || channel === '') return fail('channel_not_found');
  const existing = typeof ts === 'string' ? state.messages.get(`${channel}/${ts}`) : undefined;
  if (!existing) return fail('message_not_found');
  const refused = checkContent(body);
  if (refused) return refused;
  // An update replaces the content: text without blocks drops the old blocks (as Slack does).
  existing.text = body['text'];
  existing.blocks = body['blocks'];
  return { ok: true, channel, ts: existing.ts, text: existing.text, message: existing };
}

function usersInfo(body: Body): Answer {
  const id = body['user'];
  if (typeof id !== 'string' || !/^[UW][A-Z0-9]+$/.test(id)) return fail('user_not_found');
  const name = id.toLowerCase();
  return {
    ok: true,
    user: {
      id, team_id: FAKE_IDS.teamId, name, real_name: `User ${id}`, deleted: false, is_bot: id === FAKE_IDS.botUserId,
      tz: 'UTC', profile: { display_name: name, real_name: `User ${id}` },
    },
  };
}

/**
 * Like Slack: a trigger_id and a valid view are required, the answer echoes the view with its
 * id and hash. A trigger_id is not checked for age here (failNext('views.open', 'expired_trigger_id')).
 */
function viewsOpen(body: Body, state: FakeState): Answer {
  const triggerId = body['trigger_id'];
  if (typeof triggerId !== 'string' || triggerId === '') return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: trigger_id'] } });
  const refused = checkView(body['view']);
  if (refused) return refused;
  const stored: StoredView = { id: `V${String(state.views.length + 1).padStart(8, '0')}`, hash: nextTs(state), trigger_id: triggerId, view: body['view'] };
  state.views.push(stored);
  return { ok: true, view: answerView(stored) };
}

/** Replaces an opened view by view_id (or external_id); a stale `hash` answers hash_conflict. */
function viewsUpdate(body: Body, state: FakeState): Answer {
  const { view_id: viewId, external_id: externalId, hash } = body;
  const stored = state.views.find((v) => (viewId !== undefined ? v.id === viewId : externalId !== undefined && v.view?.external_id === externalId));
  if (!stored) return fail('not_found');
  if (hash !== undefined && hash !== stored.hash) return fail('hash_conflict');
  const refused = checkView(body['view']);
  if (refused) return refused;
  stored.view = body['view'];
  stored.hash = nextTs(state);
  return { ok: true, view: answerView(stored) };
}

// Slack refuses a published view past 250 kB.
const VIEW_MAX_BYTES = 250_000;

/**
 * Like Slack: a user id and a valid `home` view (≤ 100 blocks) are required; the view replaces
 * the user's Home tab; a stale `hash` answers hash_conflict.
 */
function viewsPublish(body: Body, state: FakeState): Answer {
  const userId = body['user_id'];
  if (typeof userId !== 'string' || !/^[UW][A-Z0-9]+$/.test(userId)) return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: user_id'] } });
  const view = body['view'];
  if (typeof view === 'object' && view !== null && (view as Body)['type'] !== 'home') return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] view.type must be home'] } });
  const refused = checkView(view);
  if (refused) return refused;
  if (Buffer.byteLength(JSON.stringify(view)) > VIEW_MAX_BYTES) return fail('view_too_large');
  const existing = state.homeViews.get(userId);
  if (body['hash'] !== undefined && body['hash'] !== existing?.hash) return fail('hash_conflict');
  const published: PublishedView = { id: existing?.id ?? `V${String(state.homeViews.size + 1).padStart(8, '0')}H`, hash: nextTs(state), view };
  state.homeViews.set(userId, published);
  return { ok: true, view: { id: published.id, team_id: FAKE_IDS.teamId, app_id: FAKE_IDS.appId, bot_id: FAKE_IDS.botId, hash: published.hash, root_view_id: published.id, previous_view_id: null, state: { values: {} }, ...published.view } };
}

function checkView(view: unknown): Answer | null {
  if (typeof view !== 'object' || view === null || Array.isArray(view)) {
    return fail('invalid_arguments', { response_metadata: { messages: ['[ERROR] missing required field: view'] } });
  }
  const errors = validateView(view);
  return errors.length > 0 ? fail('invalid_arguments', { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } }) : null;
}

function answerView(v: StoredView): Record<string, unknown> {
  return {
    id: v.id, team_id: FAKE_IDS.teamId, app_id: FAKE_IDS.appId, bot_id: FAKE_IDS.botId, hash: v.hash,
    root_view_id: v.id, previous_view_id: null, state: { values: {} }, ...v.view,
  };
}
