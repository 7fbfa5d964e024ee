// `/infra-agent history [target]`: the most recent proposals, newest first, with a link to the
// thread where each was decided. Permalinks come from Slack; one that cannot be had is left out.
import type { AppContext } from '../../context.ts';
import type { HistoryEntry } from '../../../blocks/command-history.ts';

export const HISTORY_LIMIT = 10;

export async function recentProposals(ctx: AppContext, target: string | null): Promise<HistoryEntry[]> {
  let q = ctx.db
    .selectFrom('proposals')
    .select(['id', 'action', 'target', 'environment', 'requirement', 'state', 'outcome', 'decided_by', 'decided_at', 'created_at', 'slack_channel', 'slack_ts']);
  if (target !== null) q = q.where('target', '=', target);
  const rows = await q.orderBy('created_at', 'desc').orderBy('id').limit(HISTORY_LIMIT).execute();
  return Promise.all(
    rows.map(async (r) => ({
      id: r.id, action: r.action, target: r.target, environment: r.environment, requirement: r.requirement, state: r.state,
      outcome: r.outcome, decidedBy: r.decided_by, decidedAt: r.decided_at, createdAt: new Date(r.created_at),
      permalink: await permalink(ctx, r.slack_channel, r.slack_ts),
    })),
  );
}

export async function permalink(ctx: AppContext, channel: string | null, ts: string | null): Promise<string | null> {
  if (!channel || !ts) return null;
  // A deleted card or a Slack hiccup costs the link, not the answer.
  return ctx.slack.chat.getPermalink({ channel, message_ts: ts }).then((r) => r.permalink ?? null, (err: unknown) => {
    ctx.log.warn({ err, channel, ts }, 'permalink unavailable');
    return null;
  });
}
