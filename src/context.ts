import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { WebClient } from '@slack/web-api';
import type { JobQueue } from './jobs/queue.ts';
import type { Logger } from './log.ts';
import type { Policy } from './policy/schema.ts';
import type { UsergroupDirectory } from './slack/usergroups.ts';
import type { Db } from './store/db.ts';

/** Everything the core needs from the outside world, passed in (never module-mocked). */
export interface AppContext {
  db: Db;
  log: Logger;
  /** Held in a box so a reload can swap it atomically for every reader; `path` is where it reloads from. */
  policy: { current: Policy; path: string; files: string[] };
  slack: WebClient;
  /** Slack user group members, read at decision time (briefly cached). */
  usergroups: UsergroupDirectory;
  aws: { autoscaling: AutoScalingClient; cloudwatch: CloudWatchClient };
  jobs: JobQueue;
  now: () => Date;
}
