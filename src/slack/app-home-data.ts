// What App Home shows one person: the status everyone sees (read like `/infra-agent status`)
// and the pending approvals that person may give right now, oldest first.
import { WAITING_SHOWN, type AppHomeInput, type WaitingItem } from '../../blocks/app-home.ts';
import { mayApproveNow } from '../approvals/waiting-for.ts';
import type { AppContext } from '../context.ts';
import type { ProposalRow } from '../store/tables.ts';
import { permalink } from './commands/history.ts';
import { readStatus } from './commands/status.ts';

// Pending proposals judged per open (each is a few reads); far more than a team has waiting.
export const PENDING_CHECKED = 200;

export async function readAppHome(ctx: AppContext, userId: string): Promise<AppHomeInput> {
  const [status, waiting] = await Promise.all([readStatus(ctx), waitingFor(ctx, userId)]);
  return { viewer: userId, now: ctx.now(), status, waiting };
}

async function waitingFor(ctx: AppContext, userId: string): Promise<AppHomeInput['waiting']> {
  // A proposal whose alert resolved is cancelled by the next click on it: not worth listing.
  const rows = await ctx.db
    .selectFrom('proposals')
    .innerJoin('incidents', 'incidents.id', 'proposals.incident_id')
    .selectAll('proposals')
    .where('proposals.state', '=', 'pending')
    .where('incidents.status', '=', 'open')
    .orderBy('proposals.created_at')
    .orderBy('proposals.id')
    .limit(PENDING_CHECKED + 1)
    .execute();
  const mine: { row: ProposalRow; requirement: string; approvals: number; needed: number }[] = [];
  let blocked = 0;
  for (const row of rows.slice(0, PENDING_CHECKED)) {
    const chance = await mayApproveNow(ctx, row, userId);
    if (chance.may) mine.push({ row, requirement: chance.requirement, approvals: chance.approvals, needed: chance.needed });
    else if (chance.blocked) blocked += 1;
  }
  const items = await Promise.all(mine.slice(0, WAITING_SHOWN).map((m) => item(ctx, userId, m)));
  return { items, total: mine.length, blocked, scanLimited: rows.length > PENDING_CHECKED };
}

async function item(ctx: AppContext, userId: string, m: { row: ProposalRow; requirement: string; approvals: number; needed: number }): Promise<WaitingItem> {
  const { row } = m;
  const link = await cardLink(ctx, userId, row, m.requirement);
  return {
    id: row.id, action: row.action, target: row.target, environment: row.environment, requirement: m.requirement,
    createdAt: new Date(row.created_at), expiresAt: row.approval_expires_at, approvals: m.approvals, needed: m.needed, ...link,
  };
}

/** A two-person change is approved from the viewer's own DM card; anything else from the channel card. */
async function cardLink(ctx: AppContext, userId: string, row: ProposalRow, requirement: string): Promise<{ permalink: string | null; linkIsDm: boolean }> {
  if (requirement === 'two') {
    const dm = await ctx.db
      .selectFrom('proposal_messages')
      .select(['channel', 'ts'])
      .where('proposal_id', '=', row.id)
      .where('kind', '=', 'dm')
      .where('slack_user', '=', userId)
      .executeTakeFirst();
    const dmLink = dm ? await permalink(ctx, dm.channel, dm.ts) : null;
    if (dmLink) return { permalink: dmLink, linkIsDm: true };
  }
  return { permalink: await permalink(ctx, row.slack_channel, row.slack_ts), linkIsDm: false };
}
