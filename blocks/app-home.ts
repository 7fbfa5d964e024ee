// The App Home tab: the approvals waiting for the person looking, then the same status everyone
// sees (`/infra-agent status`, rendered by statusText so both always show the same fields).
// Pure; every stored string is escaped.
import type { HomeView, KnownBlock } from '@slack/types';
import { safeCode, safeLine, safeLink, slackDate, userMention } from './escape.ts';
import { context, header, listSections } from './kit.ts';
import { statusText, type StatusInput } from './status.ts';

/** Items of "Waiting for you" shown at most; the rest are counted. */
export const WAITING_SHOWN = 15;

export interface WaitingItem {
  id: string;
  action: string;
  target: string;
  environment: string;
  /** The requirement a click is judged by now (never looser than the card's). */
  requirement: string;
  createdAt: Date;
  /** When the approval window closes; null until the card is posted. */
  expiresAt: Date | null;
  /** Approvals that count so far, and how many the requirement needs. */
  approvals: number;
  needed: number;
  permalink: string | null;
  /** The link goes to the viewer's own approval card (a DM), not the channel card. */
  linkIsDm: boolean;
}

export interface AppHomeInput {
  /** The Slack user the tab is published for. */
  viewer: string;
  now: Date;
  status: StatusInput;
  waiting: {
    /** Oldest first; only the first WAITING_SHOWN are shown. */
    items: readonly WaitingItem[];
    /** All proposals waiting for the viewer (items may hold fewer). */
    total: number;
    /** Pending proposals nobody may approve right now (kill switch, budget, cooldown). */
    blocked: number;
    /** More pending proposals exist than were checked. */
    scanLimited?: boolean;
  };
}

/** "5 min", "2 h 5 min", "3 d 4 h": how long something has waited. */
export function ageText(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

function waitingLine(item: WaitingItem, now: Date): string {
  const what = `${safeCode(item.action, 80)} on ${safeCode(item.target, 120)} (${safeLine(item.environment, 40)})`;
  const progress = item.needed > 1 ? ` (${item.approvals} of ${item.needed} approvals so far)` : '';
  const expires = item.expiresAt ? ` · expires ${slackDate(item.expiresAt)}` : '';
  const link = safeLink(item.permalink, item.linkIsDm ? 'your approval card' : 'card') ?? '_no card link_';
  return `• ${what} — needs *${safeLine(item.requirement, 12)}*${progress} · waiting ${ageText(now.getTime() - item.createdAt.getTime())}${expires} · ${link}\n   id ${safeCode(item.id, 40)}`;
}

function waitingBlocks(input: AppHomeInput): KnownBlock[] {
  const { items, total, blocked, scanLimited } = input.waiting;
  const shown = items.slice(0, WAITING_SHOWN);
  const hidden = Math.max(0, total - shown.length);
  const lines = shown.map((item) => waitingLine(item, input.now));
  if (hidden > 0) lines.push(`• … and ${hidden} more`);
  const blocks: KnownBlock[] = listSections('home.waiting', `Waiting for you (${total})`, lines, {
    maxBlocks: 6,
    empty: '• :white_check_mark: nothing is waiting for your approval',
    // The "… and N more" line is the last one, so when lines are cut it is among them.
    more: (n) => `• … and ${n - (hidden > 0 ? 1 : 0) + hidden} more`,
  });
  const notes: string[] = [];
  if (blocked > 0) notes.push(`:double_vertical_bar: ${blocked} pending proposal(s) cannot be approved by anyone right now (kill switch, budget or cooldown); see the status below.`);
  if (scanLimited) notes.push('Only the oldest pending proposals were checked; `/infra-agent history` lists the rest.');
  if (notes.length > 0) blocks.push(context('home.waiting.notes', notes));
  return blocks;
}

export function appHomeView(input: AppHomeInput): HomeView {
  const blocks: KnownBlock[] = [
    header('home.title', 'infra-agent'),
    context('home.updated', [`For ${userMention(input.viewer)} · updated ${slackDate(input.now)} · this tab is refreshed each time you open it`]),
    ...waitingBlocks(input),
    { type: 'divider', block_id: 'home.divider' },
    ...listSections('home.status', 'Status (the same for everyone, as `/infra-agent status`)', statusText(input.status).split('\n'), {
      maxBlocks: 30,
      empty: '_no status_',
      more: (n) => `… ${n} more line(s)`,
    }),
    context('home.hint', ['Approve and reject on the cards themselves (links above). `/infra-agent help` lists the commands.']),
  ];
  return { type: 'home', blocks };
}
