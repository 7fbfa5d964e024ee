// Traffic around an Auto Scaling group, for any rule: network in/out of the group and, when policy
// names its load balancer target group, what users see (response time, 5xx answers, requests).
//
//   // in `collect` (I/O; never throws — each read becomes a Collected value):
//   const traffic = await collectTraffic(ctx, req, asgName);
//   // in `diagnose` (pure):
//   const t = trafficSignals(traffic);                     // or trafficSignals(traffic, { responseTimeMs: 500 })
//   signals.push(...t.signals); reasoning.push(...t.reasoning);
//   confidence *= t.confidenceFactor;                      // < 1 when a read failed or returned nothing
//   if (t.facts.target5xx) …                               // numbers a rule may branch on
//
// Signal ids: network-in, network-out (KB/s of the whole group, mean over the window; "no data" when
// CloudWatch has none, which is not counted as unavailable);
// lb-response-time-avg, lb-response-time-max (ms), lb-target-5xx (count, breached when > 0),
// lb-requests, lb-requests-per-target (counts over the window). Load balancer signals are absent when
// policy names no target group; a failed or empty read yields the same signals with `error` set.
import type { Signal } from '../../domain/signal.ts';
import type { CollectContext, Collected, DiagnoseRequest, TargetGroupRef } from '../engine.ts';
import { r1, r2 } from '../rules/format.ts';
import { makeSignal } from '../rules/signals.ts';
import { CPU_WINDOW } from './cloudwatch.ts';
import { albQuery, getTargetGroupStats, type AlbMetric, type LoadBalancerStats } from './load-balancer.ts';
import type { Statistic } from './metric-query.ts';
import { getAsgNetwork, networkQuery, type NetworkStats, type RateStats } from './network.ts';

export interface TrafficObservations {
  asgName: string;
  network: Collected<NetworkStats>;
  /** null = policy names no target group for this group, so no load balancer metric was read. */
  targetGroup: TargetGroupRef | null;
  loadBalancer: Collected<LoadBalancerStats> | null;
}

export interface TrafficThresholds {
  /** Average target response time above this is breached; null = no threshold (the default). */
  responseTimeMs: number | null;
  /** 5xx answers from the targets above this count over the window are breached (default 0). */
  target5xx: number;
}

export interface TrafficSummary {
  signals: Signal[];
  reasoning: string[];
  /** Reads (network, load balancer) that failed or returned no datapoints. */
  unavailable: number;
  /** 0.9 per unavailable read: multiply the rule's confidence by it. */
  confidenceFactor: number;
  facts: { target5xx: number | null; responseTimeMs: number | null; requests: number | null };
}

export const DEFAULT_TRAFFIC_THRESHOLDS: TrafficThresholds = { responseTimeMs: null, target5xx: 0 };

/** Reads network and (when policy names one) target group metrics in parallel, each bounded by `ctx.run`. */
export async function collectTraffic(ctx: CollectContext, req: DiagnoseRequest, asgName: string): Promise<TrafficObservations> {
  const targetGroup = req.targetGroup(asgName);
  const [network, loadBalancer] = await Promise.all([
    ctx.run('CloudWatch GetMetricData (network)', (abortSignal) => getAsgNetwork(ctx.cloudwatch, asgName, { now: ctx.now, abortSignal })),
    targetGroup
      ? ctx.run('CloudWatch GetMetricData (load balancer)', (abortSignal) => getTargetGroupStats(ctx.cloudwatch, targetGroup, { now: ctx.now, abortSignal }))
      : Promise.resolve(null),
  ]);
  return { asgName, network, targetGroup, loadBalancer };
}

/** Pure: the observations as signals with provenance, and sentences with the observed numbers. */
export function trafficSignals(obs: TrafficObservations, thresholds: Partial<TrafficThresholds> = {}): TrafficSummary {
  const t = { ...DEFAULT_TRAFFIC_THRESHOLDS, ...thresholds };
  const net = networkPart(obs);
  const lb = loadBalancerPart(obs, t);
  const unavailable = (net.unavailable ? 1 : 0) + (lb.unavailable ? 1 : 0);
  return {
    signals: [...net.signals, ...lb.signals],
    reasoning: [...net.reasoning, ...lb.reasoning],
    unavailable,
    confidenceFactor: r2(0.9 ** unavailable),
    facts: lb.facts,
  };
}

interface Part { signals: Signal[]; reasoning: string[]; unavailable: boolean }

function networkPart(obs: TrafficObservations): Part {
  const name = obs.asgName;
  const stats = obs.network.ok ? obs.network.value : null;
  // A failed read is unavailable evidence; an empty one is shown as "no data" but does not count
  // against confidence: network is context here, and its absence disproves nothing.
  const error = !obs.network.ok ? obs.network.error : undefined;
  const empty = stats !== null && stats.in.datapoints === 0 && stats.out.datapoints === 0;
  const sig = (id: string, label: string, metric: 'NetworkIn' | 'NetworkOut', r: RateStats | undefined) => makeSignal(
    id, label, 'cloudwatch', networkQuery(name, metric), CPU_WINDOW,
    r?.meanBytesPerSecond != null ? r.meanBytesPerSecond / 1000 : null, 'KB/s', null, null, error);
  const signals = [
    sig('network-in', `Network in, whole group (${CPU_WINDOW} mean)`, 'NetworkIn', stats?.in),
    sig('network-out', `Network out, whole group (${CPU_WINDOW} mean)`, 'NetworkOut', stats?.out),
  ];
  if (error !== undefined) return { signals, reasoning: [`Network traffic of ${name} could not be read (${error}).`], unavailable: true };
  if (empty) return { signals, reasoning: [`Network traffic of ${name} has no datapoints in the last ${CPU_WINDOW}.`], unavailable: false };
  const kb = (n: number | null | undefined) => (n == null ? 'no data' : `${num(n / 1000)} KB/s`);
  return {
    signals,
    reasoning: [`${name} received ${kb(stats?.in.meanBytesPerSecond)} and sent ${kb(stats?.out.meanBytesPerSecond)} on average over the last ${CPU_WINDOW}, ${kb(stats?.in.peakBytesPerSecond)} in and ${kb(stats?.out.peakBytesPerSecond)} out in the busiest 5-minute period.`],
    unavailable: false,
  };
}

function loadBalancerPart(obs: TrafficObservations, t: TrafficThresholds): Part & { facts: TrafficSummary['facts'] } {
  const none = { target5xx: null, responseTimeMs: null, requests: null };
  const ref = obs.targetGroup;
  if (!ref || !obs.loadBalancer) {
    return { signals: [], reasoning: [`Policy names no load balancer target group for ${obs.asgName}, so response times and 5xx errors were not read.`], unavailable: false, facts: none };
  }
  const s = obs.loadBalancer.ok ? obs.loadBalancer.value : null;
  const empty = s !== null && s.requestsPerTarget.datapoints + s.requests.datapoints + s.responseTime.datapoints + s.target5xx.datapoints === 0;
  const error = !obs.loadBalancer.ok ? obs.loadBalancer.error
    : empty ? `no datapoints for ${ref.targetGroup} in the last ${CPU_WINDOW} (RequestCountPerTarget is always reported: check the load balancer and target group named in policy)` : undefined;
  const ms = (v: number | null | undefined) => (v == null ? null : v * 1000);
  const cw = (id: string, label: string, metric: AlbMetric, stat: Statistic, value: number | null | undefined, unit: string, threshold: number | null = null) =>
    makeSignal(id, `${label} (${CPU_WINDOW})`, 'cloudwatch', albQuery(ref, metric, stat), CPU_WINDOW, value, unit, threshold, threshold === null ? null : '>', error);
  const signals = [
    cw('lb-response-time-avg', 'Target response time, average', 'TargetResponseTime', 'Average', ms(s?.responseTime.average), 'ms', t.responseTimeMs),
    cw('lb-response-time-max', 'Target response time, maximum', 'TargetResponseTime', 'Maximum', ms(s?.responseTime.maximum), 'ms'),
    cw('lb-target-5xx', '5xx responses from targets', 'HTTPCode_Target_5XX_Count', 'Sum', s?.target5xx.sum, 'responses', t.target5xx),
    cw('lb-requests', 'Requests to the target group', 'RequestCount', 'Sum', s?.requests.sum, 'requests'),
    cw('lb-requests-per-target', 'Requests per target', 'RequestCountPerTarget', 'Sum', s?.requestsPerTarget.sum, 'requests'),
  ];
  if (error !== undefined || !s) {
    const why = obs.loadBalancer.ok ? `returned no datapoints in the last ${CPU_WINDOW}; the names in policy may be wrong` : `could not be read (${error})`;
    return { signals, reasoning: [`Load balancer metrics of ${ref.targetGroup} ${why}.`], unavailable: true, facts: none };
  }
  const reasoning: string[] = [];
  const avgMs = ms(s.responseTime.average);
  const requests = s.requests.sum;
  reasoning.push(`Through ${ref.loadBalancer}, ${ref.targetGroup} received ${num(requests, 0)} request${requests === 1 ? '' : 's'} in the last ${CPU_WINDOW} (${num(s.requestsPerTarget.sum, 0)} per target).`);
  if (requests === 0 && s.responseTime.datapoints === 0) {
    reasoning.push('No requests reached the targets, so response time and error counts say nothing about users.');
  } else {
    if (avgMs !== null) {
      const over = t.responseTimeMs !== null ? (r1(avgMs) > t.responseTimeMs ? `, above the ${num(t.responseTimeMs)} ms threshold` : `, within the ${num(t.responseTimeMs)} ms threshold`) : '';
      reasoning.push(`Targets answered in ${num(avgMs)} ms on average (slowest minute's maximum ${num(ms(s.responseTime.maximum) ?? avgMs)} ms)${over}.`);
    }
    const errs = s.target5xx.sum;
    reasoning.push(errs > t.target5xx
      ? `The targets returned ${num(errs, 0)} 5xx response${errs === 1 ? '' : 's'}${requests > 0 ? ` (${num((errs / requests) * 100, 2)}% of requests)` : ''}: users saw errors.`
      : errs > 0
        ? `The targets returned ${num(errs, 0)} 5xx responses, within the allowed ${num(t.target5xx, 0)}.`
        : 'The targets returned no 5xx responses (the metric is only reported when non-zero).');
  }
  return { signals, reasoning, unavailable: false, facts: { target5xx: s.target5xx.sum, responseTimeMs: avgMs === null ? null : r1(avgMs), requests } };
}

/** 1234.5 → "1234.5", 12 → "12": decimals only when they carry information. */
function num(n: number, digits = 1): string {
  const f = 10 ** digits;
  const r = Math.round(n * f) / f;
  return Number.isInteger(r) ? r.toFixed(0) : String(r);
}
