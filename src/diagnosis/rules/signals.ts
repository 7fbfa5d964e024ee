// Pure: the signals the capacity rules show, each with the query a human can re-run. A collector
// that failed gives a signal with `error` set and no value — shown as unavailable, never invented.
// Ids and queries match cpu-saturation's, so the same fact reads the same on every card.
import { compare, type Comparison, type Signal } from '../../domain/signal.ts';
import { asgQuery, type AsgState } from '../collectors/autoscaling.ts';
import { CPU_WINDOW, cpuQuery, type CpuStats } from '../collectors/cloudwatch.ts';
import { activitiesQuery, type RecentActivities } from '../collectors/scaling-activities.ts';
import type { Collected } from '../engine.ts';
import { r1 } from './format.ts';

export function makeSignal(id: string, label: string, source: Signal['source'], query: string, window: string, v: number | null | undefined,
  unit: string, threshold: number | null, comparison: Comparison | null, error: string | undefined): Signal {
  const value = error !== undefined || v === null || v === undefined ? null : r1(v);
  const breached = value !== null && threshold !== null && comparison ? compare(value, comparison, threshold) : null;
  return { id, label, source, query, window, value, unit, threshold, comparison, breached, ...(error !== undefined ? { error } : {}) };
}

export interface Bound { threshold: number; comparison: Comparison }

/** CPU average and maximum over the CPU window, each optionally against a threshold. */
export function cpuSignals(name: string, cpu: Collected<CpuStats> | null, avg: Bound | null, max: Bound | null): Signal[] {
  const err = cpu && !cpu.ok ? cpu.error : cpu?.ok && cpu.value.datapoints === 0 ? `no datapoints in the last ${CPU_WINDOW}` : undefined;
  const v = cpu?.ok ? cpu.value : null;
  const cw = (id: string, label: string, stat: 'Average' | 'Maximum', value: number | null | undefined, b: Bound | null) =>
    makeSignal(id, label, 'cloudwatch', cpuQuery(name, stat), CPU_WINDOW, value, '%', b?.threshold ?? null, b?.comparison ?? null, err);
  return [
    cw('cpu-avg', `CPU average (${CPU_WINDOW})`, 'Average', v?.average, avg),
    cw('cpu-max', `CPU maximum (${CPU_WINDOW})`, 'Maximum', v?.maximum, max),
  ];
}

/** Capacity and instance health, as DescribeAutoScalingGroups reported them. */
export function groupSignals(name: string, group: Collected<AsgState | null> | null): Signal[] {
  const err = group && !group.ok ? group.error : group?.ok && !group.value ? `no Auto Scaling group named ${name}` : undefined;
  const g = group?.ok ? group.value : null;
  const as = (id: string, label: string, field: string, v: number | undefined) =>
    makeSignal(id, label, 'autoscaling', asgQuery(name, field), 'now', v, 'instances', null, null, err);
  return [
    as('desired-capacity', 'Desired capacity', 'DesiredCapacity', g?.desired),
    as('min-size', 'Min size', 'MinSize', g?.min),
    as('max-size', 'Max size', 'MaxSize', g?.max),
    as('in-service', 'In-service instances', 'Instances[LifecycleState=InService]', g?.inService),
    as('healthy', 'Healthy in-service instances', 'Instances[InService, HealthStatus=Healthy]', g?.healthy),
  ];
}

/** How many scaling activities are unfinished or ended within the window. */
export function activitiesSignal(name: string, acts: Collected<RecentActivities>, windowMinutes: number): Signal {
  const w = acts.ok ? acts.value.windowMinutes : windowMinutes;
  return makeSignal('scaling-activities', `Scaling activities (${w}m)`, 'autoscaling', activitiesQuery(name, w), `${w}m`,
    acts.ok ? acts.value.activities.length : null, 'activities', null, null, acts.ok ? undefined : acts.error);
}
