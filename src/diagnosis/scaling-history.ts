// Pure: what a group's recent scaling activities say — is capacity being added right now, when did
// the last scale-out finish, did anything settle recently. AWS says the direction of a change only
// in prose (the Cause names "changing the desired capacity from 4 to 7"; the Description says
// "Launching …" or "Terminating …"), so this is the one place that reads that prose.
import { isFinished, type RecentActivities, type ScalingActivity } from './collectors/scaling-activities.ts';

/**
 * scale-out / scale-in: the cause names a desired-capacity change up / down.
 * launch / terminate: an instance started or stopped without a desired change (a replacement,
 * catching up with desired capacity). other: neither (e.g. a warm-pool or standby move).
 */
export type ActivityKind = 'scale-out' | 'scale-in' | 'launch' | 'terminate' | 'other';

export interface ClassifiedActivity extends ScalingActivity {
  kind: ActivityKind;
  desiredChange: { from: number; to: number } | null;
  finished: boolean;
  /** Whole minutes from the end (finished) or the start (unfinished) to the window's end; never negative. */
  minutesAgo: number;
}

export interface ScalingHistory {
  asOf: string;
  windowMinutes: number;
  truncated: boolean;
  activities: ClassifiedActivity[];
  unfinished: ClassifiedActivity[];
  /** Unfinished activities that add instances: a scale-out, or a launch catching up with desired. */
  addingNow: ClassifiedActivity[];
  /** The most recently ended successful scale-out. */
  lastScaleOut: ClassifiedActivity | null;
}

const DESIRED_CHANGE = /changing the desired capacity from (\d+) to (\d+)/gi;

export function classifyActivity(a: ScalingActivity, asOf: string): ClassifiedActivity {
  // A cause can name several changes (a constraint update, then a policy); the last one is the newest.
  const changes = [...a.cause.matchAll(DESIRED_CHANGE)];
  const last = changes[changes.length - 1];
  const desiredChange = last ? { from: Number(last[1]), to: Number(last[2]) } : null;
  const finished = isFinished(a);
  const at = Date.parse(finished ? (a.endTime ?? a.startTime) : a.startTime);
  const minutesAgo = Math.max(0, Math.round((Date.parse(asOf) - at) / 60_000));
  return { ...a, kind: kindOf(a.description, desiredChange), desiredChange, finished, minutesAgo };
}

function kindOf(description: string, change: { from: number; to: number } | null): ActivityKind {
  if (change && change.to > change.from) return 'scale-out';
  if (change && change.to < change.from) return 'scale-in';
  if (/^launching/i.test(description)) return 'launch';
  if (/^terminating/i.test(description)) return 'terminate';
  return 'other';
}

export const addsCapacity = (a: ClassifiedActivity): boolean => a.kind === 'scale-out' || a.kind === 'launch';

export function scalingHistory(r: RecentActivities): ScalingHistory {
  const activities = r.activities.map((a) => classifyActivity(a, r.asOf));
  const unfinished = activities.filter((a) => !a.finished);
  const scaleOuts = activities.filter((a) => a.finished && a.statusCode === 'Successful' && a.kind === 'scale-out');
  const lastScaleOut = scaleOuts.reduce<ClassifiedActivity | null>((best, a) => (best === null || a.minutesAgo < best.minutesAgo ? a : best), null);
  return { asOf: r.asOf, windowMinutes: r.windowMinutes, truncated: r.truncated, activities, unfinished, addingNow: unfinished.filter(addsCapacity), lastScaleOut };
}

/** Finished activities that ended at most `minutes` ago, newest first. */
export function endedWithin(h: ScalingHistory, minutes: number): ClassifiedActivity[] {
  return h.activities.filter((a) => a.finished && a.minutesAgo <= minutes).sort((a, b) => a.minutesAgo - b.minutesAgo);
}

/** "scale-out 4 → 7 (Successful, ended 12 min ago)": short enough for one reasoning sentence. */
export function describeActivity(a: ClassifiedActivity): string {
  const change = a.desiredChange ? ` ${a.desiredChange.from} → ${a.desiredChange.to}` : '';
  const when = a.finished ? `ended ${a.minutesAgo} min ago` : `started ${a.minutesAgo} min ago${a.progress !== null ? `, ${a.progress}% done` : ''}`;
  return `${a.kind}${change} (${a.statusCode}, ${when})`;
}
