// Posts the weekly digest when the policy's `digest` schedule says so, once however many replicas
// run. Every replica's timer asks "is a slot due and not settled?" and, if so, sends that slot's
// pg-boss job (keyed by the slot's local date, so concurrent asks make one job); whichever worker
// gets it claims the slot's digest_runs row (unique per date) and posts. A failed post is tried
// again by a later tick once its retry delay has passed, up to MAX_DIGEST_ATTEMPTS, then the
// admins are told. A replica that crashed mid-post leaves a claim another takes over once stale.
import type { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { safeText } from '../../blocks/escape.ts';
import type { AppContext } from '../context.ts';
import { startTicker } from '../jobs/ticker.ts';
import { durationMs } from '../policy/schema.ts';
import { notifyAdmins } from '../slack/admin-notice.ts';
import { claimSlot, giveUpAbandonedLastAttempt, MAX_DIGEST_ATTEMPTS, slotSettled } from '../store/repos/digest-runs.ts';
import { DigestNotPosted, postDigest } from './post.ts';
import { dueSlot, slotOn, slotWindow } from './schedule.ts';

export const DIGEST_QUEUE = 'weekly-digest';

const JobData = z.strictObject({ date: z.iso.date() });

export interface DigestSchedulerSettings {
  checkIntervalSeconds: number;
  pollingIntervalSeconds: number;
}

export interface DigestScheduler {
  /** One timer round: send the due slot's job if the slot is not settled. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

const giveUpText = (date: string, channel: string, attempts: number, why: string) =>
  `:warning: The weekly digest due ${date} could not be posted to <#${channel}> after ${attempts} attempt(s): ${safeText(why, 500)}. \`/infra-agent digest --post\` posts one by hand.`;

/** The job: claim the slot of local date `date` and post its digest (a no-op when another replica has it). */
export async function runScheduledDigest(ctx: AppContext, date: string): Promise<void> {
  const d = ctx.policy.current.digest;
  if (!d) {
    ctx.log.warn({ date }, 'a weekly digest job ran, but the policy no longer has a digest section: skipped');
    return;
  }
  const slot = slotOn(d, date);
  const window = slotWindow(d, slot);
  const abandoned = await giveUpAbandonedLastAttempt(ctx.db, date, ctx.now());
  if (abandoned) {
    ctx.log.error({ date }, 'the last attempt at the weekly digest stopped mid-way; giving up on this week');
    await notifyAdmins(ctx, giveUpText(date, d.channel, abandoned.attempts, 'the replica posting it stopped before it finished'));
    return;
  }
  const claim = await claimSlot(ctx.db, { date, at: slot.at, ...window, channel: d.channel, now: ctx.now() });
  if (!claim) return;
  try {
    await postDigest(ctx, claim.id, d.channel, { ...window, timeZone: d.timezone, fastApprovalMs: durationMs(d.fast_approval) }, 'system:digest');
    ctx.log.info({ date, channel: d.channel }, 'weekly digest posted');
  } catch (err) {
    if (!(err instanceof DigestNotPosted)) {
      ctx.log.error({ err, date, channel: d.channel }, 'weekly digest: posting or recording failed after the message went out');
      return;
    }
    const last = claim.attempts >= MAX_DIGEST_ATTEMPTS;
    ctx.log.error({ reason: err.reason, date, channel: d.channel, attempt: claim.attempts }, last ? 'weekly digest could not be posted; giving up on this week' : 'weekly digest could not be posted; a later check tries again');
    if (last) await notifyAdmins(ctx, giveUpText(date, d.channel, claim.attempts, err.reason));
  }
}

export async function startDigestScheduler(ctx: AppContext, boss: PgBoss, s: DigestSchedulerSettings): Promise<DigestScheduler> {
  // No queue retries: the timer is the retry (attempts and their delays live in digest_runs), so a
  // Slack outage is waited out minutes to hours apart rather than in a tight loop.
  await boss.createQueue(DIGEST_QUEUE, { policy: 'stately', retryLimit: 0, expireInSeconds: 300, heartbeatSeconds: 30 });
  await boss.work(DIGEST_QUEUE, { pollingIntervalSeconds: s.pollingIntervalSeconds }, async ([job]) => {
    if (!job) return;
    const data = JobData.safeParse(job.data);
    if (!data.success) {
      ctx.log.error({ data: job.data }, 'weekly digest job with unreadable data: dropped');
      return;
    }
    await runScheduledDigest(ctx, data.data.date);
  });

  const ticker = startTicker(async () => {
    const d = ctx.policy.current.digest;
    if (!d) return;
    try {
      const slot = dueSlot(d, ctx.now());
      if (!slot || (await slotSettled(ctx.db, slot.date))) return;
      await boss.send(DIGEST_QUEUE, { date: slot.date }, { singletonKey: slot.date });
    } catch (err) {
      ctx.log.error({ err }, 'could not check whether the weekly digest is due');
    }
  }, s.checkIntervalSeconds);
  return {
    tick: ticker.tick,
    async stop() {
      ticker.stop();
      await boss.offWork(DIGEST_QUEUE).catch((err: unknown) => ctx.log.warn({ err }, 'could not stop the digest worker'));
    },
  };
}
