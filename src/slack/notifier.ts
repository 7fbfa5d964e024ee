import type { KnownBlock } from '@slack/types';
import { proposalCard } from '../../blocks/proposal.ts';
import type { AppContext } from '../context.ts';
import { canonicalJson } from '../domain/canonical.ts';
import { setProposalMessage } from '../store/repos/proposals.ts';
import { loadCardSource, type CardSource } from './card-input.ts';
import { rollbackThread } from '../rollback/repo.ts';
import { paced } from './pacer.ts';

// Slack calls happen after the database commit: the cards reflect committed state only. Every
// write to a channel or DM waits for its slot (pacer.ts), so a storm never draws a 429.

export async function postProposalCard(ctx: AppContext, proposalId: string): Promise<void> {
  const src = await loadCardSource(ctx, proposalId);
  if (!src) throw new Error(`proposal ${proposalId} not found`);
  const card = proposalCard(src.input);
  // A rollback's card goes in the thread of the card of the change it undoes.
  const threadTs = await rollbackThread(ctx.db, proposalId);
  const res = await paced(ctx.db, src.channel, () => ctx.slack.chat.postMessage({ channel: src.channel, text: card.text, blocks: card.blocks, ...(threadTs ? { thread_ts: threadTs } : {}) }));
  if (!res.ts || !res.channel) throw new Error(`chat.postMessage returned no ts for proposal ${proposalId}`);
  await setProposalMessage(ctx.db, proposalId, res.channel, res.ts);
  ctx.log.info({ proposalId, channel: res.channel, ts: res.ts }, 'proposal card posted');
  // An auto-approved proposal may have run (or been refused) while the card was being posted,
  // when there was no ts to update yet: bring the card up to date now that there is one.
  const after = await loadCardSource(ctx, proposalId);
  if (after && after.input.state !== src.input.state) await updateProposalCard(ctx, proposalId);
}

/**
 * The people a two-person proposal asks by DM: named approvers and user group members, and
 * once escalated the escalation group's people too; never its requester.
 */
async function recipients(ctx: AppContext, src: CardSource): Promise<string[]> {
  const users = new Set<string>();
  const escalated = src.input.escalation?.escalatedBy ? src.input.escalation.mentions.filter((id) => /^[UWS]/.test(id)) : [];
  for (const id of [...src.input.approvers, ...escalated]) {
    if (!id.startsWith('S')) {
      users.add(id);
      continue;
    }
    const members = await ctx.usergroups.members(id);
    if (members.ok) members.users.forEach((u) => users.add(u));
    else ctx.log.warn({ usergroup: id, error: members.error }, 'could not read a user group; its members get no approval card');
  }
  if (src.requestedBy) users.delete(src.requestedBy);
  return [...users].sort();
}

/**
 * Sends each eligible approver of a two-person proposal their own approval card. Safe to run
 * again: people who already have a card are skipped.
 */
export async function postApprovalDms(ctx: AppContext, proposalId: string): Promise<void> {
  const src = await loadCardSource(ctx, proposalId);
  if (!src) return;
  const sent = new Set((await ctx.db.selectFrom('proposal_messages').select('slack_user').where('proposal_id', '=', proposalId).where('kind', '=', 'dm').execute()).map((r) => r.slack_user));
  const card = proposalCard({ ...src.input, audience: 'dm' });
  for (const user of await recipients(ctx, src)) {
    if (sent.has(user)) continue;
    // One undeliverable card (a deactivated user, say) must not keep the others from being sent;
    // that person gets a card when they click Approve anywhere.
    await postDm(ctx, proposalId, user, card).catch((err: unknown) => ctx.log.error({ err, proposalId, user }, 'could not send an approval card by DM'));
  }
}

async function postDm(ctx: AppContext, proposalId: string, user: string, card: { text: string; blocks: KnownBlock[] }): Promise<void> {
  // Posting to a user id lands in the bot's DM with that user.
  const res = await paced(ctx.db, user, () => ctx.slack.chat.postMessage({ channel: user, text: card.text, blocks: card.blocks }));
  if (!res.ts || !res.channel) throw new Error(`chat.postMessage returned no ts for the DM card of ${user}`);
  await ctx.db.insertInto('proposal_messages').values({ proposal_id: proposalId, channel: res.channel, ts: res.ts, kind: 'dm', slack_user: user }).execute();
}

// Per process, one card update per proposal at a time: a rate-limited update retried later must
// not land after a newer one.
const updating = new Map<string, Promise<void>>();

/**
 * Re-renders every card of the proposal: the channel card and each approver's DM card. After
 * sending, the state is read again and the cards re-sent if it moved meanwhile (another replica
 * may have sent an older state after ours), so the last word is always the current state.
 */
export function updateProposalCard(ctx: AppContext, proposalId: string): Promise<void> {
  const run = (updating.get(proposalId) ?? Promise.resolve()).catch(() => undefined).then(() => renderUntilStable(ctx, proposalId));
  updating.set(proposalId, run);
  return run.finally(() => {
    if (updating.get(proposalId) === run) updating.delete(proposalId);
  });
}

const MAX_RENDERS = 3;

async function renderUntilStable(ctx: AppContext, proposalId: string): Promise<void> {
  let src = await loadCardSource(ctx, proposalId);
  for (let i = 0; src && i < MAX_RENDERS; i++) {
    await renderAll(ctx, proposalId, src);
    const again = await loadCardSource(ctx, proposalId);
    if (!again || canonicalJson(again.input) === canonicalJson(src.input)) return;
    src = again;
  }
}

async function renderAll(ctx: AppContext, proposalId: string, src: CardSource): Promise<void> {
  const ts = src.ts;
  if (ts) {
    const card = proposalCard(src.input);
    await paced(ctx.db, src.channel, () => ctx.slack.chat.update({ channel: src.channel, ts, text: card.text, blocks: card.blocks }));
  }
  const dms = await ctx.db.selectFrom('proposal_messages').select(['channel', 'ts']).where('proposal_id', '=', proposalId).where('kind', '=', 'dm').execute();
  if (dms.length === 0) return;
  const dmCard = proposalCard({ ...src.input, audience: 'dm' });
  for (const dm of dms) {
    await paced(ctx.db, dm.channel, () => ctx.slack.chat.update({ channel: dm.channel, ts: dm.ts, text: dmCard.text, blocks: dmCard.blocks })).catch((err: unknown) => ctx.log.error({ err, channel: dm.channel }, 'could not update a DM card'));
  }
}
