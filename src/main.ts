import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { WebClient } from '@slack/web-api';
import { executeProposal } from './actions/execute.ts';
import { expireIfDue } from './approvals/clocks.ts';
import { proposeForIncident } from './approvals/propose.ts';
import { cancelForResolvedIncident } from './approvals/resolved.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { reloadOnSignal } from './control/sighup.ts';
import { policyLoadOptions } from './known-kinds.ts';
import { createSourceRegistry, sourceSettingsFromConfig } from './ingest/registry.ts';
import { webhookHandler } from './ingest/webhook-route.ts';
import { reportIncidentActivity } from './incidents/activity.ts';
import { startJobs, workJobs, workVerification } from './jobs/queue.ts';
import { createLogger, type Logger } from './log.ts';
import { formatPolicyErrors, loadPolicy } from './policy/loader.ts';
import { createSlackApp } from './slack/app.ts';
import { registerAppHome } from './slack/listeners/app-home.ts';
import { registerCommand } from './slack/listeners/command.ts';
import { registerProposalButtons } from './slack/listeners/proposal-buttons.ts';
import { registerProposalDialogs } from './slack/listeners/proposal-dialogs.ts';
import { registerThreadQuestions } from './slack/listeners/thread-questions.ts';
import { registerRollbackButton } from './slack/listeners/rollback-button.ts';
import { registerVerificationButtons } from './slack/listeners/verification-buttons.ts';
import { registerFeedbackButtons } from './slack/listeners/feedback-buttons.ts';
import { unknownVerifySignals } from './verification/signals.ts';
import { verifyExecution } from './verification/run.ts';
import { createUsergroupDirectory } from './slack/usergroups.ts';
import { healthRoutes } from './http/health.ts';
import { startWatchdog, type Watchdog } from './watchdog/schedule.ts';
import { startDigestScheduler } from './digest/scheduler.ts';
import { createDb, migrateToLatest } from './store/db.ts';
import { startEmbeddedPostgres } from './store/embedded.ts';

export interface RunningBot {
  port: number;
  ctx: AppContext;
  stop(): Promise<void>;
}

export class PolicyLoadError extends Error {}

export { policyLoadOptions } from './known-kinds.ts';

/** Resolves the database: DATABASE_URL in production, an embedded server by default. */
export async function openDatabase(config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR' | 'EMBEDDED_PG_PORT'>, log: Logger): Promise<{ url: string; stop(): Promise<void> }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL, stop: async () => undefined };
  log.info({ dataDir: config.DATA_DIR, port: config.EMBEDDED_PG_PORT }, 'no DATABASE_URL: starting embedded Postgres');
  return startEmbeddedPostgres(config.DATA_DIR, config.EMBEDDED_PG_PORT);
}

/**
 * Slack lookups made while someone waits on a click answer fast or fail: no retries, no waiting
 * out a rate limit (the caller fails closed and says why).
 */
function lookupClient(config: Config): WebClient {
  return new WebClient(config.SLACK_BOT_TOKEN, {
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 5_000,
  });
}

// The composition root: the only place that wires real clients together.
export async function startBot(config: Config, log: Logger = createLogger(config.LOG_LEVEL)): Promise<RunningBot> {
  const loaded = await loadPolicy(config.POLICY_PATH, policyLoadOptions);
  if (!loaded.ok) throw new PolicyLoadError(`policy at ${config.POLICY_PATH} is invalid:\n${formatPolicyErrors(loaded.errors)}`);
  // A verify.signal the bot cannot read would leave every change of that action unverifiable.
  const unreadable = unknownVerifySignals(loaded.policy);
  if (unreadable.length > 0) throw new PolicyLoadError(`policy at ${config.POLICY_PATH} is invalid:\n${unreadable.join('\n')}`);
  if (loaded.policy.admins.length === 0) {
    log.warn('the policy names no admins: nobody can resume the bot, reload the policy or approve during a freeze');
  }
  const database = await openDatabase(config, log);
  const db = createDb(database.url);
  const applied = await migrateToLatest(db);
  if (applied.length) log.info({ applied }, 'migrations applied');
  const jobs = await startJobs(database.url, log);
  const aws = {
    autoscaling: new AutoScalingClient({ region: config.AWS_REGION, ...(config.AWS_ENDPOINT_URL ? { endpoint: config.AWS_ENDPOINT_URL } : {}) }),
    cloudwatch: new CloudWatchClient({ region: config.AWS_REGION, ...(config.AWS_ENDPOINT_URL ? { endpoint: config.AWS_ENDPOINT_URL } : {}) }),
  };
  const sources = createSourceRegistry(sourceSettingsFromConfig(config));
  // One holder for the policy: a reload swaps `current`, and ingest groups by the policy in force.
  const policy = { current: loaded.policy, path: config.POLICY_PATH, files: loaded.files };
  // Set once the job queue runs; until then /readyz judges the database alone.
  let watchdog: Watchdog | null = null;
  const onWebhook = webhookHandler({ db, sources, jobs, log, policy });
  const app = createSlackApp({
    config,
    log,
    routes: [
      { path: '/webhooks/:source', method: ['POST'], handler: onWebhook },
      ...healthRoutes(db, () => (watchdog ? watchdog.readiness() : Promise.resolve(null))),
    ],
  });
  const ctx: AppContext = { db, log, policy, slack: app.client, usergroups: createUsergroupDirectory(lookupClient(config)), aws, jobs, now: () => new Date() };
  registerProposalButtons(app, ctx);
  registerThreadQuestions(app, ctx);
  registerProposalDialogs(app, ctx);
  registerCommand(app, ctx);
  registerVerificationButtons(app, ctx);
  registerRollbackButton(app, ctx);
  registerAppHome(app, ctx);
  registerFeedbackButtons(app, ctx);
  const onSighup = () => void reloadOnSignal(ctx);
  process.on('SIGHUP', onSighup);
  await workJobs(jobs, { diagnose: (id) => proposeForIncident(ctx, id), execute: (id) => executeProposal(ctx, id), expire: (id) => expireIfDue(ctx, id), resolved: (id) => cancelForResolvedIncident(ctx, id), activity: (id) => reportIncidentActivity(ctx, jobs, id) }, log, config.JOB_POLL_INTERVAL_SECONDS);
  const interval = config.WATCHDOG_INTERVAL_SECONDS;
  watchdog = await startWatchdog(ctx, jobs.boss, { intervalSeconds: interval, staleSeconds: config.WATCHDOG_STALL_SECONDS ?? 3 * interval, pollingIntervalSeconds: Math.min(config.JOB_POLL_INTERVAL_SECONDS, interval) });
  await workVerification(jobs, (id) => verifyExecution(ctx, id), log, config.JOB_POLL_INTERVAL_SECONDS);
  const digests = await startDigestScheduler(ctx, jobs.boss, { checkIntervalSeconds: config.DIGEST_CHECK_INTERVAL_SECONDS, pollingIntervalSeconds: config.JOB_POLL_INTERVAL_SECONDS });
  const started = (await app.start({ port: config.PORT, host: config.HOST })) as unknown;
  const port = started && typeof (started as Server).address === 'function' ? ((started as Server).address() as AddressInfo).port : config.PORT;
  log.info({ port, policyFiles: loaded.files, socketMode: Boolean(config.SLACK_APP_TOKEN) }, 'infra-agent started');
  return {
    port,
    ctx,
    async stop() {
      process.off('SIGHUP', onSighup);
      await watchdog?.stop();
      await digests.stop();
      await app.stop();
      await jobs.stop();
      await db.destroy();
      await database.stop();
    },
  };
}
