// CPU of an Auto Scaling group from CloudWatch. One GetMetricData call fetches both statistics so the
// two numbers describe the same window. Metric math is deliberately not used: plain MetricStat is
// what every CloudWatch-compatible backend (moto included) answers.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CollectorOptions } from './autoscaling.ts';
import { getMetricData, maxOf, meanOf, metricQuery, minOf, type MetricSpec } from './metric-query.ts';

export type CpuStatistic = 'Average' | 'Maximum';

export const CPU_WINDOW_MINUTES = 15;
export const CPU_PERIOD_SECONDS = 60;
export const CPU_WINDOW = `${CPU_WINDOW_MINUTES}m`;

export interface CpuStats {
  /** Mean of the per-period Average datapoints over the window; null when there are none. */
  average: number | null;
  /** Highest per-period Maximum datapoint over the window. */
  maximum: number | null;
  /** Lowest per-period Average: tells "above threshold all window" from "mean pulled up by a spike". */
  minAverage: number | null;
  /** Number of Average datapoints behind `average` (basic monitoring gives ~3 per 15 min). */
  datapoints: number;
}

export interface CpuQueryOptions extends CollectorOptions {
  now: Date;
  windowMinutes?: number;
  periodSeconds?: number;
}

function asgCpuSpec(asgName: string, stat: CpuStatistic, periodSeconds: number): MetricSpec {
  return { namespace: 'AWS/EC2', metric: 'CPUUtilization', dimensions: { AutoScalingGroupName: asgName }, stat, periodSeconds };
}

/** Provenance string shown on the signal, e.g. `CloudWatch AWS/EC2 CPUUtilization {AutoScalingGroupName=web-asg} Average 60s`. */
export function cpuQuery(asgName: string, stat: CpuStatistic, periodSeconds = CPU_PERIOD_SECONDS): string {
  return metricQuery(asgCpuSpec(asgName, stat, periodSeconds));
}

export async function getAsgCpu(client: CloudWatchClient, asgName: string, opts: CpuQueryOptions): Promise<CpuStats> {
  const period = opts.periodSeconds ?? CPU_PERIOD_SECONDS;
  const series = await getMetricData(client, [
    { id: 'avg', spec: asgCpuSpec(asgName, 'Average', period) },
    { id: 'max', spec: asgCpuSpec(asgName, 'Maximum', period) },
  ], { now: opts.now, windowMinutes: opts.windowMinutes ?? CPU_WINDOW_MINUTES, ...(opts.abortSignal ? { abortSignal: opts.abortSignal } : {}) });
  const avg = series.avg?.values ?? [];
  const max = series.max?.values ?? [];
  return { average: meanOf(avg), maximum: maxOf(max), minAverage: minOf(avg), datapoints: avg.length };
}
