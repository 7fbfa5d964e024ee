// The traffic signal builder with plain observations: no AWS, no clock.
import { describe, expect, it } from 'vitest';
import type { LoadBalancerStats } from '../../src/diagnosis/collectors/load-balancer.ts';
import type { NetworkStats } from '../../src/diagnosis/collectors/network.ts';
import { trafficSignals, type TrafficObservations } from '../../src/diagnosis/collectors/traffic-signals.ts';

const ref = { loadBalancer: 'app/web-alb/50dc6c495c0c9188', targetGroup: 'targetgroup/web-tg/73e2d6bc24d8a067' };
const network = (): NetworkStats => ({
  in: { meanBytesPerSecond: 1_234_500, peakBytesPerSecond: 2_000_000, datapoints: 3 },
  out: { meanBytesPerSecond: 567_800, peakBytesPerSecond: 900_000, datapoints: 3 },
});
const lb = (over: Partial<LoadBalancerStats> = {}): LoadBalancerStats => ({
  responseTime: { average: 0.1234, maximum: 0.9, datapoints: 15 },
  target5xx: { sum: 12, datapoints: 4 },
  requests: { sum: 3400, datapoints: 15 },
  requestsPerTarget: { sum: 850, datapoints: 15 },
  ...over,
});
const obs = (over: Partial<TrafficObservations> = {}): TrafficObservations => ({
  asgName: 'web-asg', network: { ok: true, value: network() }, targetGroup: ref, loadBalancer: { ok: true, value: lb() }, ...over,
});
const sig = (t: ReturnType<typeof trafficSignals>, id: string) => t.signals.find((s) => s.id === id);
const LB_IDS = ['lb-response-time-avg', 'lb-response-time-max', 'lb-target-5xx', 'lb-requests', 'lb-requests-per-target'];

describe('trafficSignals: everything read', () => {
  const t = trafficSignals(obs());

  it('gives network and load balancer signals with re-runnable queries', () => {
    expect(t.signals.map((s) => [s.id, s.value, s.unit])).toEqual([
      ['network-in', 1234.5, 'KB/s'], ['network-out', 567.8, 'KB/s'],
      ['lb-response-time-avg', 123.4, 'ms'], ['lb-response-time-max', 900, 'ms'], ['lb-target-5xx', 12, 'responses'],
      ['lb-requests', 3400, 'requests'], ['lb-requests-per-target', 850, 'requests'],
    ]);
    expect(sig(t, 'network-in')).toEqual({
      id: 'network-in', label: 'Network in, whole group (15m mean)', source: 'cloudwatch',
      query: 'CloudWatch AWS/EC2 NetworkIn {AutoScalingGroupName=web-asg} Sum 300s', window: '15m',
      value: 1234.5, unit: 'KB/s', threshold: null, comparison: null, breached: null,
    });
    expect(sig(t, 'lb-response-time-avg')?.query).toBe('CloudWatch AWS/ApplicationELB TargetResponseTime {LoadBalancer=app/web-alb/50dc6c495c0c9188,TargetGroup=targetgroup/web-tg/73e2d6bc24d8a067} Average 60s');
    expect(sig(t, 'lb-target-5xx')).toMatchObject({ query: expect.stringContaining('HTTPCode_Target_5XX_Count {LoadBalancer=app/web-alb/50dc6c495c0c9188,TargetGroup='), threshold: 0, comparison: '>', breached: true });
    // RequestCountPerTarget is published per TargetGroup; the LoadBalancer dimension is left out
    expect(sig(t, 'lb-requests-per-target')?.query).toBe('CloudWatch AWS/ApplicationELB RequestCountPerTarget {TargetGroup=targetgroup/web-tg/73e2d6bc24d8a067} Sum 60s');
  });

  it('explains the numbers in sentences', () => {
    expect(t.reasoning).toEqual([
      'web-asg received 1234.5 KB/s and sent 567.8 KB/s on average over the last 15m, 2000 KB/s in and 900 KB/s out in the busiest 5-minute period.',
      'Through app/web-alb/50dc6c495c0c9188, targetgroup/web-tg/73e2d6bc24d8a067 received 3400 requests in the last 15m (850 per target).',
      "Targets answered in 123.4 ms on average (slowest minute's maximum 900 ms).",
      'The targets returned 12 5xx responses (0.35% of requests): users saw errors.',
    ]);
    expect(t).toMatchObject({ unavailable: 0, confidenceFactor: 1, facts: { target5xx: 12, responseTimeMs: 123.4, requests: 3400 } });
  });
});

describe('trafficSignals: thresholds and quiet metrics', () => {
  it('reads no 5xx datapoints as zero errors while the target group reports', () => {
    const t = trafficSignals(obs({ loadBalancer: { ok: true, value: lb({ target5xx: { sum: 0, datapoints: 0 } }) } }));
    expect(sig(t, 'lb-target-5xx')).toMatchObject({ value: 0, breached: false });
    expect(sig(t, 'lb-target-5xx')?.error).toBeUndefined();
    expect(t.reasoning).toContain('The targets returned no 5xx responses (the metric is only reported when non-zero).');
  });

  it('applies a response time threshold and a 5xx allowance when given', () => {
    const slow = trafficSignals(obs(), { responseTimeMs: 100, target5xx: 20 });
    expect(sig(slow, 'lb-response-time-avg')).toMatchObject({ threshold: 100, comparison: '>', breached: true });
    expect(sig(slow, 'lb-target-5xx')).toMatchObject({ threshold: 20, breached: false });
    expect(slow.reasoning).toContain("Targets answered in 123.4 ms on average (slowest minute's maximum 900 ms), above the 100 ms threshold.");
    expect(slow.reasoning).toContain('The targets returned 12 5xx responses, within the allowed 20.');
    expect(trafficSignals(obs(), { responseTimeMs: 200 }).reasoning[2]).toMatch(/within the 200 ms threshold\.$/);
  });

  it('says when no request reached the targets', () => {
    const idle = lb({ responseTime: { average: null, maximum: null, datapoints: 0 }, target5xx: { sum: 0, datapoints: 0 }, requests: { sum: 0, datapoints: 0 }, requestsPerTarget: { sum: 0, datapoints: 15 } });
    const t = trafficSignals(obs({ loadBalancer: { ok: true, value: idle } }));
    expect(sig(t, 'lb-response-time-avg')).toMatchObject({ value: null, breached: null });
    expect(sig(t, 'lb-response-time-avg')?.error).toBeUndefined();
    expect(t.reasoning).toContain('No requests reached the targets, so response time and error counts say nothing about users.');
    expect(t.unavailable).toBe(0);
  });

  it('reads no load balancer metric when policy names no target group', () => {
    const t = trafficSignals(obs({ targetGroup: null, loadBalancer: null }));
    expect(t.signals.map((s) => s.id)).toEqual(['network-in', 'network-out']);
    expect(t.reasoning[1]).toBe('Policy names no load balancer target group for web-asg, so response times and 5xx errors were not read.');
    expect(t.facts).toEqual({ target5xx: null, responseTimeMs: null, requests: null });
  });
});

describe('trafficSignals: unavailable reads', () => {
  it('marks every load balancer signal unavailable when the read failed', () => {
    const t = trafficSignals(obs({ loadBalancer: { ok: false, error: 'CloudWatch GetMetricData (load balancer): timed out after 5000 ms' } }));
    for (const id of LB_IDS) expect(sig(t, id)).toMatchObject({ value: null, breached: null, error: 'CloudWatch GetMetricData (load balancer): timed out after 5000 ms' });
    expect(t).toMatchObject({ unavailable: 1, confidenceFactor: 0.9 });
    expect(t.reasoning).toContain('Load balancer metrics of targetgroup/web-tg/73e2d6bc24d8a067 could not be read (CloudWatch GetMetricData (load balancer): timed out after 5000 ms).');
  });

  it('suspects the names in policy when the target group has no datapoints at all', () => {
    const none = lb({ responseTime: { average: null, maximum: null, datapoints: 0 }, target5xx: { sum: 0, datapoints: 0 }, requests: { sum: 0, datapoints: 0 }, requestsPerTarget: { sum: 0, datapoints: 0 } });
    const t = trafficSignals(obs({ loadBalancer: { ok: true, value: none } }));
    expect(sig(t, 'lb-target-5xx')?.error).toMatch(/^no datapoints for targetgroup\/web-tg\/73e2d6bc24d8a067 in the last 15m \(RequestCountPerTarget is always reported/);
    expect(sig(t, 'lb-target-5xx')?.value).toBeNull(); // not a reassuring 0
    expect(t.unavailable).toBe(1);
  });

  it('marks network signals unavailable on failure, shows no data without a penalty; two failures cost more', () => {
    const failed = trafficSignals(obs({ network: { ok: false, error: 'CloudWatch GetMetricData (network): ECONNREFUSED' } }));
    expect(sig(failed, 'network-out')).toMatchObject({ value: null, error: 'CloudWatch GetMetricData (network): ECONNREFUSED' });
    expect(failed.reasoning[0]).toBe('Network traffic of web-asg could not be read (CloudWatch GetMetricData (network): ECONNREFUSED).');
    const empty = trafficSignals(obs({ network: { ok: true, value: { in: { meanBytesPerSecond: null, peakBytesPerSecond: null, datapoints: 0 }, out: { meanBytesPerSecond: null, peakBytesPerSecond: null, datapoints: 0 } } } }));
    expect(sig(empty, 'network-in')).toMatchObject({ value: null });
    expect(sig(empty, 'network-in')?.error).toBeUndefined();
    expect(empty).toMatchObject({ unavailable: 0, confidenceFactor: 1, reasoning: expect.arrayContaining(['Network traffic of web-asg has no datapoints in the last 15m.']) });
    const both = trafficSignals(obs({ network: { ok: false, error: 'x' }, loadBalancer: { ok: false, error: 'y' } }));
    expect(both).toMatchObject({ unavailable: 2, confidenceFactor: 0.81 });
  });
});
