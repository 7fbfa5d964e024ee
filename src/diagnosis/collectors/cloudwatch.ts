// CPU of an Auto Scaling group from CloudWatch. One GetMetricData call fetches both statistics so the
// two numbers describe the same window. Metric math is deliberately not used: plain MetricStat is
// what every CloudWatch-compatible backend (moto included) answers.
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { CollectorOptions } from './autoscaling.ts';

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

/** Provenance string shown on the signal, e.g. `CloudWatch AWS/EC2 CPUUtilization {AutoScalingGroupName=web-asg} Average 60s`. */
export function cpuQuery(asgName: string, stat: CpuStatistic, periodSeconds = CPU_PERIOD_SECONDS): string {
  return `CloudWatch AWS/EC2 CPUUtilization {AutoScalingGroupName=${asgName}} ${stat} ${periodSeconds}s`;
}

export async function getAsgCpu(client: CloudWatchClient, asgName: string, opts: CpuQueryOptions): Promise<CpuStats> {
  const period = opts.periodSeconds ?? CPU_PERIOD_SECONDS;
  const windowMs = (opts.windowMinutes ?? CPU_WINDOW_MINUTES) * 60_000;
  const stat = (id: string, s: CpuStatistic) => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/EC2',
        MetricName: 'CPUUtilization',
        Dimensions: [{ Name: 'AutoScalingGroupName', Value: asgName }],
      },
      Period: period,
      Stat: s,
    },
    ReturnData: true,
  });

  const values: Record<string, number[]> = { avg: [], max: [] };
  let nextToken: string | undefined;
  // Pagination only matters for long windows, but a silently truncated window would skew the mean.
  do {
    const out = await client.send(
      new GetMetricDataCommand({
        MetricDataQueries: [stat('avg', 'Average'), stat('max', 'Maximum')],
        StartTime: new Date(opts.now.getTime() - windowMs),
        EndTime: opts.now,
        NextToken: nextToken,
      }),
      opts.abortSignal ? { abortSignal: opts.abortSignal } : {},
    );
    for (const r of out.MetricDataResults ?? []) collect(values, r);
    nextToken = out.NextToken;
  } while (nextToken);

  const avg = values.avg ?? [];
  const max = values.max ?? [];
  return {
    average: avg.length ? avg.reduce((a, b) => a + b, 0) / avg.length : null,
    maximum: max.length ? Math.max(...max) : null,
    minAverage: avg.length ? Math.min(...avg) : null,
    datapoints: avg.length,
  };
}

function collect(into: Record<string, number[]>, r: MetricDataResult): void {
  if (r.StatusCode === 'Forbidden' || r.StatusCode === 'InternalError') {
    throw new Error(`GetMetricData ${r.Id ?? '?'}: ${r.StatusCode} ${r.Messages?.map((m) => m.Value).join('; ') ?? ''}`.trim());
  }
  const bucket = r.Id ? into[r.Id] : undefined;
  if (!bucket) return;
  for (const v of r.Values ?? []) if (Number.isFinite(v)) bucket.push(v);
}
