// Pure pieces of the unhealthy-instance rule that do not decide anything: the signals it shows and
// the sentences that describe the group and its CPU, so the rule file holds only the decisions.
import type { Hypothesis } from '../../domain/diagnosis.ts';
import type { Signal } from '../../domain/signal.ts';
import { asgQuery } from '../collectors/autoscaling.ts';
import { CPU_PERIOD_SECONDS, CPU_WINDOW } from '../collectors/cloudwatch.ts';
import { instanceCpuQuery, type AsgDetail, type AsgMember, type InstanceCpu } from '../collectors/instances.ts';
import { metricQuery } from '../collectors/metric-query.ts';
import type { Collected } from '../engine.ts';
import { pct, r1 } from './format.ts';
import type { CpuSpread } from './instance-spread.ts';
import { makeSignal } from './signals.ts';

/** A card has room for a few dozen lines; the reasoning names the rest. */
export const MAX_INSTANCE_SIGNALS = 20;

/** How Auto Scaling itself will treat an instance it marks Unhealthy, from the suspended processes. */
export type SelfHeal =
  | { kind: 'replaces' }
  | { kind: 'blocked'; process: 'ReplaceUnhealthy' | 'Terminate' }
  | { kind: 'no-launch' };

/**
 * AWS EC2 Auto Scaling User Guide, "How suspended processes affect other processes": with
 * ReplaceUnhealthy suspended, Unhealthy instances are still marked but not replaced; with Terminate
 * suspended, ReplaceUnhealthy is inactive; with Launch suspended, ReplaceUnhealthy terminates
 * Unhealthy instances without launching replacements. HealthCheck suspended only stops new marks
 * from EC2/ELB checks, so an instance already Unhealthy is still replaced.
 */
export function selfHealOf(g: Pick<AsgDetail, 'suspendedProcesses'>): SelfHeal {
  const sp = new Set(g.suspendedProcesses);
  if (sp.has('Launch')) return { kind: 'no-launch' };
  if (sp.has('ReplaceUnhealthy')) return { kind: 'blocked', process: 'ReplaceUnhealthy' };
  if (sp.has('Terminate')) return { kind: 'blocked', process: 'Terminate' };
  return { kind: 'replaces' };
}

/** Whether a failing load balancer health check makes Auto Scaling mark an instance Unhealthy. */
export function usesElbChecks(g: Pick<AsgDetail, 'healthCheckType'>): boolean {
  return g.healthCheckType.split(',').map((t) => t.trim().toUpperCase()).includes('ELB');
}

export function groupSentences(name: string, g: AsgDetail, unhealthy: number): string[] {
  const inService = g.members.filter((m) => m.lifecycleState === 'InService').length;
  const others = g.members.length - inService;
  const heal = selfHealOf(g);
  const checks = usesElbChecks(g)
    ? 'It marks an instance Unhealthy when EC2 status checks or the load balancer health checks fail (health check type ELB).'
    : `It marks an instance Unhealthy only on failed EC2 status checks (health check type ${g.healthCheckType}): an instance failing its load balancer health checks stays Healthy to Auto Scaling.`;
  const healing = heal.kind === 'replaces'
    ? `No process that replaces Unhealthy instances is suspended${g.suspendedProcesses.length ? ` (suspended: ${g.suspendedProcesses.join(', ')})` : ''}, so Auto Scaling replaces an instance it marks Unhealthy by itself, usually within minutes.`
    : heal.kind === 'blocked'
      ? `${heal.process} is suspended, so Auto Scaling will not replace Unhealthy instances by itself.`
      : 'Launch is suspended, so Auto Scaling would terminate an Unhealthy instance without launching a replacement.';
  return [
    `${name} has desired capacity ${g.desired} (MaxSize ${g.max}); ${inService} instance${inService === 1 ? ' is' : 's are'} in service (${unhealthy} of them Unhealthy according to Auto Scaling)${others ? `, ${others} more in another lifecycle state` : ''}.`,
    checks,
    healing,
  ];
}

export function groupSignals(name: string, g: AsgDetail | null, error: string | undefined): Signal[] {
  const inService = g?.members.filter((m) => m.lifecycleState === 'InService') ?? [];
  const as = (id: string, label: string, field: string, value: number | undefined, threshold: number | null = null) =>
    makeSignal(id, label, 'autoscaling', asgQuery(name, field), 'now', value, 'instances', threshold, threshold === null ? null : '>', error);
  return [
    as('desired-capacity', 'Desired capacity', 'DesiredCapacity', g?.desired),
    as('max-size', 'Max size', 'MaxSize', g?.max),
    as('in-service', 'In-service instances', 'Instances[LifecycleState=InService]', g ? inService.length : undefined),
    as('unhealthy', 'Unhealthy in-service instances', 'Instances[InService, HealthStatus=Unhealthy]', g ? inService.filter((m) => m.healthStatus !== 'Healthy').length : undefined, 0),
  ];
}

/**
 * One CPU signal per in-service instance (subject first, then hottest first, at most
 * MAX_INSTANCE_SIGNALS); its threshold is the outlier line, peers' median + outlier_delta.
 */
export function cpuSignals(members: AsgMember[], cpu: Collected<Record<string, InstanceCpu>> | null, spread: CpuSpread, outlierDelta: number, subject: string | null): Signal[] {
  if (!cpu) return [];
  if (!cpu.ok) {
    const all = metricQuery({ namespace: 'AWS/EC2', metric: 'CPUUtilization', dimensions: { InstanceId: '<each in-service instance>' }, stat: 'Average', periodSeconds: CPU_PERIOD_SECONDS });
    return [makeSignal('instance-cpu', `CPU average per instance (${CPU_WINDOW})`, 'cloudwatch', all, CPU_WINDOW, null, '%', null, null, cpu.error)];
  }
  const value = (id: string) => cpu.value[id]?.average ?? -1;
  const rank = (id: string) => (id === subject ? 0 : 1);
  const ordered = members
    .filter((m) => m.lifecycleState === 'InService')
    .sort((a, b) => rank(a.instanceId) - rank(b.instanceId) || value(b.instanceId) - value(a.instanceId));
  return ordered.slice(0, MAX_INSTANCE_SIGNALS).map((m) => {
    const c = cpu.value[m.instanceId];
    const cmp = spread.comparisons[m.instanceId];
    const threshold = cmp ? r1(cmp.peersMedian + outlierDelta) : null;
    return makeSignal(`cpu-${m.instanceId}`,
      `CPU average of ${m.instanceId} (${m.availabilityZone}, ${m.healthStatus})${cmp ? ` vs peers' median ${pct(cmp.peersMedian)} + ${outlierDelta}` : ''}`,
      'cloudwatch', instanceCpuQuery(m.instanceId), CPU_WINDOW, c?.average, '%', threshold, threshold === null ? null : '>',
      !c || c.datapoints === 0 ? `no datapoints in the last ${CPU_WINDOW}` : undefined);
  });
}

export function cpuSentences(cpu: Collected<Record<string, InstanceCpu>> | null, spread: CpuSpread, thresholdCpu: number, inService: AsgMember[]): string[] {
  if (!cpu) return [];
  if (!cpu.ok) return [`Per-instance CPU could not be read (${cpu.error}), so no instance can be compared with its peers.`];
  const N = inService.length;
  if (spread.withCpu === 0) return [`None of the ${N} in-service instances has CPU datapoints in the last ${CPU_WINDOW}.`];
  const missing = inService.filter((m) => (cpu.value[m.instanceId]?.datapoints ?? 0) === 0);
  return [
    `Per-instance CPU over the last ${CPU_WINDOW} (Average of 60 s periods): median ${pct(spread.median ?? 0)} across ${spread.withCpu} of ${N} in-service instances; ${spread.hot} above the ${pct(thresholdCpu)} threshold.`,
    ...(missing.length ? [`${missing.length} instance${missing.length === 1 ? ' has' : 's have'} no CPU datapoints (${ids(missing)}), so confidence is reduced.`] : []),
    ...(N > MAX_INSTANCE_SIGNALS ? [`Signals show ${MAX_INSTANCE_SIGNALS} of the ${N} instances: the one in question first, then the hottest.`] : []),
  ];
}

export function lifecycleNote(m: AsgMember): string {
  const st = m.lifecycleState;
  if (st.startsWith('Terminating') || st === 'Terminated') return 'Auto Scaling is already terminating it';
  if (st.startsWith('Pending') || st.startsWith('Warmed')) return 'it is still starting and not yet serving';
  if (st.includes('Standby')) return 'someone took it out of service on purpose (Standby)';
  if (st.startsWith('Detach')) return 'it is being detached from the group';
  return 'it is not serving traffic for the group';
}

export function zoneHypothesis(unhealthy: AsgMember[], inService: AsgMember[]): Hypothesis[] {
  const zones = new Set(unhealthy.map((m) => m.availabilityZone));
  const [zone] = zones;
  if (zones.size !== 1 || !zone || inService.every((m) => m.availabilityZone === zone)) return [];
  return [{ statement: `A problem in ${zone}: every Unhealthy instance is there.`, confidence: 0.4 }];
}

export const ids = (ms: AsgMember[]) => ms.slice(0, 5).map((m) => m.instanceId).join(', ') + (ms.length > 5 ? ` and ${ms.length - 5} more` : '');
