// The unhealthy-instance rule's decisions with plain objects: no AWS, no clock.
import { describe, expect, it } from 'vitest';
import type { RuleDiagnosis } from '../../src/domain/diagnosis.ts';
import type { AsgDetail, AsgMember } from '../../src/diagnosis/collectors/instances.ts';
import type { TrafficObservations } from '../../src/diagnosis/collectors/traffic-signals.ts';
import type { DiagnoseRequest } from '../../src/diagnosis/engine.ts';
import { cpuSpread, median } from '../../src/diagnosis/rules/instance-spread.ts';
import { diagnosisRuleNames, diagnosisRules } from '../../src/diagnosis/rules/registry.ts';
import {
  diagnoseUnhealthyInstance as diagnose, instanceOf, instanceSettings, replacementRisk, type UnhealthyInstanceObservations,
} from '../../src/diagnosis/rules/unhealthy-instance.ts';
import { diagnoseRequest, testAlert } from '../helpers/diagnose-request.ts';

const member = (id: string, over: Partial<AsgMember> = {}): AsgMember =>
  ({ instanceId: id, lifecycleState: 'InService', healthStatus: 'Healthy', availabilityZone: 'us-east-1a', ...over });
const detail = (members: AsgMember[], over: Partial<AsgDetail> = {}): AsgDetail => {
  const inService = members.filter((m) => m.lifecycleState === 'InService');
  return {
    name: 'web-asg', desired: inService.length, min: 1, max: 10, inService: inService.length,
    healthy: inService.filter((m) => m.healthStatus === 'Healthy').length, instances: members.length,
    healthCheckType: 'EC2', suspendedProcesses: [], members, ...over,
  };
};
const four = () => ['i-a', 'i-b', 'i-c', 'i-d'].map((id) => member(id));
/** Per-instance CPU averages; null = no datapoints. */
const cpu = (values: Record<string, number | null>, datapoints = 15) =>
  Object.fromEntries(Object.entries(values).map(([id, v]) => [id, { average: v, datapoints: v === null ? 0 : datapoints }]));
const OUTLIER = { 'i-a': 95, 'i-b': 40, 'i-c': 42, 'i-d': 38 };
const obs = (o: { group?: AsgDetail | null; cpu?: Record<string, number | null>; datapoints?: number; instanceId?: string | null; traffic?: TrafficObservations | null } = {}): UnhealthyInstanceObservations => ({
  asgName: 'web-asg',
  instanceId: o.instanceId ?? null,
  group: { ok: true, value: o.group === undefined ? detail(four()) : o.group },
  cpu: { ok: true, value: cpu(o.cpu ?? OUTLIER, o.datapoints) },
  traffic: o.traffic ?? null,
});
const req = (over: Partial<DiagnoseRequest> = {}): DiagnoseRequest => diagnoseRequest({
  rule: 'unhealthy-instance',
  alert: testAlert({ name: 'InstanceUnhealthy', labels: { autoscaling_group: 'web-asg' } }),
  candidates: ['replace-instance'],
  bounds: (action, target) => (action === 'replace-instance' && target === 'web-asg' ? { min: 1, max: 10, maxStep: 1 } : null),
  ...over,
});
const sig = (d: RuleDiagnosis, id: string) => d.signals.find((s) => s.id === id);
const text = (d: RuleDiagnosis) => d.reasoning.join(' ');
const options = (d: RuleDiagnosis) => d.alternatives.map((a) => a.option);
const whyNot = (d: RuleDiagnosis, option: string) => d.alternatives.find((a) => a.option === option)?.whyNot;

describe('unhealthy-instance: one instance far above its peers', () => {
  const d = diagnose(obs(), req());

  it('proposes replacing the outlier without ever lowering capacity', () => {
    // peers of i-a: 40, 42, 38 → median 40; 95 − 40 = 55 > 30
    expect(d.candidate).toEqual({
      action: 'replace-instance', target: 'web-asg', params: { instanceId: 'i-a', capacityNeverBelow: 4 },
      expectedEffect: "i-a is replaced: a new instance is launched and in service before i-a is terminated, so in-service stays at 4; the new instance should run near its peers' median of 40%",
      observed: { desiredCapacity: 4, inService: 4 },
    });
    expect(d.hypothesis).toBe("i-a in web-asg is a bad host (degraded instance, noisy neighbour or stuck process): it runs at 95% CPU against its 3 peers' median of 40%.");
    expect(d.recommendation).toBeUndefined();
  });

  it('explains the verdict with the observed numbers', () => {
    expect(text(d)).toContain('Per-instance CPU over the last 15m (Average of 60 s periods): median 41% across 4 of 4 in-service instances; 1 above the 80% threshold.');
    expect(text(d)).toContain("i-a averaged 95% CPU over the last 15m (15 datapoints), 55 points above its 3 peers' median of 40%; outlier_delta is 30 and the peers are under the 80% threshold.");
    expect(text(d)).toContain('Auto Scaling reports i-a Healthy, so it will not replace it by itself.');
    expect(text(d)).toContain('an instance failing its load balancer health checks stays Healthy to Auto Scaling');
  });

  it('shows each instance as a signal against its outlier line, the suspect first', () => {
    expect(d.signals.map((s) => [s.id, s.value])).toEqual([
      ['desired-capacity', 4], ['max-size', 10], ['in-service', 4], ['unhealthy', 0],
      ['cpu-i-a', 95], ['cpu-i-c', 42], ['cpu-i-b', 40], ['cpu-i-d', 38],
    ]);
    expect(sig(d, 'cpu-i-a')).toEqual({
      id: 'cpu-i-a', label: "CPU average of i-a (us-east-1a, Healthy) vs peers' median 40% + 30", source: 'cloudwatch',
      query: 'CloudWatch AWS/EC2 CPUUtilization {InstanceId=i-a} Average 60s', window: '15m',
      value: 95, unit: '%', threshold: 70, comparison: '>', breached: true,
    });
    // i-b's peers are i-a, i-c, i-d: median 42, so its line is 72
    expect(sig(d, 'cpu-i-b')).toMatchObject({ threshold: 72, breached: false });
    expect(sig(d, 'unhealthy')).toMatchObject({ source: 'autoscaling', query: expect.stringContaining('HealthStatus=Unhealthy'), threshold: 0, breached: false });
  });

  it('ranks other explanations and says why each alternative lost', () => {
    expect(d.otherHypotheses?.map((h) => h.confidence)).toEqual([0.3, 0.25, 0.05]);
    expect(d.otherHypotheses?.[0]?.statement).toMatch(/Uneven load balancing/);
    expect(options(d)).toEqual(['scale-asg', 'do-nothing', 'escalate']);
    expect(whyNot(d, 'scale-asg')).toMatch(/peers run at 40% \(median\), under the 80% threshold/);
    expect(whyNot(d, 'do-nothing')).toMatch(/55 points above its peers/);
    expect(whyNot(d, 'escalate')).toMatch(/keeps in-service capacity at 4/);
  });

  it('rates replacing 1 of 4 as low risk with high confidence', () => {
    expect(d).toMatchObject({ risk: 'low', riskFactors: ['replacing 1 of 4 in-service instances (25%); the new one is launched before the old one is terminated'], confidence: 0.85 });
  });

  it('notes the headroom a launch-first replacement needs at MaxSize', () => {
    const full = diagnose(obs({ group: detail(four(), { max: 4 }) }), req());
    expect(text(full)).toContain('web-asg is at its MaxSize (4), so launching the replacement first needs room for one instance above MaxSize for a few minutes.');
    expect(full.riskFactors).toContain('web-asg is at MaxSize 4');
  });
});

describe('unhealthy-instance: what stops a proposal', () => {
  it('escalates when policy does not allow the action or the target', () => {
    const notAllowed = diagnose(obs(), req({ candidates: ['scale-asg'] }));
    expect(notAllowed).toMatchObject({ candidate: null, recommendation: 'escalate' });
    expect(text(notAllowed)).toContain('replace-instance is not among the actions policy allows for this alert (scale-asg). The bot proposes nothing; a human may replace i-a by hand.');
    expect(options(notAllowed)).toEqual(['replace-instance', 'scale-asg', 'do-nothing']);
    const notListed = diagnose(obs(), req({ bounds: () => null }));
    expect(notListed.candidate).toBeNull();
    expect(whyNot(notListed, 'replace-instance')).toBe('Policy does not whitelist web-asg as a replace-instance target.');
  });

  it('escalates instead of replacing when Launch is suspended', () => {
    const d = diagnose(obs({ group: detail(four(), { suspendedProcesses: ['Launch'] }) }), req());
    expect(d).toMatchObject({ candidate: null, recommendation: 'escalate', risk: 'high' });
    expect(whyNot(d, 'replace-instance')).toMatch(/only remove i-a and lower capacity to 3/);
  });
});

describe('unhealthy-instance: an instance Auto Scaling calls Unhealthy', () => {
  const members = () => [member('i-a', { healthStatus: 'Unhealthy' }), member('i-b'), member('i-c'), member('i-d')];
  const cpuOf = { 'i-a': 5, 'i-b': 40, 'i-c': 42, 'i-d': 38 };

  it('waits for Auto Scaling to replace it when nothing stops it', () => {
    const d = diagnose(obs({ group: detail(members()), cpu: cpuOf }), req());
    expect(d).toMatchObject({ candidate: null, recommendation: 'no-action', risk: 'low', confidence: 0.9 });
    expect(d.hypothesis).toBe('i-a in web-asg is Unhealthy according to Auto Scaling, which will replace it by itself; no action from the bot is needed.');
    expect(text(d)).toContain('web-asg has desired capacity 4 (MaxSize 10); 4 instances are in service (1 of them Unhealthy according to Auto Scaling).');
    expect(text(d)).toContain('No process that replaces Unhealthy instances is suspended, so Auto Scaling replaces an instance it marks Unhealthy by itself');
    expect(text(d)).toContain('If i-a is still InService and Unhealthy in 10 minutes');
    expect(whyNot(d, 'replace-instance')).toMatch(/a second replacement would race it/);
    expect(sig(d, 'unhealthy')).toMatchObject({ value: 1, threshold: 0, breached: true });
    // HealthCheck suspended only stops new marks: an instance already Unhealthy is still replaced
    expect(diagnose(obs({ group: detail(members(), { suspendedProcesses: ['HealthCheck'] }), cpu: cpuOf }), req()).recommendation).toBe('no-action');
  });

  it('proposes the replacement when ReplaceUnhealthy or Terminate is suspended, flagging the suspension', () => {
    for (const process of ['ReplaceUnhealthy', 'Terminate']) {
      const d = diagnose(obs({ group: detail(members(), { suspendedProcesses: [process], healthCheckType: 'ELB' }), cpu: cpuOf }), req());
      expect(d.candidate).toMatchObject({ action: 'replace-instance', params: { instanceId: 'i-a', capacityNeverBelow: 4 },
        expectedEffect: 'i-a is replaced: a new instance is launched and in service before i-a is terminated, so in-service stays at 4' });
      expect(d.hypothesis).toContain(`will not be replaced automatically because ${process} is suspended`);
      expect(d.riskFactors).toContain(`${process} is suspended on web-asg, possibly on purpose`);
      expect(text(d)).toContain('the load balancer health checks fail (health check type ELB)');
      expect(options(d)).toEqual(['scale-asg', 'do-nothing', 'escalate']);
      expect(whyNot(d, 'do-nothing')).toBe(`${process} is suspended, so Auto Scaling will not replace i-a: waiting leaves it in service while Unhealthy.`);
    }
  });

  it('escalates when several instances are Unhealthy, naming a shared zone', () => {
    const group = detail([member('i-a', { healthStatus: 'Unhealthy', availabilityZone: 'us-east-1b' }), member('i-b', { healthStatus: 'Unhealthy', availabilityZone: 'us-east-1b' }), member('i-c'), member('i-d')]);
    const d = diagnose(obs({ group, cpu: { 'i-a': 5, 'i-b': 6, 'i-c': 40, 'i-d': 38 } }), req());
    expect(d).toMatchObject({ candidate: null, recommendation: 'escalate', risk: 'high' });
    expect(d.hypothesis).toBe('2 of 4 in-service instances of web-asg are Unhealthy: a shared cause, not one bad instance.');
    expect(d.otherHypotheses).toContainEqual({ statement: 'A problem in us-east-1b: every Unhealthy instance is there.', confidence: 0.4 });
  });
});

describe('unhealthy-instance: group-wide load, uneven load, nothing wrong', () => {
  it('says a saturated group needs a scale-out, not a replacement', () => {
    const d = diagnose(obs({ cpu: { 'i-a': 95, 'i-b': 88, 'i-c': 91, 'i-d': 60 } }), req());
    expect(d).toMatchObject({ candidate: null, recommendation: 'escalate', risk: 'high' });
    expect(d.hypothesis).toBe('web-asg is saturated as a whole (3 of 4 instances above 80%, median 89.5%); it needs more capacity, not a replacement.');
    expect(d.alternatives.find((a) => a.option === 'scale-asg')).toMatchObject({ summary: 'Scale web-asg out instead', whyNot: expect.stringMatching(/the fix that fits/) });
    expect(whyNot(d, 'replace-instance')).toMatch(/3 of 4 instances are above 80%: a replacement adds no capacity/);
  });

  it('calls several hot instances uneven load, not several bad hosts', () => {
    const d = diagnose(obs({ group: detail([...four(), member('i-e'), member('i-f')]), cpu: { 'i-a': 95, 'i-b': 90, 'i-c': 30, 'i-d': 35, 'i-e': 32, 'i-f': 31 } }), req());
    expect(d).toMatchObject({ candidate: null, recommendation: 'escalate', risk: 'medium' });
    expect(d.hypothesis).toBe('Load on web-asg is uneven: 2 instances run far above the rest (i-a 95%, i-b 90%).');
  });

  it('recommends nothing when every instance is healthy and close to its peers', () => {
    const d = diagnose(obs({ cpu: { 'i-a': 45, 'i-b': 40, 'i-c': 42, 'i-d': 38 } }), req());
    expect(d).toMatchObject({ candidate: null, recommendation: 'no-action', risk: 'low', confidence: 0.7 });
    expect(d.hypothesis).toBe('No instance of web-asg is unhealthy or an outlier: all 4 in-service instances are Healthy, median CPU 41%.');
    // peers of i-a: 40, 42, 38 → 40; 45 − 40 = 5
    expect(text(d)).toContain("the furthest above its peers, i-a at 45%, is 5 points above its 3 peers' median of 40% (an outlier needs more than 30 points above)");
    expect(whyNot(d, 'replace-instance')).toMatch(/^No instance stands out/);
  });

  it('does not blame one instance when its peers are busy too', () => {
    // threshold 50: i-a's peers 60, 50, 50, 20 → median 50, not under 50, though i-a is 45 points above it
    const group = detail([...four(), member('i-e')]);
    const d = diagnose(obs({ group, cpu: { 'i-a': 95, 'i-b': 60, 'i-c': 50, 'i-d': 50, 'i-e': 20 } }), req({ settings: { threshold_cpu: 50 } }));
    expect(d).toMatchObject({ candidate: null, recommendation: 'escalate', risk: 'medium' });
    expect(d.hypothesis).toBe('i-a runs 45 points above its peers, but they are busy too (median 50%): web-asg is short of capacity rather than hosting one bad instance.');
    expect(whyNot(d, 'replace-instance')).toBe('Its peers are busy too (median 50%): a new instance would be about as busy.');
  });

  it('needs more than outlier_delta points, and honours the setting', () => {
    // i-a at 69 is 29 points above 40: not an outlier at 30, an outlier at 25
    const near = { 'i-a': 69, 'i-b': 40, 'i-c': 42, 'i-d': 38 };
    expect(diagnose(obs({ cpu: near }), req()).candidate).toBeNull();
    const d = diagnose(obs({ cpu: near }), req({ settings: { outlier_delta: 25 } }));
    expect(d.candidate?.params).toEqual({ instanceId: 'i-a', capacityNeverBelow: 4 });
    expect(sig(d, 'cpu-i-a')).toMatchObject({ threshold: 65, breached: true });
  });
});

describe('unhealthy-instance: the instance the alert names', () => {
  const named = (id: string, o: Parameters<typeof obs>[0] = {}) => diagnose(obs({ ...o, instanceId: id }), req());

  it('reads instance_id, or instance only when it is an EC2 id', () => {
    expect(instanceOf({ instance_id: ' i-abc ' })).toBe('i-abc');
    expect(instanceOf({ instance: 'i-0123456789abcdef0' })).toBe('i-0123456789abcdef0');
    expect(instanceOf({ instance: 'i-01234567' })).toBe('i-01234567');
    expect(instanceOf({ instance: '10.0.0.5:9100' })).toBeNull();
    expect(instanceOf({ instance: 'i-0123456789abcdef0:9100' })).toBeNull();
    expect(instanceOf({})).toBeNull();
  });

  it('clears a named instance that is healthy and ordinary, but points at the real outlier', () => {
    const d = named('i-b');
    expect(d.candidate).toBeNull();
    expect(d.hypothesis).toBe('Nothing is wrong with i-b that a replacement would fix: it is Healthy and within 30 points of its peers.');
    expect(text(d)).toContain("i-b at 40%, is 2 points below its 3 peers' median of 42%");
    expect(text(d)).toContain('However i-a runs at 95%, 55 points above');
    expect(d).toMatchObject({ recommendation: 'escalate', risk: 'medium' });
    expect(d.signals.findIndex((s) => s.id === 'cpu-i-b')).toBe(4); // the named one comes first
  });

  it('says so when the named instance has left the group or is not in service', () => {
    const gone = named('i-zzz');
    expect(gone).toMatchObject({ candidate: null, recommendation: 'no-action', hypothesis: 'i-zzz is no longer in web-asg; there is nothing of it left to replace.' });
    const group = detail([member('i-a', { lifecycleState: 'Terminating', healthStatus: 'Unhealthy' }), member('i-b'), member('i-c'), member('i-d')]);
    const leaving = named('i-a', { group, cpu: { 'i-b': 40, 'i-c': 42, 'i-d': 38 } });
    expect(leaving).toMatchObject({ candidate: null, recommendation: 'no-action', risk: 'low' });
    expect(leaving.hypothesis).toBe('i-a is Terminating, not in service: Auto Scaling is already terminating it.');
  });

  it('cannot judge a named instance without its CPU', () => {
    const d = named('i-a', { cpu: { 'i-a': null, 'i-b': 40, 'i-c': 42, 'i-d': 38 } });
    expect(d).toMatchObject({ candidate: null, confidence: 0.3 });
    expect(d.recommendation).toBeUndefined();
    expect(sig(d, 'cpu-i-a')).toMatchObject({ value: null, error: 'no datapoints in the last 15m' });
  });
});

describe('unhealthy-instance: risk by group size', () => {
  it('judges replacing 1 of N: low from 3, medium for 2, high for the only one', () => {
    expect(replacementRisk(3).level).toBe('low');
    expect(replacementRisk(2)).toEqual({ level: 'medium', factors: ['replacing 1 of 2 in-service instances (50%); the new one is launched before the old one is terminated'] });
    expect(replacementRisk(1).level).toBe('high');
  });

  it('proposes for a pair with medium risk and less confidence (one peer only)', () => {
    const d = diagnose(obs({ group: detail([member('i-a'), member('i-b')]), cpu: { 'i-a': 95, 'i-b': 30 } }), req());
    expect(d.candidate?.params).toEqual({ instanceId: 'i-a', capacityNeverBelow: 2 });
    expect(d.risk).toBe('medium');
    expect(d.confidence).toBe(0.6); // 0.85 × 0.7 for a single peer
    expect(text(d)).toContain("95% CPU over the last 15m (15 datapoints), 65 points above its only peer's 30%");
  });
});

describe('unhealthy-instance: unavailable signals and missing data', () => {
  const full = diagnose(obs(), req()).confidence;

  it('lowers confidence with few datapoints or a failed traffic read', () => {
    expect(diagnose(obs({ datapoints: 1 }), req()).confidence).toBe(0.51); // 0.85 × 0.6
    const traffic: TrafficObservations = { asgName: 'web-asg', network: { ok: false, error: 'CloudWatch GetMetricData (network): ECONNREFUSED' }, targetGroup: null, loadBalancer: null };
    const d = diagnose(obs({ traffic }), req());
    expect(d.confidence).toBe(0.77); // 0.85 × 0.9
    expect(d.confidence).toBeLessThan(full);
    expect(sig(d, 'network-in')).toMatchObject({ value: null, error: 'CloudWatch GetMetricData (network): ECONNREFUSED' });
    expect(d.candidate).not.toBeNull(); // traffic is context, not the evidence against i-a
  });

  it('turns a failed per-instance CPU read into one error signal and no proposal', () => {
    const d = diagnose({ ...obs(), cpu: { ok: false, error: 'CloudWatch GetMetricData (instance CPU): timed out after 5000 ms' } }, req());
    expect(sig(d, 'instance-cpu')).toMatchObject({ value: null, error: expect.stringMatching(/timed out/), query: 'CloudWatch AWS/EC2 CPUUtilization {InstanceId=<each in-service instance>} Average 60s' });
    expect(d).toMatchObject({ candidate: null, confidence: 0.3 });
    expect(d.hypothesis).toMatch(/per-instance CPU is unavailable/);
  });

  it('cannot check anything without the group, and says why', () => {
    const failed = diagnose({ ...obs(), group: { ok: false, error: 'DescribeAutoScalingGroups: timed out after 5000 ms' }, cpu: null }, req());
    expect(failed).toMatchObject({ candidate: null, confidence: 0.2 });
    expect(sig(failed, 'in-service')).toMatchObject({ value: null, error: expect.stringMatching(/timed out/) });
    const missing = diagnose({ ...obs({ group: null }), cpu: null }, req());
    expect(missing.hypothesis).toBe('Auto Scaling group web-asg was not found, so none of its instances can be checked.');
    expect(sig(missing, 'desired-capacity')?.error).toBe('no Auto Scaling group named web-asg');
  });

  it('escalates a group with nothing in service', () => {
    const d = diagnose({ ...obs({ group: detail([member('i-a', { lifecycleState: 'Pending' })], { desired: 2 }) }), cpu: null }, req());
    expect(d).toMatchObject({ candidate: null, recommendation: 'escalate', risk: 'high' });
    expect(d.hypothesis).toBe('web-asg has no instance in service (desired capacity 2); this is not a one-instance problem.');
  });

  it('collects nothing for an alert without a group', () => {
    const d = diagnose({ asgName: null, instanceId: 'i-a', group: null, cpu: null, traffic: null }, req());
    expect(d).toMatchObject({ candidate: null, signals: [], confidence: 0.1 });
    expect(text(d)).toMatch(/has no autoscaling_group label/);
  });

  it('caps per-instance signals at 20, the named instance first', () => {
    const ids = Array.from({ length: 25 }, (_, i) => `i-${String(i).padStart(2, '0')}`);
    const values = Object.fromEntries(ids.map((id, i) => [id, 30 + i]));
    const d = diagnose(obs({ group: detail(ids.map((id) => member(id))), cpu: values, instanceId: 'i-00' }), req());
    const cpuIds = d.signals.filter((s) => s.id.startsWith('cpu-')).map((s) => s.id);
    expect(cpuIds).toHaveLength(20);
    expect(cpuIds.slice(0, 3)).toEqual(['cpu-i-00', 'cpu-i-24', 'cpu-i-23']);
    expect(text(d)).toContain('Signals show 20 of the 25 instances');
  });
});

describe('unhealthy-instance: spread arithmetic, settings and registry', () => {
  it('compares each instance with the median of the others', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNull();
    const s = cpuSpread([{ id: 'a', cpu: 90.04, datapoints: 3 }, { id: 'b', cpu: 20, datapoints: 3 }, { id: 'c', cpu: null, datapoints: 0 }], { thresholdCpu: 80, outlierDelta: 30 });
    expect(s).toMatchObject({ withCpu: 2, hot: 1, groupWide: false, median: 55 });
    expect(s.comparisons['a']).toEqual({ id: 'a', cpu: 90, peersMedian: 20, peers: 1, excess: 70, outlier: true });
    expect(s.comparisons['c']).toBeUndefined();
  });

  it('uses defaults, accepts numeric strings, rejects nonsense', () => {
    expect(instanceSettings({})).toEqual({ thresholdCpu: 80, outlierDelta: 30 });
    expect(instanceSettings({ outlier_delta: '25', threshold_cpu: 90 })).toEqual({ thresholdCpu: 90, outlierDelta: 25 });
    expect(() => instanceSettings({ outlier_delta: 'far' })).toThrow('unhealthy-instance: setting outlier_delta must be a percentage in (0, 100], got "far"');
    expect(() => instanceSettings({ outlier_delta: 0 })).toThrow(/outlier_delta/);
    expect(() => instanceSettings({ threshold_cpu: 150 })).toThrow(/threshold_cpu/);
    expect(() => instanceSettings({ threshold_cpu: true })).toThrow(/threshold_cpu/);
    expect(() => diagnose(obs(), req({ settings: { outlier_delta: -5 } }))).toThrow(/outlier_delta/);
  });

  it('is registered under its name', () => {
    expect(diagnosisRuleNames).toContain('unhealthy-instance');
    expect(diagnosisRules['unhealthy-instance']?.name).toBe('unhealthy-instance');
  });
});
