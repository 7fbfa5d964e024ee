import { z } from 'zod';
import type { NormalizedAlert } from '../domain/alert.ts';
import { stableFingerprint } from './alert-fields.ts';

// The CloudWatch alarm state change that SNS carries as a JSON string in `Message` (checked
// against a real message). Dimensions use lower-case `name`/`value`. Metric-math alarms list
// their metrics under Trigger.Metrics; composite alarms carry no Trigger at all.
const Dimension = z.object({ name: z.string().min(1).max(255), value: z.string().max(1024) });

// CloudWatch writes offsets without a colon ("+0000"), which ISO-8601 parsers in zod refuse.
const AwsTimestamp = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/, 'must be an ISO-8601 timestamp')
  .refine((s) => !Number.isNaN(new Date(s).getTime()), 'is not a valid date');

const State = z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']);

export const CloudWatchAlarm = z.object({
  AlarmName: z.string().min(1).max(255),
  AlarmDescription: z.string().max(8192).nullish(),
  AWSAccountId: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
  AlarmArn: z.string().regex(/^arn:[a-z-]+:cloudwatch:[a-z0-9-]+:\d{12}:alarm:.+$/, 'must be a CloudWatch alarm ARN').max(1024),
  NewStateValue: State,
  OldStateValue: State.optional(),
  NewStateReason: z.string().max(8192).default(''),
  StateChangeTime: AwsTimestamp,
  Region: z.string().max(128).default(''),
  Trigger: z
    .object({
      MetricName: z.string().max(255).nullish(),
      Namespace: z.string().max(255).nullish(),
      Statistic: z.string().max(64).nullish(),
      ComparisonOperator: z.string().max(64).nullish(),
      Threshold: z.number().nullish(),
      Period: z.number().nullish(),
      EvaluationPeriods: z.number().nullish(),
      Dimensions: z.array(Dimension).max(30).nullish(),
      Metrics: z
        .array(z.object({ MetricStat: z.object({ Metric: z.object({ Dimensions: z.array(Dimension).max(30).default([]) }) }).nullish() }))
        .max(20)
        .nullish(),
    })
    .nullish(),
});
export type CloudWatchAlarm = z.infer<typeof CloudWatchAlarm>;

/** What a state change means for the bot: an alert, or nothing to store (and why). */
export type AlarmOutcome = { kind: 'alert'; alert: NormalizedAlert } | { kind: 'ignored'; reason: string };

function dimensionsOf(a: CloudWatchAlarm): z.infer<typeof Dimension>[] {
  const own = a.Trigger?.Dimensions ?? [];
  const fromMath = (a.Trigger?.Metrics ?? []).flatMap((m) => m.MetricStat?.Metric.Dimensions ?? []);
  return [...own, ...fromMath];
}

function consoleLink(arn: string, region: string, name: string): string | null {
  const partition = arn.split(':')[1];
  const host = partition === 'aws' ? 'console.aws.amazon.com' : partition === 'aws-cn' ? 'console.amazonaws.cn' : null;
  if (!host) return null;
  return `https://${region}.${host}/cloudwatch/home?region=${region}#alarmsV2:alarm/${encodeURIComponent(name)}`;
}

/** `topicLabels`: what the operator configured for the SNS topic (its `env`). */
export function normalizeCloudWatchAlarm(a: CloudWatchAlarm, topicLabels: Readonly<Record<string, string>> = {}): AlarmOutcome {
  // Not firing (the alarm cannot tell), not resolved (missing data is often the outage itself,
  // e.g. instances that stopped reporting): an open incident stays open, none is opened.
  if (a.NewStateValue === 'INSUFFICIENT_DATA') {
    return { kind: 'ignored', reason: `alarm ${a.AlarmName} is INSUFFICIENT_DATA: neither firing nor resolved; an open incident stays open` };
  }
  const region = a.AlarmArn.split(':')[3]!;
  const t = a.Trigger;
  // Entries then fromEntries: a hostile dimension name such as "__proto__" stays an own key.
  // Dimensions first, so the configured and computed labels win over a dimension of that name.
  const entries: [string, string][] = dimensionsOf(a).map((d) => [d.name, d.value]);
  const asg = entries.find(([name]) => name === 'AutoScalingGroupName');
  if (asg) entries.push(['autoscaling_group', asg[1]]);
  entries.push(...Object.entries(topicLabels));
  entries.push(['alertname', a.AlarmName], ['alarm_arn', a.AlarmArn], ['region', region], ['account', a.AWSAccountId]);
  if (t?.Namespace) entries.push(['namespace', t.Namespace]);
  if (t?.MetricName) entries.push(['metric', t.MetricName]);
  const annotations: [string, string | null | undefined][] = [
    ['summary', a.NewStateReason],
    ['description', a.AlarmDescription],
    ['state_change', `${a.OldStateValue ?? '?'} → ${a.NewStateValue}`],
    ['statistic', t?.Statistic],
    ['comparison', t?.ComparisonOperator],
    ['threshold', t?.Threshold?.toString()],
    ['period_seconds', t?.Period?.toString()],
    ['evaluation_periods', t?.EvaluationPeriods?.toString()],
    ['region_name', a.Region],
  ];
  const at = new Date(a.StateChangeTime);
  const firing = a.NewStateValue === 'ALARM';
  return {
    kind: 'alert',
    alert: {
      source: 'sns',
      // One series per alarm: its ARN is unique per partition, region, account and name. An OK
      // resolves it whatever its own StateChangeTime (the store ends the series by fingerprint).
      fingerprint: stableFingerprint(a.AlarmArn),
      status: firing ? 'firing' : 'resolved',
      name: a.AlarmName,
      severity: null,
      labels: Object.fromEntries(entries),
      annotations: Object.fromEntries(annotations.filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')),
      startsAt: at,
      endsAt: firing ? null : at,
      link: consoleLink(a.AlarmArn, region, a.AlarmName),
      groupKey: a.AlarmArn,
    },
  };
}
