// What the users of an Auto Scaling group see through its Application Load Balancer target group:
// response time, 5xx answers from the targets, and request volume — read only when policy names
// the target group (`req.targetGroup(asg)`), since nothing in the alert or the group says which one.
//
// Dimensions and statistics, per "CloudWatch metrics for your Application Load Balancer" (AWS Elastic
// Load Balancing User Guide, docs.aws.amazon.com/elasticloadbalancing/latest/application/
// load-balancer-cloudwatch-metrics.html; the same table is in aws-cdk-lib's generated
// ApplicationELBMetrics):
// - TargetResponseTime, HTTPCode_Target_5XX_Count, RequestCount: published per LoadBalancer, per
//   (LoadBalancer, AvailabilityZone), per (LoadBalancer, TargetGroup) and per (LoadBalancer,
//   TargetGroup, AvailabilityZone). The (LoadBalancer, TargetGroup) set is the one for this group.
//   TargetResponseTime's useful statistics are Average and percentiles; the counts' only useful
//   statistic is Sum (Minimum, Maximum and Average of HTTPCode_* all return 1).
// - RequestCountPerTarget: per TargetGroup and per (LoadBalancer, TargetGroup); "you must specify
//   the target group using the TargetGroup dimension", and the only valid statistic is Sum, which
//   here already is the average per target. TargetGroup alone covers a target group shared by
//   several load balancers.
// - The counts and TargetResponseTime are reported only when non-zero; RequestCountPerTarget is
//   always reported. So: no 5xx datapoints while RequestCountPerTarget has some = zero 5xx.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { TargetGroupRef } from '../engine.ts';
import type { CollectorOptions } from './autoscaling.ts';
import { CPU_PERIOD_SECONDS, CPU_WINDOW_MINUTES } from './cloudwatch.ts';
import { getMetricData, maxOf, meanOf, metricQuery, sumOf, type MetricSpec, type Statistic } from './metric-query.ts';

export type AlbMetric = 'TargetResponseTime' | 'HTTPCode_Target_5XX_Count' | 'RequestCount' | 'RequestCountPerTarget';

export interface LoadBalancerStats {
  /** Seconds, from the target's view (TargetResponseTime). */
  responseTime: { average: number | null; maximum: number | null; datapoints: number };
  /** Total over the window (Sum of per-period Sums); 0 also when no datapoint was reported. */
  target5xx: { sum: number; datapoints: number };
  requests: { sum: number; datapoints: number };
  /** Requests each target received over the window (Sum of RequestCountPerTarget per-period Sums). */
  requestsPerTarget: { sum: number; datapoints: number };
}

export interface LoadBalancerOptions extends CollectorOptions {
  now: Date;
  windowMinutes?: number;
  periodSeconds?: number;
}

export function albSpec(ref: TargetGroupRef, metric: AlbMetric, stat: Statistic, periodSeconds = CPU_PERIOD_SECONDS): MetricSpec {
  const dimensions: Record<string, string> = metric === 'RequestCountPerTarget'
    ? { TargetGroup: ref.targetGroup }
    : { LoadBalancer: ref.loadBalancer, TargetGroup: ref.targetGroup };
  return { namespace: 'AWS/ApplicationELB', metric, dimensions, stat, periodSeconds };
}

/** e.g. `CloudWatch AWS/ApplicationELB TargetResponseTime {LoadBalancer=app/web/1,TargetGroup=targetgroup/web-tg/2} Average 60s`. */
export function albQuery(ref: TargetGroupRef, metric: AlbMetric, stat: Statistic, periodSeconds = CPU_PERIOD_SECONDS): string {
  return metricQuery(albSpec(ref, metric, stat, periodSeconds));
}

/** One GetMetricData call for all five series, so they describe the same window. */
export async function getTargetGroupStats(client: CloudWatchClient, ref: TargetGroupRef, opts: LoadBalancerOptions): Promise<LoadBalancerStats> {
  const p = opts.periodSeconds ?? CPU_PERIOD_SECONDS;
  const series = await getMetricData(client, [
    { id: 'rtavg', spec: albSpec(ref, 'TargetResponseTime', 'Average', p) },
    { id: 'rtmax', spec: albSpec(ref, 'TargetResponseTime', 'Maximum', p) },
    { id: 'err5xx', spec: albSpec(ref, 'HTTPCode_Target_5XX_Count', 'Sum', p) },
    { id: 'requests', spec: albSpec(ref, 'RequestCount', 'Sum', p) },
    { id: 'pertarget', spec: albSpec(ref, 'RequestCountPerTarget', 'Sum', p) },
  ], { now: opts.now, windowMinutes: opts.windowMinutes ?? CPU_WINDOW_MINUTES, ...(opts.abortSignal ? { abortSignal: opts.abortSignal } : {}) });
  const values = (id: string) => series[id]?.values ?? [];
  const count = (id: string) => ({ sum: sumOf(values(id)), datapoints: values(id).length });
  return {
    // The mean of per-minute averages, not weighted by requests: a quiet slow minute counts as much
    // as a busy one, which is what a "was it slow?" question wants.
    responseTime: { average: meanOf(values('rtavg')), maximum: maxOf(values('rtmax')), datapoints: values('rtavg').length },
    target5xx: count('err5xx'),
    requests: count('requests'),
    requestsPerTarget: count('pertarget'),
  };
}
