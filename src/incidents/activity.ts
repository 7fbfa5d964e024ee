// The `incident-activity` job: later alerts of an incident become one reply in its card's thread.
// Ingest enqueues it (coalesced: one waiting job per incident), so a storm of thousands of alerts
// becomes about one reply per second at most, each paced to the channel's Slack slot.
import { incidentActivityMessage, type ActivitySummary } from '../../blocks/incident-activity.ts';
import type { AppContext } from '../context.ts';
import type { ActivityJobs } from '../jobs/queue.ts';
import { paced } from '../slack/pacer.ts';
import { recordIncidentActivity } from './record-activity.ts';

/** How often to look again while the incident's diagnosis may still post its card. */
export const CARD_WAIT_SECONDS = 2;

export async function reportIncidentActivity(ctx: AppContext, jobs: ActivityJobs, incidentId: string): Promise<void> {
  await recordIncidentActivity(ctx.db, incidentId);
  await postIncidentActivity(ctx, jobs, incidentId);
}

/**
 * Posts every recorded summary not yet posted as one reply under the incident's latest card, then
 * marks them posted. Until a card exists, summaries wait: the job looks again while the diagnosis
 * is still under way, and an incident that never gets a card (no rule matched) gets no replies.
 * A crash between the post and the mark posts that reply again on the retry (at least once).
 */
export async function postIncidentActivity(ctx: AppContext, jobs: ActivityJobs, incidentId: string): Promise<'posted' | 'nothing' | 'waiting' | 'no-card'> {
  const log = ctx.log.child({ incidentId });
  const waiting = await ctx.db.selectFrom('incident_activity').selectAll().where('incident_id', '=', incidentId).where('posted_at', 'is', null).orderBy('id').execute();
  if (waiting.length === 0) return 'nothing';
  const card = await ctx.db
    .selectFrom('proposals')
    .select(['id', 'slack_channel', 'slack_ts'])
    .where('incident_id', '=', incidentId)
    .where('slack_ts', 'is not', null)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  const channel = card?.slack_channel;
  const threadTs = card?.slack_ts;
  if (!channel || !threadTs) {
    if (!(await jobs.diagnosisPending(incidentId))) return 'no-card';
    await ctx.db.transaction().execute((trx) => jobs.enqueueActivity(trx, incidentId, CARD_WAIT_SECONDS));
    return 'waiting';
  }
  const summaries: ActivitySummary[] = waiting.map((w) => ({
    newAlerts: w.new_alerts, repeats: w.repeats, resolved: w.resolved, firingNow: w.firing_now, totalNow: w.total_now,
    incidentStatus: w.incident_status, samples: w.samples,
  }));
  const message = incidentActivityMessage(summaries);
  if (!message) return 'nothing';
  const res = await paced(ctx.db, channel, () =>
    ctx.slack.chat.postMessage({ channel, thread_ts: threadTs, text: message.text, blocks: message.blocks, unfurl_links: false, unfurl_media: false }),
  );
  await ctx.db
    .updateTable('incident_activity')
    .set({ posted_at: new Date(), slack_ts: res.ts ?? null })
    .where('id', 'in', waiting.map((w) => w.id))
    .where('posted_at', 'is', null)
    .execute();
  log.info({ proposalId: card.id, summaries: waiting.length, ts: res.ts }, 'incident thread updated');
  return 'posted';
}
