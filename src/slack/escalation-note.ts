import { safeLine, userMention } from '../../blocks/escape.ts';
import { recipientMention } from '../../blocks/proposal-sections.ts';
import type { AppContext } from '../context.ts';
import type { ProposalRow } from '../store/tables.ts';

/** Calls the escalation group in, in the proposal's thread (and in their channel if the policy names one). */
export async function postEscalation(ctx: AppContext, p: ProposalRow, by: string, mentions: string[]): Promise<void> {
  if (!p.slack_channel || !p.slack_ts) return;
  const who = mentions.map(recipientMention).join(', ');
  const text = `:small_red_triangle: ${userMention(by)} escalated this proposal (\`${safeLine(p.action, 80)}\` on \`${safeLine(p.target, 120)}\`) to ${who}: you may approve or reject it too.`;
  await ctx.slack.chat.postMessage({ channel: p.slack_channel, thread_ts: p.slack_ts, text });
  const channel = ctx.policy.current.escalation?.channel;
  if (channel && channel !== p.slack_channel) {
    const link = await ctx.slack.chat.getPermalink({ channel: p.slack_channel, message_ts: p.slack_ts }).then((r) => r.permalink ?? null, () => null);
    await ctx.slack.chat.postMessage({ channel, text: `${text}${link ? ` <${link}|Open the proposal>` : ''}` });
  }
}
