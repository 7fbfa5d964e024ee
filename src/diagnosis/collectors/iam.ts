// The AWS reads the diagnosis collectors send, as IAM actions, so the bot's role can be granted
// exactly these (`infra-agent iam-policy`). None of them supports resource-level permissions,
// so they are granted on `*`; they are reads only. A unit test scans the collectors for the SDK
// commands they send and fails when one is missing here: a new collector (DescribeScalingActivities,
// DescribeAlarms …) adds its line in the same change, or the bot would be denied in production.
export interface CollectorRead {
  /** The SDK command class the collector sends. */
  command: string;
  /** The IAM action that authorises it. */
  action: string;
}

export const collectorReads: readonly CollectorRead[] = [
  { command: 'DescribeAutoScalingGroupsCommand', action: 'autoscaling:DescribeAutoScalingGroups' },
  { command: 'DescribeScalingActivitiesCommand', action: 'autoscaling:DescribeScalingActivities' },
  { command: 'GetMetricDataCommand', action: 'cloudwatch:GetMetricData' },
  { command: 'DescribeAlarmsCommand', action: 'cloudwatch:DescribeAlarms' },
];

export const collectorReadActions: readonly string[] = collectorReads.map((r) => r.action);
