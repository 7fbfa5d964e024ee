import { safeLine, userMention } from '../../blocks/escape.ts';
import { paced } from './pacer.ts';
import { recipientMention } from '../../blocks/proposal-sections.ts';
import type { AppContext } from '../context.ts';
import type { ProposalRow } from '../store/tables.ts';

/**
 * Calls the escalation group in, in the proposal's thread (and in their channel if the policy
 * names one). `by` is who pressed Escalate; null when the diagnosis itself recommended escalating.
 */
export async function postEscalation(ctx: AppContext, p: ProposalRow, by: string | null, mentions: string[]): Promise<void> {
  if (!p.slack_channel || !p.slack_ts) return;
  const who = mentions.map(recipientMention).join(', ');
  const subject = `\`${safeLine(p.action, 80)}\` on \`${safeLine(p.target, 120)}\``;
  const text = by
    ? `:small_red_triangle: ${userMention(by)} escalated this proposal (${subject}) to ${who}: you may approve or reject it too.`
    : `:small_red_triangle: The diagnosis recommends escalating (\`${safeLine(p.target, 120)}\`): ${who}, a human must decide — the bot will not change anything. Ask “why?” in this thread for what it saw.`;
  const { slack_channel: home, slack_ts: ts } = p;
  await paced(ctx.db, home, () => ctx.slack.chat.postMessage({ channel: home, thread_ts: ts, text }));
  const channel = ctx.policy.current.escalation?.channel;
  if (channel && channel !== p.slack_channel) {
    const link = await ctx.slack.chat.getPermalink({ channel: p.slack_channel, message_ts: p.slack_ts }).then((r) => r.permalink ?? null, () => null);
    await paced(ctx.db, channel, () => ctx.slack.chat.postMessage({ channel, text: `${text}${link ? ` <${link}|Open the proposal>` : ''}` }));
  }
}
