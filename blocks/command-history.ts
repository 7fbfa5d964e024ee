// `/infra-agent history` as blocks: one line per proposal with its state, outcome, who decided
// and a link to its thread. Pure; every stored string is escaped.
import type { KnownBlock } from '@slack/types';
import { escapeMrkdwn, safeCode, safeLine, safeLink, slackDate, userMention } from './escape.ts';
import { context, listSections, section } from './kit.ts';

export interface HistoryEntry {
  id: string;
  action: string;
  target: string;
  environment: string;
  requirement: string;
  state: string;
  outcome: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  createdAt: Date;
  permalink: string | null;
}

/** The decider as stored: a Slack id (`U…` or `slack:U…`), or `policy:…` for the auto tier. */
function decider(by: string): string {
  return userMention(by.startsWith('slack:') ? by.slice('slack:'.length) : by);
}

function line(e: HistoryEntry): string {
  const what = `${safeCode(e.action, 80)} on ${safeCode(e.target, 120)} (${safeLine(e.environment, 40)})`;
  const decided = e.decidedBy ? ` · decided by ${decider(e.decidedBy)}${e.decidedAt ? ` ${slackDate(e.decidedAt)}` : ''}` : '';
  const outcome = e.outcome ? ` · outcome: ${safeLine(e.outcome, 200)}` : '';
  const link = safeLink(e.permalink, 'thread') ?? '_no thread link_';
  return `• ${what} — *${safeLine(e.state, 30)}* (needs ${safeLine(e.requirement, 20)})${outcome}${decided} · ${slackDate(e.createdAt)} · ${link}\n   id \`${safeLine(e.id, 40)}\``;
}

export function historyBlocks(entries: readonly HistoryEntry[], target: string | null): { text: string; blocks: KnownBlock[] } {
  const scope = target === null ? 'all targets' : `target ${safeCode(target, 120)}`;
  const heading = `Recent proposals, ${scope} (newest first)`;
  const blocks: KnownBlock[] = [
    ...listSections('command.history', heading, entries.map(line), {
      maxBlocks: 10,
      empty: target === null ? '_no proposals yet_' : '_no proposals for this target_',
      more: (n) => `… ${n} more`,
    }),
    context('command.history.hint', [escapeMrkdwn('`/infra-agent explain <id>` shows the evidence a proposal was decided on.')]),
  ];
  return { text: `${entries.length} recent proposal(s) for ${target === null ? 'all targets' : safeLine(target, 120)}`, blocks };
}
