// The Web API methods the fake Slack answers, as pure functions of (body, state). Shapes follow
// Slack's documented responses closely enough for @slack/web-api and Bolt to accept them.
import { validateBlocks } from '../../blocks/limits.ts';

export const FAKE_IDS = {
  teamId: 'T0FAKE',
  teamDomain: 'fake',
  botUserId: 'U0BOT',
  botId: 'B0BOT',
  appId: 'A0FAKE',
} as const;

export interface StoredMessage { type: 'message'; text?: unknown; blocks?: unknown; ts: string; thread_ts?: unknown; user: string; bot_id: string }
export interface FakeState { messages: Map<string, StoredMessage>; nextTs: number; usergroups: Map<string, string[]> }

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
    case 'conversations.open': {
      const users = typeof body['users'] === 'string' ? body['users'].split(',').filter(Boolean) : [];
      if (users.length === 0) return fail('users_list_not_supplied');
      return { ok: true, channel: { id: dmChannel(users) } };
    }
    case 'users.info':
      return usersInfo(body);
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
