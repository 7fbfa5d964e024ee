// Recent scaling activities of one Auto Scaling group: what it launched or terminated lately, and
// whether something is still under way. Returns plain values (ISO strings, not Dates) so the
// observations survive a JSON round trip into the evidence snapshot; interpreting the text is
// left to pure code (src/diagnosis/scaling-history.ts).
import { DescribeScalingActivitiesCommand, type Activity, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { CollectorOptions } from './autoscaling.ts';

export const ACTIVITY_WINDOW_MINUTES = 60;
/** 100 per page is the API maximum; 5 pages = 500 activities, far more than an hour of a sane group. */
export const ACTIVITY_MAX_PAGES = 5;
const PAGE_SIZE = 100;

export interface ScalingActivity {
  id: string;
  /** Successful, Failed, Cancelled, or one of the unfinished codes (InProgress, PreInService, WaitingFor…). */
  statusCode: string;
  statusMessage: string | null;
  /** e.g. "Launching a new EC2 instance: i-0abc…" */
  description: string;
  /** e.g. "At … a monitor alarm … changing the desired capacity from 4 to 7. …" */
  cause: string;
  startTime: string;
  /** Usually null while the activity is unfinished (see `isFinished`, which goes by the status code). */
  endTime: string | null;
  /** 0..100; null when AWS does not say. */
  progress: number | null;
}

export interface RecentActivities {
  /** The moment the window ends (the diagnosis's `now`), so pure code can say "12 minutes ago". */
  asOf: string;
  windowMinutes: number;
  /** As AWS orders them: unfinished first, then newest start first. */
  activities: ScalingActivity[];
  /** True when the page cap stopped the read while activities were still inside the window. */
  truncated: boolean;
}

export interface ActivityQueryOptions extends CollectorOptions {
  now: Date;
  windowMinutes?: number;
  maxPages?: number;
}

/** Provenance string for the activity signal; `aws autoscaling describe-scaling-activities` re-runs it. */
export function activitiesQuery(name: string, windowMinutes = ACTIVITY_WINDOW_MINUTES): string {
  return `AutoScaling DescribeScalingActivities AutoScalingGroupName=${name} → Activities[unfinished, or started/ended in the last ${windowMinutes}m]`;
}

export async function describeRecentActivities(client: AutoScalingClient, name: string, opts: ActivityQueryOptions): Promise<RecentActivities> {
  const windowMinutes = opts.windowMinutes ?? ACTIVITY_WINDOW_MINUTES;
  const since = opts.now.getTime() - windowMinutes * 60_000;
  const maxPages = opts.maxPages ?? ACTIVITY_MAX_PAGES;
  const activities: ScalingActivity[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  let older = false;
  do {
    const out = await client.send(
      new DescribeScalingActivitiesCommand({ AutoScalingGroupName: name, MaxRecords: PAGE_SIZE, NextToken: nextToken }),
      opts.abortSignal ? { abortSignal: opts.abortSignal } : {},
    );
    pages++;
    for (const raw of out.Activities ?? []) {
      // The API filters by name; match anyway, as describeAsg does: another group's history would mislead.
      if (raw.AutoScalingGroupName !== undefined && raw.AutoScalingGroupName !== name) continue;
      const a = plain(raw);
      if (!a) continue;
      const finished = isFinished(a);
      if (!finished || Date.parse(a.endTime ?? a.startTime) >= since) activities.push(a);
      // Finished activities come newest start first: once one started before the window, every
      // later one did too, so there is nothing more to read.
      if (finished && Date.parse(a.startTime) < since) older = true;
    }
    nextToken = out.NextToken;
  } while (nextToken && !older && pages < maxPages);
  return { asOf: opts.now.toISOString(), windowMinutes, activities, truncated: Boolean(nextToken) && !older };
}

/** The three terminal status codes; every other code (InProgress, PreInService, WaitingFor…, MidLifecycleAction …) is unfinished. */
const FINISHED = new Set(['Successful', 'Failed', 'Cancelled']);

export function isFinished(a: Pick<ScalingActivity, 'statusCode'>): boolean {
  return FINISHED.has(a.statusCode);
}

function plain(a: Activity): ScalingActivity | null {
  // An activity without an id or a start time cannot be placed in time; skip it rather than guess.
  if (!a.ActivityId || !a.StartTime) return null;
  return {
    id: a.ActivityId,
    statusCode: a.StatusCode ?? 'Unknown',
    statusMessage: a.StatusMessage ?? null,
    description: a.Description ?? '',
    cause: a.Cause ?? '',
    startTime: a.StartTime.toISOString(),
    endTime: a.EndTime ? a.EndTime.toISOString() : null,
    progress: typeof a.Progress === 'number' ? a.Progress : null,
  };
}
