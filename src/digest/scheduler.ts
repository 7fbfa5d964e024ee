// Posts the weekly digest when the policy's `digest` schedule says so, once however many replicas
// run. Every replica's timer asks "is a slot due and not settled?" and, if so, sends that slot's
// pg-boss job (keyed by the slot, so concurrent asks make one job); whichever worker gets it claims
// the slot's digest_runs row (unique per slot) and posts. A failed post is tried again on a later
// tick, up to MAX_DIGEST_ATTEMPTS, then the admins are told. A replica that crashed mid-post
// leaves a claim that another takes over once it is stale.
import type { PgBoss } from 'pg-boss';
import { z } from 'zod';
import { safeText } from '../../blocks/escape.ts';
import type { AppContext } from '../context.ts';
import { durationMs } from '../policy/schema.ts';
import { notifyAdmins } from '../slack/admin-notice.ts';
import { claimSlot, MAX_DIGEST_ATTEMPTS, slotSettled } from '../store/repos/digest-runs.ts';
import { errorText, postDigest } from './post.ts';
import { dueSlot, slotWindow } from './schedule.ts';

export const DIGEST_QUEUE = 'weekly-digest';

const JobData = z.strictObject({ slot: z.iso.datetime() });

export interface DigestSchedulerSettings {
  checkIntervalSeconds: number;
  pollingIntervalSeconds: number;
}

export interface DigestScheduler {
  /** One timer round: send the due slot's job if the slot is not settled. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

/** The job: claim the slot and post its digest (a no-op when another replica has it). */
export async function runScheduledDigest(ctx: AppContext, slot: Date): Promise<void> {
  const d = ctx.policy.current.digest;
  if (!d) {
    ctx.log.warn({ slot }, 'a weekly digest job ran, but the policy no longer has a digest section: skipped');
    return;
  }
  const window = slotWindow(d, slot);
  const claim = await claimSlot(ctx.db, { slot, ...window, channel: d.channel, now: ctx.now() });
  if (!claim) return;
  try {
    await postDigest(ctx, claim.id, d.channel, { ...window, timeZone: d.timezone, fastApprovalMs: durationMs(d.fast_approval) }, 'system:digest');
    ctx.log.info({ slot, channel: d.channel }, 'weekly digest posted');
  } catch (err) {
    const last = claim.attempts >= MAX_DIGEST_ATTEMPTS;
    ctx.log.error({ err, slot, channel: d.channel, attempt: claim.attempts }, last ? 'weekly digest could not be posted; giving up on this week' : 'weekly digest could not be posted; a later check tries again');
    if (last) {
      await notifyAdmins(ctx, `:warning: The weekly digest due ${slot.toISOString()} could not be posted to <#${d.channel}> after ${claim.attempts} attempts: ${safeText(errorText(err), 500)}. \`/infra-agent digest --post\` posts one by hand.`);
    }
  }
}

export async function startDigestScheduler(ctx: AppContext, boss: PgBoss, s: DigestSchedulerSettings): Promise<DigestScheduler> {
  // No queue retries: the timer is the retry (bounded by attempts in digest_runs), so a Slack
  // outage is retried minutes apart rather than in a tight loop.
  await boss.createQueue(DIGEST_QUEUE, { policy: 'stately', retryLimit: 0, expireInSeconds: 300, heartbeatSeconds: 30 });
  await boss.work(DIGEST_QUEUE, { pollingIntervalSeconds: s.pollingIntervalSeconds }, async ([job]) => {
    if (!job) return;
    const data = JobData.safeParse(job.data);
    if (!data.success) {
      ctx.log.error({ data: job.data }, 'weekly digest job with unreadable data: dropped');
      return;
    }
    await runScheduledDigest(ctx, new Date(data.data.slot));
  });

  let running = false;
  async function tick(): Promise<void> {
    const d = ctx.policy.current.digest;
    if (!d || running) return;
    running = true;
    try {
      const slot = dueSlot(d, ctx.now());
      if (!slot || (await slotSettled(ctx.db, slot))) return;
      await boss.send(DIGEST_QUEUE, { slot: slot.toISOString() }, { singletonKey: slot.toISOString() });
    } catch (err) {
      ctx.log.error({ err }, 'could not check whether the weekly digest is due');
    } finally {
      running = false;
    }
  }

  const timer = setInterval(() => void tick(), s.checkIntervalSeconds * 1000);
  timer.unref();
  void tick();
  return {
    tick,
    async stop() {
      clearInterval(timer);
      await boss.offWork(DIGEST_QUEUE).catch((err: unknown) => ctx.log.warn({ err }, 'could not stop the digest worker'));
    },
  };
}
