// Reads one Auto Scaling group's capacity and instance health. Returns plain numbers so rules stay
// pure; a missing group is a value (null), not an exception, because "not found" is a diagnosis.
import { DescribeAutoScalingGroupsCommand, type AutoScalingClient, type AutoScalingGroup } from '@aws-sdk/client-auto-scaling';

export interface AsgState {
  name: string;
  desired: number;
  min: number;
  max: number;
  /** Instances in lifecycle state InService. */
  inService: number;
  /** InService instances that Auto Scaling reports Healthy (so healthy <= inService). */
  healthy: number;
  /** All instances attached, whatever their lifecycle state (Pending, Terminating …). */
  instances: number;
}

export interface CollectorOptions {
  abortSignal?: AbortSignal;
}

/** Provenance string shown next to each capacity signal, so a human can re-run the call. */
export function asgQuery(name: string, field: string): string {
  return `AutoScaling DescribeAutoScalingGroups AutoScalingGroupNames=[${name}] → ${field}`;
}

export async function describeAsg(
  client: AutoScalingClient,
  name: string,
  opts: CollectorOptions = {},
): Promise<AsgState | null> {
  const group = await findGroup(client, name, opts);
  return group ? asgStateOf(name, group) : null;
}

/** The group as DescribeAutoScalingGroups returns it, for collectors that need more than AsgState. */
export async function findGroup(client: AutoScalingClient, name: string, opts: CollectorOptions = {}): Promise<AutoScalingGroup | null> {
  const out = await client.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
    opts.abortSignal ? { abortSignal: opts.abortSignal } : {},
  );
  // The API filters by name, but match exactly anyway: a wrong group's numbers would be worse than none.
  return (out.AutoScalingGroups ?? []).find((g) => g.AutoScalingGroupName === name) ?? null;
}

export function asgStateOf(name: string, group: AutoScalingGroup): AsgState {
  const instances = group.Instances ?? [];
  const inService = instances.filter((i) => i.LifecycleState === 'InService');
  return {
    name,
    desired: group.DesiredCapacity ?? 0,
    min: group.MinSize ?? 0,
    max: group.MaxSize ?? 0,
    inService: inService.length,
    healthy: inService.filter((i) => i.HealthStatus === 'Healthy').length,
    instances: instances.length,
  };
}
