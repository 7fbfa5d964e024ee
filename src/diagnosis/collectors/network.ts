// Network traffic of an Auto Scaling group: AWS/EC2 NetworkIn and NetworkOut by AutoScalingGroupName.
//
// Statistic: Sum over 300-second periods, turned into bytes per second of the whole group.
// NetworkIn/Out count the bytes moved during each datapoint's own interval, and that interval is
// 5 minutes under basic monitoring but 1 minute under detailed monitoring (AWS EC2 User Guide,
// instance metrics, NetworkIn: "divide this number by 300 … If you have detailed (one-minute)
// monitoring, divide it by 60").
// Average would be the mean of the per-instance datapoints, so it would change with the monitoring
// granularity and with how many instances reported; Sum over a 5-minute period counts every byte
// the group moved either way, and Sum / 300 is a rate that means the same thing in both cases.
// The newest period may still lack the last minute or two of data (EC2 publishes with a delay),
// which is why the peak period is reported next to the mean.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CollectorOptions } from './autoscaling.ts';
import { CPU_WINDOW_MINUTES } from './cloudwatch.ts';
import { getMetricData, maxOf, meanOf, metricQuery, type MetricSpec } from './metric-query.ts';

export type NetworkMetric = 'NetworkIn' | 'NetworkOut';

export const NETWORK_PERIOD_SECONDS = 300;

export interface RateStats {
  /** Mean over the window's periods of (bytes in the period / period seconds); null without datapoints. */
  meanBytesPerSecond: number | null;
  /** The busiest period's rate. */
  peakBytesPerSecond: number | null;
  datapoints: number;
}

export interface NetworkStats {
  in: RateStats;
  out: RateStats;
}

export interface NetworkOptions extends CollectorOptions {
  now: Date;
  windowMinutes?: number;
}

export function networkSpec(asgName: string, metric: NetworkMetric): MetricSpec {
  return { namespace: 'AWS/EC2', metric, dimensions: { AutoScalingGroupName: asgName }, stat: 'Sum', periodSeconds: NETWORK_PERIOD_SECONDS };
}

/** e.g. `CloudWatch AWS/EC2 NetworkIn {AutoScalingGroupName=web-asg} Sum 300s`. */
export function networkQuery(asgName: string, metric: NetworkMetric): string {
  return metricQuery(networkSpec(asgName, metric));
}

export async function getAsgNetwork(client: CloudWatchClient, asgName: string, opts: NetworkOptions): Promise<NetworkStats> {
  const series = await getMetricData(client, [
    { id: 'netin', spec: networkSpec(asgName, 'NetworkIn') },
    { id: 'netout', spec: networkSpec(asgName, 'NetworkOut') },
  ], { now: opts.now, windowMinutes: opts.windowMinutes ?? CPU_WINDOW_MINUTES, ...(opts.abortSignal ? { abortSignal: opts.abortSignal } : {}) });
  const rate = (values: number[]): RateStats => {
    const perSecond = values.map((v) => v / NETWORK_PERIOD_SECONDS);
    return { meanBytesPerSecond: meanOf(perSecond), peakBytesPerSecond: maxOf(perSecond), datapoints: values.length };
  };
  return { in: rate(series.netin?.values ?? []), out: rate(series.netout?.values ?? []) };
}
