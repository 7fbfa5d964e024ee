import { proposalCard } from '../../blocks/proposal.ts';
import type { AppContext } from '../context.ts';
import { setProposalMessage } from '../store/repos/proposals.ts';
import { loadCardSource } from './card-input.ts';

// Slack calls happen after the database commit: the card reflects committed state only.

export async function postProposalCard(ctx: AppContext, proposalId: string): Promise<void> {
  const src = await loadCardSource(ctx.db, proposalId);
  if (!src) throw new Error(`proposal ${proposalId} not found`);
  const card = proposalCard(src.input);
  const res = await ctx.slack.chat.postMessage({ channel: src.channel, text: card.text, blocks: card.blocks });
  if (!res.ts || !res.channel) throw new Error(`chat.postMessage returned no ts for proposal ${proposalId}`);
  await setProposalMessage(ctx.db, proposalId, res.channel, res.ts);
  ctx.log.info({ proposalId, channel: res.channel, ts: res.ts }, 'proposal card posted');
  // An auto-approved proposal may have run (or been refused) while the card was being posted,
  // when there was no ts to update yet: bring the card up to date now that there is one.
  const after = await loadCardSource(ctx.db, proposalId);
  if (after && after.input.state !== src.input.state) await updateProposalCard(ctx, proposalId);
}

export async function updateProposalCard(ctx: AppContext, proposalId: string): Promise<void> {
  const src = await loadCardSource(ctx.db, proposalId);
  if (!src?.ts) return;
  const card = proposalCard(src.input);
  await ctx.slack.chat.update({ channel: src.channel, ts: src.ts, text: card.text, blocks: card.blocks });
}
