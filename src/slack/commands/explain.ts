// `/infra-agent explain <id>`: the frozen evidence of one proposal, as its thread would answer "why?".
import { explainBlocks } from '../../../blocks/command-explain.ts';
import type { AppContext } from '../../context.ts';
import { getProposalWithEvidence } from '../../store/repos/proposals.ts';
import { answered } from '../thread-answer.ts';

export type Explained = { found: true; text: string; blocks: ReturnType<typeof explainBlocks>['blocks'] } | { found: false };

export async function explainProposal(ctx: AppContext, id: string): Promise<Explained> {
  const row = await getProposalWithEvidence(ctx.db, { id });
  if (!row) return { found: false };
  const { slack_channel: channel, slack_ts: ts } = row.proposal;
  const permalink = channel && ts ? await ctx.slack.chat.getPermalink({ channel, message_ts: ts }).then((r) => r.permalink ?? null, () => null) : null;
  return { found: true, ...explainBlocks(row.evidence, answered(row.proposal), permalink) };
}
