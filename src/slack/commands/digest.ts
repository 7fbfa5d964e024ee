// `/infra-agent digest`: the decision review of the last seven days, now. Ephemeral by default (a
// preview for the asker); with `--post` it is posted in the channel the command was typed in, with
// the chart, exactly as the scheduled one, and recorded as a manual digest run.
import type { KnownBlock } from '@slack/types';
import { approverOrAdmin } from '../../approvals/approver-or-admin.ts';
import type { AppContext } from '../../context.ts';
import { computeDigest, digestBlocks, DigestNotPosted, postDigest, type DigestWindow } from '../../digest/post.ts';
import { durationMs } from '../../policy/schema.ts';
import { createManualRun } from '../../store/repos/digest-runs.ts';

const WEEK_MS = 7 * 24 * 3_600_000;

export type DigestAnswer =
  | { kind: 'refused'; reason: string }
  | { kind: 'preview'; text: string; blocks: KnownBlock[] }
  | { kind: 'posted'; channel: string; ts: string; chartError: string | null }
  | { kind: 'failed'; channel: string; error: string };

function lastWeek(ctx: AppContext): DigestWindow {
  const d = ctx.policy.current.digest;
  const to = ctx.now();
  // Without a digest section the figures are cut in UTC with the default fast-approval threshold.
  return { from: new Date(to.getTime() - WEEK_MS), to, timeZone: d?.timezone ?? 'UTC', fastApprovalMs: durationMs(d?.fast_approval ?? '30s') };
}

export async function digestNow(ctx: AppContext, userId: string, channelId: string, post: boolean): Promise<DigestAnswer> {
  // The digest names people and decisions: the same circle as `simulate` may see or post it.
  const person = await approverOrAdmin(ctx, userId, 'see the digest');
  if (!person.ok) return { kind: 'refused', reason: person.reason };
  const w = lastWeek(ctx);
  if (!post) {
    const { text, blocks } = await digestBlocks(ctx, await computeDigest(ctx, w));
    return { kind: 'preview', text, blocks };
  }
  const runId = await createManualRun(ctx.db, { ...w, channel: channelId, requestedBy: userId, now: ctx.now() });
  // Slack's refusal (most often: the bot is not in this channel) is the answer, not a generic error;
  // anything after the message went out is not a "nothing was posted" (the listener reports it).
  const posted = await postDigest(ctx, runId, channelId, w, `slack:${userId}`).catch((err: unknown) => {
    if (err instanceof DigestNotPosted) return { error: err.reason };
    throw err;
  });
  if ('error' in posted) return { kind: 'failed', channel: channelId, error: posted.error };
  return { kind: 'posted', channel: channelId, ts: posted.ts, chartError: 'error' in posted.chart ? posted.chart.error : null };
}
