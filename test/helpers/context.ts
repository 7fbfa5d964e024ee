// An AppContext wired to real peers (Postgres, moto, the fake Slack) without the HTTP server or
// the job workers, for tests that drive one core function directly — including from a second
// process. Enqueued jobs are recorded rather than run, so a test decides what runs when.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { WebClient } from '@slack/web-api';
import type { AppContext } from '../../src/context.ts';
import { policyLoadOptions } from '../../src/known-kinds.ts';
import { createLogger } from '../../src/log.ts';
import { createUsergroupDirectory } from '../../src/slack/usergroups.ts';
import { formatPolicyErrors, loadPolicy } from '../../src/policy/loader.ts';
import type { Policy } from '../../src/policy/schema.ts';
import type { Db } from '../../src/store/db.ts';
import { E2E_POLICY } from './bot.ts';

export interface RecordedJobs {
  executions: string[];
  diagnoses: string[];
  expiries: { proposalId: string; at: Date }[];
  resolutions: string[];
  rechecks: { proposalId: string; at: Date }[];
}

export async function buildTestContext(opts: { db: Db; policyPath: string; awsEndpoint?: string; slackApiUrl?: string; now?: () => Date }): Promise<{ ctx: AppContext; jobs: RecordedJobs }> {
  const loaded = await loadPolicy(opts.policyPath, policyLoadOptions);
  if (!loaded.ok) throw new Error(formatPolicyErrors(loaded.errors));
  const aws = { region: 'us-east-1', endpoint: opts.awsEndpoint ?? 'http://127.0.0.1:1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const recorded: RecordedJobs = { executions: [], diagnoses: [], expiries: [], resolutions: [], rechecks: [] };
  const slack = new WebClient('xoxb-test', { slackApiUrl: opts.slackApiUrl ?? 'http://127.0.0.1:1/api/', retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  const ctx: AppContext = {
    db: opts.db,
    log: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'),
    policy: { current: loaded.policy, path: opts.policyPath, files: loaded.files },
    slack,
    usergroups: createUsergroupDirectory(slack),
    aws: { autoscaling: new AutoScalingClient(aws), cloudwatch: new CloudWatchClient(aws) },
    jobs: {
      enqueueDiagnosis: async (_trx, id) => void recorded.diagnoses.push(id),
      enqueueExecution: async (_trx, id) => void recorded.executions.push(id),
      scheduleExpiry: async (_trx, proposalId, at) => void recorded.expiries.push({ proposalId, at }),
      enqueueResolution: async (_trx, id) => void recorded.resolutions.push(id),
      recheckExecution: async (proposalId, at) => void recorded.rechecks.push({ proposalId, at }),
    },
    now: opts.now ?? (() => new Date()),
  };
  return { ctx, jobs: recorded };
}

/** The integration tests' policy (test/fixtures/policies/e2e), loaded and checked. */
export async function e2ePolicy(policyPath = E2E_POLICY): Promise<Policy> {
  const loaded = await loadPolicy(policyPath, policyLoadOptions);
  if (!loaded.ok) throw new Error(formatPolicyErrors(loaded.errors));
  return loaded.policy;
}
