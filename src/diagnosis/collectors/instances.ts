// The members of one Auto Scaling group and the CPU of each, so a rule can tell one sick instance
// from a sick group. Membership, lifecycle and health come from the same DescribeAutoScalingGroups
// answer as the capacity numbers (no EC2 call, no extra permission); per-instance CPU is one
// GetMetricData query per instance, batched by the helper to 500 queries per call.
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { asgStateOf, findGroup, type AsgState, type CollectorOptions } from './autoscaling.ts';
import { CPU_PERIOD_SECONDS, CPU_WINDOW_MINUTES } from './cloudwatch.ts';
import { getMetricData, meanOf, metricQuery, type MetricSpec } from './metric-query.ts';

export interface AsgMember {
  instanceId: string;
  /** InService, Pending, Terminating, Standby … */
  lifecycleState: string;
  /** Auto Scaling's own verdict: Healthy or Unhealthy. */
  healthStatus: string;
  availabilityZone: string;
}

export interface AsgDetail extends AsgState {
  /**
   * EC2 or ELB (or VPC_LATTICE, EBS …, comma-joined as AWS reports them). EC2 status checks always
   * count; a load balancer's health checks mark instances Unhealthy only when ELB is listed.
   */
  healthCheckType: string;
  /**
   * Suspended processes, e.g. ReplaceUnhealthy. Auto Scaling replaces an Unhealthy InService
   * instance by itself unless ReplaceUnhealthy (or Terminate) is suspended; with Launch suspended
   * it terminates it without a replacement (AWS EC2 Auto Scaling User Guide, "How suspended
   * processes affect other processes").
   */
  suspendedProcesses: string[];
  members: AsgMember[];
}

export interface InstanceCpu {
  /** Mean of the per-period Average datapoints over the window; null when there are none. */
  average: number | null;
  datapoints: number;
}

export interface InstanceCpuOptions extends CollectorOptions {
  now: Date;
  windowMinutes?: number;
  periodSeconds?: number;
}

/** The group with its members; null when no group has that name. */
export async function describeAsgDetail(client: AutoScalingClient, name: string, opts: CollectorOptions = {}): Promise<AsgDetail | null> {
  const group = await findGroup(client, name, opts);
  if (!group) return null;
  return {
    ...asgStateOf(name, group),
    healthCheckType: group.HealthCheckType ?? 'EC2',
    suspendedProcesses: (group.SuspendedProcesses ?? []).flatMap((p) => (p.ProcessName ? [p.ProcessName] : [])).sort(),
    members: (group.Instances ?? []).map((i) => ({
      instanceId: i.InstanceId ?? '?',
      lifecycleState: i.LifecycleState ?? 'unknown',
      healthStatus: i.HealthStatus ?? 'unknown',
      availabilityZone: i.AvailabilityZone ?? 'unknown',
    })),
  };
}

export function instanceCpuSpec(instanceId: string, periodSeconds = CPU_PERIOD_SECONDS): MetricSpec {
  return { namespace: 'AWS/EC2', metric: 'CPUUtilization', dimensions: { InstanceId: instanceId }, stat: 'Average', periodSeconds };
}

/** e.g. `CloudWatch AWS/EC2 CPUUtilization {InstanceId=i-0abc} Average 60s`. */
export function instanceCpuQuery(instanceId: string, periodSeconds = CPU_PERIOD_SECONDS): string {
  return metricQuery(instanceCpuSpec(instanceId, periodSeconds));
}

/** Average CPU of each instance over the window, keyed by instance id (every id present). */
export async function getInstanceCpu(client: CloudWatchClient, instanceIds: readonly string[], opts: InstanceCpuOptions): Promise<Record<string, InstanceCpu>> {
  const ids = [...new Set(instanceIds)];
  // Instance ids contain `-`, which query ids may not: number them instead.
  const queries = ids.map((id, n) => ({ id: `i${n}`, spec: instanceCpuSpec(id, opts.periodSeconds) }));
  const series = await getMetricData(client, queries, {
    now: opts.now,
    windowMinutes: opts.windowMinutes ?? CPU_WINDOW_MINUTES,
    ...(opts.abortSignal ? { abortSignal: opts.abortSignal } : {}),
  });
  const out: Record<string, InstanceCpu> = {};
  ids.forEach((id, n) => {
    const values = series[`i${n}`]?.values ?? [];
    out[id] = { average: meanOf(values), datapoints: values.length };
  });
  return out;
}
