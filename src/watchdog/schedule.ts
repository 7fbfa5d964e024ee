// Runs the heartbeat on a schedule, once per interval however many replicas run: every replica's
// timer asks pg-boss for the interval's job (sendThrottled keys it by time slot, so only the first
// ask of a slot creates one), and whichever worker gets it runs the heartbeat. The stall check runs
// on every replica's own timer — not in the job, which may be the very thing that stalled — and
// tells the admins once per stall (claimStallNotice).
import type { PgBoss } from 'pg-boss';
import { safeText } from '../../blocks/escape.ts';
import { notifyPendingTrips } from '../breakers/checks.ts';
import type { AppContext } from '../context.ts';
import { startTicker } from '../jobs/ticker.ts';
import { notifyAdmins } from '../slack/admin-notice.ts';
import { claimStallNotice, readWatchdog, recordHeartbeat } from '../store/repos/watchdog.ts';
import { runHeartbeat, type HeartbeatDeps } from './heartbeat.ts';
import { pipelineReadiness, type Readiness } from './readiness.ts';

export const HEARTBEAT_QUEUE = 'pipeline-heartbeat';

export interface WatchdogSettings {
  intervalSeconds: number;
  /** No successful heartbeat for this long is a stall. */
  staleSeconds: number;
  pollingIntervalSeconds: number;
  /** Tests: a broken renderer, or no worker at all (a stalled job). */
  render?: HeartbeatDeps['render'];
  work?: boolean;
}

export interface Watchdog {
  readiness(): Promise<Readiness>;
  /** One timer round: ask for this interval's heartbeat, check for a stall, retry untold breaker trips. */
  tick(): Promise<void>;
  /** Stops this process's timer and heartbeat worker (other replicas keep beating). */
  stop(): Promise<void>;
}

export async function startWatchdog(ctx: AppContext, boss: PgBoss, s: WatchdogSettings): Promise<Watchdog> {
  const startedAt = ctx.now();
  const staleMs = s.staleSeconds * 1000;
  // No retries: a failed heartbeat is an outcome to record, and the next interval brings a fresh one.
  await boss.createQueue(HEARTBEAT_QUEUE, { policy: 'standard', retryLimit: 0, expireInSeconds: Math.max(30, s.intervalSeconds * 2) });
  if (s.work !== false) {
    await boss.work(HEARTBEAT_QUEUE, { pollingIntervalSeconds: s.pollingIntervalSeconds }, async () => {
      const result = await runHeartbeat({ policy: ctx.policy.current, now: ctx.now(), ...(s.render ? { render: s.render } : {}) });
      const error = result.ok ? null : `${result.stage}: ${result.error}`;
      if (!result.ok) ctx.log.error({ stage: result.stage, error: result.error }, 'pipeline heartbeat failed');
      await recordHeartbeat(ctx.db, { at: ctx.now(), ok: result.ok, error, ms: result.ms });
    });
  }

  const readiness = async (): Promise<Readiness> => pipelineReadiness(await readWatchdog(ctx.db), ctx.now(), { staleMs, startedAt });

  async function checkStall(): Promise<void> {
    const r = await readiness();
    if (r.ok || !(await claimStallNotice(ctx.db, ctx.now()))) return;
    ctx.log.error({ reason: r.reason }, 'pipeline watchdog: stalled; telling the admins');
    await notifyAdmins(ctx, `:warning: *infra-agent pipeline watchdog*: ${safeText(r.reason, 1500)}\n\`/readyz\` answers 503 until a heartbeat goes through again. Alerts may not be reaching cards.`);
  }

  const ticker = startTicker(async () => {
    await boss.sendThrottled(HEARTBEAT_QUEUE, {}, null, s.intervalSeconds, 'heartbeat').catch((err: unknown) => ctx.log.error({ err }, 'could not schedule the pipeline heartbeat'));
    await checkStall().catch((err: unknown) => ctx.log.error({ err }, 'pipeline stall check failed'));
    await notifyPendingTrips(ctx).catch((err: unknown) => ctx.log.error({ err }, 'could not tell the admins about circuit breaker trips'));
  }, s.intervalSeconds);
  return {
    readiness,
    tick: ticker.tick,
    async stop() {
      ticker.stop();
      if (s.work !== false) await boss.offWork(HEARTBEAT_QUEUE).catch((err: unknown) => ctx.log.warn({ err }, 'could not stop the heartbeat worker'));
    },
  };
}
