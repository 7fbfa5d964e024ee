import { fromKysely, PgBoss } from 'pg-boss';
import type { Logger } from '../log.ts';
import type { Trx } from '../store/db.ts';

// Durable work lives in Postgres (pg-boss) so a crash or a second replica never loses or
// doubles it. Jobs are enqueued inside the transaction that makes them necessary.
export const QUEUES = {
  diagnose: 'diagnose-incident',
  execute: 'execute-proposal',
  expire: 'expire-proposal',
  resolved: 'incident-resolved',
  activity: 'incident-activity',
  verify: 'verify-execution',
} as const;

/**
 * How long an incident's later alerts gather before one summary covers them: a storm collapses
 * into about one thread update per this many seconds (the queue keeps one waiting job per incident).
 */
export const ACTIVITY_DELAY_SECONDS = 1;

export interface JobQueue {
  enqueueDiagnosis(trx: Trx, incidentId: string): Promise<void>;
  enqueueExecution(trx: Trx, proposalId: string): Promise<void>;
  /** A check at `at` that expires the proposal if its clock has run out by then. */
  scheduleExpiry(trx: Trx, proposalId: string, at: Date): Promise<void>;
  /** The incident's alerts all resolved: cancel what is still waiting on it. */
  enqueueResolution(trx: Trx, incidentId: string): Promise<void>;
  /**
   * The post-change check at `at` (verify.after after a success). Optional so that contexts with
   * no verification worker (tests driving one function, the CLI) can leave it out; the running
   * bot's queue always has it.
   */
  scheduleVerification?(trx: Trx, proposalId: string, at: Date): Promise<void>;
  /** Looks at a possibly interrupted execution again at `at` (optional, like scheduleVerification). */
  recheckExecution?(proposalId: string, at: Date): Promise<void>;
}

/** What ingest and the activity job itself enqueue, beyond the core's queue. */
export interface ActivityJobs {
  /** The incident got alerts its thread has not been told about (coalesced per incident). */
  enqueueActivity(trx: Trx, incidentId: string, afterSeconds?: number): Promise<void>;
  /** Whether the incident's diagnosis job is still waiting, running or being retried (a card may still come). */
  diagnosisPending(incidentId: string): Promise<boolean>;
}

export type IngestJobs = JobQueue & Pick<ActivityJobs, 'enqueueActivity'>;

export interface JobHandlers {
  diagnose(incidentId: string): Promise<void>;
  execute(proposalId: string): Promise<void>;
  expire(proposalId: string): Promise<void>;
  resolved(incidentId: string): Promise<void>;
  activity(incidentId: string): Promise<void>;
}

export interface RunningJobs extends JobQueue, ActivityJobs {
  boss: PgBoss;
  stop(): Promise<void>;
}

export async function startJobs(connectionString: string, log: Logger): Promise<RunningJobs> {
  // Supervise every 10 s (pg-boss's default is 60 s): a job whose process died is failed and
  // retried within about 10–20 s, well inside an execution window.
  const boss = new PgBoss({ connectionString, max: 4, superviseIntervalSeconds: 10, monitorIntervalSeconds: 10 });
  boss.on('error', (err) => log.error({ err }, 'job queue error'));
  await boss.start();
  for (const name of Object.values(QUEUES)) {
    // singletonKey on send + 'stately' policy: one queued job per incident/proposal at a time.
    // Heartbeats: if the process running a job dies, another replica (or the next start) gets
    // the job again within about 10–20 s instead of after pg-boss's default 15-minute expiry.
    // An execution may wait for a launch or a runbook (up to ~2 minutes, executor runLimitMs):
    // its job must not be expired, and retried, while it still runs.
    const settings = { retryLimit: 3, retryDelay: 2, retryBackoff: true, heartbeatSeconds: 10, expireInSeconds: name === QUEUES.execute ? 300 : 120 };
    await boss.createQueue(name, { policy: 'stately', ...settings });
    // createQueue leaves an existing queue as it was: bring older databases up to these settings.
    await boss.updateQueue(name, settings);
  }
  return {
    boss,
    async enqueueDiagnosis(trx, incidentId) {
      await boss.send(QUEUES.diagnose, { incidentId }, { singletonKey: incidentId, db: fromKysely(trx) });
    },
    async enqueueExecution(trx, proposalId) {
      // Retried when the job fails (e.g. the database blinked during the claim): the claim is one
      // guarded transaction, so a retry either claims a still-approved proposal or finds nothing.
      await boss.send(QUEUES.execute, { proposalId }, { singletonKey: proposalId, db: fromKysely(trx) });
    },
    async recheckExecution(proposalId, at) {
      await boss.send(QUEUES.execute, { proposalId }, { singletonKey: `${proposalId}@recheck@${at.toISOString()}`, startAfter: at });
    },
    async scheduleExpiry(trx, proposalId, at) {
      // Keyed by the deadline: the approval and the execution clock each get their own check.
      await boss.send(QUEUES.expire, { proposalId }, { singletonKey: `${proposalId}@${at.toISOString()}`, startAfter: at, db: fromKysely(trx) });
    },
    async scheduleVerification(trx, proposalId, at) {
      // One per proposal ('stately' + key): a retried success transaction cannot schedule two.
      await boss.send(QUEUES.verify, { proposalId }, { singletonKey: proposalId, startAfter: at, db: fromKysely(trx) });
    },
    async enqueueResolution(trx, incidentId) {
      await boss.send(QUEUES.resolved, { incidentId }, { singletonKey: incidentId, db: fromKysely(trx) });
    },
    async enqueueActivity(trx, incidentId, afterSeconds = ACTIVITY_DELAY_SECONDS) {
      // 'stately' keeps one waiting job per incident: while it waits, every other batch of the
      // storm finds it there and adds nothing (a no-op insert), so the storm collapses into it.
      await boss.send(QUEUES.activity, { incidentId }, { singletonKey: incidentId, startAfter: afterSeconds, db: fromKysely(trx) });
    },
    async diagnosisPending(incidentId) {
      const found = await boss.findJobs(QUEUES.diagnose, { key: incidentId });
      return found.some((j) => j.state === 'created' || j.state === 'retry' || j.state === 'active');
    },
    stop: () => boss.stop({ graceful: true, timeout: 10_000 }),
  };
}

/** One worker per queue: the handler's failure is logged with the job's subject and rethrown, so the queue retries it. */
async function work<K extends string>(jobs: RunningJobs, queue: string, key: K, handler: (id: string) => Promise<void>, failure: string, log: Logger, pollingIntervalSeconds: number, localConcurrency = 1): Promise<void> {
  await jobs.boss.work<Record<K, string>>(queue, { pollingIntervalSeconds, localConcurrency }, async ([job]) => {
    if (!job) return;
    const id = job.data[key];
    await handler(id).catch((err: unknown) => {
      log.error({ err, [key]: id }, failure);
      throw err;
    });
  });
}

export async function workJobs(jobs: RunningJobs, handlers: JobHandlers, log: Logger, pollingIntervalSeconds = 1): Promise<void> {
  await work(jobs, QUEUES.diagnose, 'incidentId', handlers.diagnose, 'diagnosis failed', log, pollingIntervalSeconds);
  await work(jobs, QUEUES.resolved, 'incidentId', handlers.resolved, 'cancelling the proposals of a resolved incident failed; the queue retries it', log, pollingIntervalSeconds);
  await work(jobs, QUEUES.expire, 'proposalId', handlers.expire, 'expiry check failed; the queue retries it', log, pollingIntervalSeconds);
  await work(jobs, QUEUES.execute, 'proposalId', handlers.execute, 'execution job failed; the queue retries it', log, pollingIntervalSeconds);
  // Several at once: an activity job spends most of its time waiting for its channel's Slack slot,
  // and incidents in other channels must not wait behind it.
  await work(jobs, QUEUES.activity, 'incidentId', handlers.activity, 'incident thread update failed; the queue retries it', log, pollingIntervalSeconds, 4);
}

/** The verification worker (src/verification/run.ts); registered by main.ts beside workJobs. */
export async function workVerification(jobs: RunningJobs, handler: (proposalId: string) => Promise<void>, log: Logger, pollingIntervalSeconds = 1): Promise<void> {
  await work(jobs, QUEUES.verify, 'proposalId', handler, 'verification failed; the queue retries it', log, pollingIntervalSeconds);
}
