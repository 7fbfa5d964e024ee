// The rule's decisions with plain objects: no AWS, no clock.
import { describe, expect, it } from 'vitest';
import type { NormalizedAlert } from '../../src/domain/alert.ts';
import type { RuleDiagnosis as Diagnosis } from '../../src/domain/diagnosis.ts';
import type { AsgState } from '../../src/diagnosis/collectors/autoscaling.ts';
import type { CpuStats } from '../../src/diagnosis/collectors/cloudwatch.ts';
import type { CapacityBounds } from '../../src/domain/bounds.ts';
import type { CollectContext, DiagnoseRequest } from '../../src/diagnosis/engine.ts';
import type { RecentActivities, ScalingActivity } from '../../src/diagnosis/collectors/scaling-activities.ts';
import {
  cpuSaturation, cpuSettings, diagnoseCpuSaturation, type CpuSaturationObservations,
} from '../../src/diagnosis/rules/cpu-saturation.ts';
import { diagnoseCapacityCeiling } from '../../src/diagnosis/rules/capacity-ceiling.ts';
import { sizeScaleOut as sizeGroup } from '../../src/diagnosis/sizing.ts';
import { diagnoseRequest } from '../helpers/diagnose-request.ts';
import { diagnosisRuleNames, diagnosisRules } from '../../src/diagnosis/rules/registry.ts';

const alert = (labels: Record<string, string> = { autoscaling_group: 'web-asg' }): NormalizedAlert => ({
  source: 'alertmanager', fingerprint: 'f1', status: 'firing', name: 'HighCPU', severity: 'critical', labels,
  annotations: {}, startsAt: new Date('2025-01-01T00:00:00Z'), endsAt: null, link: null, groupKey: 'g',
});
const POLICY: CapacityBounds = { min: 2, max: 20, maxStep: 10 };
const req = (over: Partial<DiagnoseRequest> = {}): DiagnoseRequest => diagnoseRequest({
  alert: alert(),
  bounds: (action, target) => (action === 'scale-asg' && target === 'web-asg' ? POLICY : null),
  settings: { target_cpu: 60, threshold_cpu: 80 }, ...over,
});
const group = (g: Partial<AsgState> = {}): AsgState =>
  ({ name: 'web-asg', desired: 4, min: 2, max: 10, inService: 4, healthy: 4, instances: 4, ...g });
const cpu = (c: Partial<CpuStats> = {}): CpuStats => ({ average: 94, maximum: 97, minAverage: 90, datapoints: 3, ...c });
const obs = (o: { group?: AsgState | null; cpu?: CpuStats } = {}): CpuSaturationObservations => ({
  asgName: 'web-asg',
  group: { ok: true, value: o.group === undefined ? group() : o.group },
  cpu: { ok: true, value: o.cpu ?? cpu() },
});
const sig = (d: Diagnosis, id: string) => d.signals.find((s) => s.id === id);

describe('cpu-saturation: saturated group with headroom', () => {
  const d = diagnoseCpuSaturation(obs(), req());

  it('proposes ceil(desired × avg / target) instances', () => {
    // ceil(4 × 94 / 60) = ceil(6.27) = 7; 4 × 94 / 7 = 53.7
    expect(d.candidate).toEqual({
      action: 'scale-asg', target: 'web-asg', params: { desiredCapacity: 7 },
      expectedEffect: '7 instances should bring average CPU to ~53.7%',
      observed: { desiredCapacity: 4, minSize: 2, maxSize: 10 },
    });
    expect(d.hypothesis).toMatch(/web-asg is CPU-saturated/);
    expect(d.reasoning.join(' ')).toContain('ceil(4 × 94% / 60% target) = 7');
  });

  it('reports each signal with provenance, window, unit and threshold', () => {
    expect(sig(d, 'cpu-avg')).toEqual({
      id: 'cpu-avg', label: 'CPU average (15m)', source: 'cloudwatch',
      query: 'CloudWatch AWS/EC2 CPUUtilization {AutoScalingGroupName=web-asg} Average 60s',
      window: '15m', value: 94, unit: '%', threshold: 80, comparison: '>', breached: true,
    });
    expect(sig(d, 'cpu-max')).toMatchObject({ value: 97, query: expect.stringContaining('Maximum 60s'), breached: null });
    expect(d.signals.map((s) => [s.id, s.value])).toEqual([
      ['cpu-avg', 94], ['cpu-max', 97], ['desired-capacity', 4], ['min-size', 2], ['max-size', 10], ['in-service', 4], ['healthy', 4],
    ]);
    expect(sig(d, 'desired-capacity')).toMatchObject({ source: 'autoscaling', unit: 'instances', query: expect.stringContaining('DescribeAutoScalingGroups') });
  });

  it('explains why each alternative lost, with the observed numbers', () => {
    expect(d.alternatives.map((a) => a.option)).toEqual(['replace-unhealthy-instance', 'do-nothing', 'escalate']);
    const why = Object.fromEntries(d.alternatives.map((a) => [a.option, a.whyNot]));
    expect(why['replace-unhealthy-instance']).toMatch(/All 4 in-service instances are healthy.*97%.*94%/);
    expect(why['do-nothing']).toMatch(/94%.*80% threshold/);
    expect(why['escalate']).toMatch(/desired 4 may grow to 10/);
  });

  it('rates a +75% step as high risk, with bounded confidence', () => {
    expect(d.risk).toBe('high');
    expect(d.confidence).toBeGreaterThan(0.8);
    expect(d.confidence).toBeLessThanOrEqual(1);
  });
});

describe('cpu-saturation: sizing and clamps', () => {
  it('adds at least one instance when over threshold even if the formula says no', () => {
    // threshold 50 < target 60: ceil(4 × 55 / 60) = 4, raised to 5
    const d = diagnoseCpuSaturation(obs({ cpu: cpu({ average: 55, maximum: 60, minAverage: 52 }) }), req({ settings: { threshold_cpu: 50, target_cpu: 60 } }));
    expect(d.candidate?.params).toEqual({ desiredCapacity: 5 });
    expect(d.reasoning.join(' ')).toMatch(/raised to 5 so that a breach always adds at least one/);
  });

  it('does not overshoot through float noise (4 × 90 / 60 = 6)', () => {
    expect(sizeGroup(group(), 90, 60, POLICY).proposed).toBe(6);
  });

  it('clamps to the policy max step and says so', () => {
    const d = diagnoseCpuSaturation(obs(), req({ bounds: () => ({ min: 1, max: 50, maxStep: 2 }) }));
    expect(d.candidate?.params).toEqual({ desiredCapacity: 6 });
    expect(d.reasoning).toContain("Capped from 7 to 6 by the policy's max step of 2 from 4.");
    expect(d.candidate?.expectedEffect).toBe('6 instances should bring average CPU to ~62.7%');
  });

  it("clamps to the group's own MaxSize, and warns when CPU would stay over threshold", () => {
    const d = diagnoseCpuSaturation(obs({ group: group({ max: 5 }) }), req());
    expect(d.candidate?.params).toEqual({ desiredCapacity: 5 });
    expect(d.reasoning.join(' ')).toMatch(/Capped from 7 to 5 by the group's own MaxSize \(5\)/);
    expect(d.reasoning.join(' ')).not.toMatch(/still above/); // 4 × 94 / 5 = 75.2 < 80
    // 8 × 95 / 9 = 84.4: the capped step cannot bring CPU under threshold, and the card must say so
    const tight = diagnoseCpuSaturation(obs({ group: group({ desired: 8, max: 9, inService: 8, healthy: 8 }), cpu: cpu({ average: 95 }) }), req());
    expect(tight.candidate?.params).toEqual({ desiredCapacity: 9 });
    expect(tight.reasoning.join(' ')).toMatch(/~84.4%.*still above the 80% threshold/);
  });

  it('names every binding limit when several coincide', () => {
    const s = sizeGroup(group({ max: 6 }), 94, 60, { min: 1, max: 6, maxStep: 10 });
    expect(s.clamps).toEqual(["Capped from 7 to 6 by the group's own MaxSize (6) and the policy maximum (6)."]);
  });

  it('refuses contradictory bounds instead of picking one', () => {
    const s = sizeGroup(group({ desired: 3 }), 94, 60, { min: 10, max: 20, maxStep: 2 });
    expect(s.conflict).toMatch(/at least 10 .*but at most 5/);
    const d = diagnoseCpuSaturation(obs({ group: group({ desired: 3 }) }), req({ bounds: () => ({ min: 10, max: 20, maxStep: 2 }) }));
    expect(d.candidate).toBeNull();
    expect(d).toMatchObject({ recommendation: 'escalate', hypothesis: expect.stringMatching(/no size satisfies every bound; escalate/) });
  });
});

describe('cpu-saturation: no candidate', () => {
  it('escalates when the group is at its own max', () => {
    const d = diagnoseCpuSaturation(obs({ group: group({ desired: 10, max: 10, inService: 10, healthy: 10 }) }), req());
    expect(d.candidate).toBeNull();
    expect(d.risk).toBe('high');
    expect(d.hypothesis).toMatch(/capacity ceiling; escalate/);
    expect(d.recommendation).toBe('escalate');
    expect(d.alternatives.find((a) => a.option === 'scale-asg')?.whyNot).toMatch(/cannot grow past 10: the group's own MaxSize \(10\)/);
  });

  it('escalates when the policy max is reached', () => {
    const d = diagnoseCpuSaturation(obs(), req({ bounds: () => ({ min: 1, max: 4, maxStep: 5 }) }));
    expect(d.candidate).toBeNull();
    expect(d.reasoning.join(' ')).toMatch(/the policy maximum \(4\) is reached/);
  });

  it('says scale-asg is not allowed when policy does not list it', () => {
    const d = diagnoseCpuSaturation(obs(), req({ candidates: ['replace-unhealthy-instance'] }));
    expect(d.candidate).toBeNull();
    expect(d.reasoning.join(' ')).toMatch(/scale-asg is not among the actions policy allows .*replace-unhealthy-instance/);
    expect(d.hypothesis).toMatch(/needs about 7 instances, but the bot may not scale it/);
  });

  it('says the target is not whitelisted when bounds are null', () => {
    const d = diagnoseCpuSaturation(obs(), req({ bounds: () => null }));
    expect(d.candidate).toBeNull();
    expect(d.reasoning.join(' ')).toMatch(/Policy does not whitelist web-asg as a scale-asg target/);
  });

  it('recommends nothing when CPU is back under threshold', () => {
    const d = diagnoseCpuSaturation(obs({ cpu: cpu({ average: 42.26, maximum: 88, minAverage: 30 }) }), req());
    expect(d.candidate).toBeNull();
    expect(d.risk).toBe('low');
    expect(d.hypothesis).toMatch(/back under threshold \(average 42.3% ≤ 80% over 15m\); no action/);
    expect(sig(d, 'cpu-avg')).toMatchObject({ value: 42.3, breached: false });
    expect(d.reasoning.join(' ')).toMatch(/88% peak shows short spikes/);
    expect(d.alternatives.length).toBeGreaterThanOrEqual(2);
  });

  it('decides on the displayed (rounded) value: 80.04% is not above 80%', () => {
    const d = diagnoseCpuSaturation(obs({ cpu: cpu({ average: 80.04 }) }), req());
    expect(d.candidate).toBeNull();
    expect(sig(d, 'cpu-avg')).toMatchObject({ value: 80, breached: false });
  });

  it('says so when the alert names no group', () => {
    const d = diagnoseCpuSaturation({ asgName: null, group: null, cpu: null }, req({ alert: alert({}) }));
    expect(d.candidate).toBeNull();
    expect(d.reasoning.join(' ')).toMatch(/no autoscaling_group label/);
    expect(d.alternatives.length).toBeGreaterThanOrEqual(2);
  });

  it('says the group was not found', () => {
    const d = diagnoseCpuSaturation(obs({ group: null }), req());
    expect(d.candidate).toBeNull();
    expect(d.hypothesis).toMatch(/web-asg was not found/);
    expect(sig(d, 'desired-capacity')).toMatchObject({ value: null, error: 'no Auto Scaling group named web-asg' });
  });
});

describe('cpu-saturation: confidence and unavailable signals', () => {
  const full = diagnoseCpuSaturation(obs(), req()).confidence;

  it('marks a failed CPU read as an error signal and lowers confidence', () => {
    const d = diagnoseCpuSaturation({ ...obs(), cpu: { ok: false, error: 'GetMetricData: ECONNREFUSED' } }, req());
    expect(sig(d, 'cpu-avg')).toMatchObject({ value: null, breached: null, error: 'GetMetricData: ECONNREFUSED' });
    expect(d.candidate).toBeNull();
    expect(d.confidence).toBeLessThan(full);
  });

  it('treats zero datapoints as unavailable', () => {
    const d = diagnoseCpuSaturation(obs({ cpu: cpu({ average: null, maximum: null, minAverage: null, datapoints: 0 }) }), req());
    expect(sig(d, 'cpu-avg')?.error).toMatch(/no datapoints/);
    expect(d.hypothesis).toMatch(/could not be confirmed/);
  });

  it('lowers confidence with fewer datapoints, a failed group read, or a spiky window', () => {
    expect(diagnoseCpuSaturation(obs({ cpu: cpu({ datapoints: 1 }) }), req()).confidence).toBeLessThan(full);
    expect(diagnoseCpuSaturation(obs({ cpu: cpu({ minAverage: 60 }) }), req()).confidence).toBeLessThan(full);
    const noGroup = diagnoseCpuSaturation({ ...obs(), group: { ok: false, error: 'timed out' } }, req());
    expect(noGroup.confidence).toBeLessThan(full);
    expect(noGroup.candidate).toBeNull();
    expect(noGroup.risk).toBe('high');
  });

  it('judges the change by its step relative to the group', () => {
    const risk = (desired: number) => diagnoseCpuSaturation(obs({ group: group({ desired, max: 40, inService: desired, healthy: desired }), cpu: cpu({ average: 85, minAverage: 82 }) }), req({ bounds: () => ({ min: 1, max: 40, maxStep: 40 }) }));
    expect(risk(20)).toMatchObject({ risk: 'medium', riskFactors: ['step +9 on 20 instances (45%)'] }); // ceil(20 × 85 / 60) = 29
    expect(risk(4)).toMatchObject({ risk: 'medium', riskFactors: ['step +2 on 4 instances (50%)'] }); // 6; 50% is not > 50%
    expect(risk(3)).toMatchObject({ risk: 'high', riskFactors: ['step +2 on 3 instances (67%)'] });
  });
});

describe('cpu-saturation: settings and registry', () => {
  it('uses defaults, accepts numeric strings, rejects nonsense', () => {
    expect(cpuSettings({})).toEqual({ thresholdCpu: 80, targetCpu: 60 });
    expect(cpuSettings({ threshold_cpu: '85' })).toEqual({ thresholdCpu: 85, targetCpu: 60 });
    expect(() => cpuSettings({ target_cpu: 'high' })).toThrow(/target_cpu must be a percentage/);
    expect(() => cpuSettings({ target_cpu: 0 })).toThrow();
    expect(() => cpuSettings({ threshold_cpu: true })).toThrow();
  });

  it('is registered under its name', () => {
    expect(diagnosisRuleNames).toContain('cpu-saturation');
    expect(diagnosisRules['cpu-saturation']?.name).toBe('cpu-saturation');
  });
});

const AS_OF = '2025-01-01T01:00:00.000Z';
const ago = (min: number) => new Date(Date.parse(AS_OF) - min * 60_000).toISOString();
const scaleOut = (a: Partial<ScalingActivity> = {}): ScalingActivity => ({
  id: 'a1', statusCode: 'Successful', statusMessage: null, description: 'Launching a new EC2 instance: i-0aaa',
  cause: `At ${ago(22)} a monitor alarm HighCPU in state ALARM triggered policy web-out changing the desired capacity from 8 to 10.`,
  startTime: ago(22), endTime: ago(20), progress: 100, ...a,
});
const acts = (list: ScalingActivity[]): RecentActivities => ({ asOf: AS_OF, windowMinutes: 60, activities: list, truncated: false });
const withActivities = (list: ScalingActivity[], o: Parameters<typeof obs>[0] = {}): CpuSaturationObservations => ({ ...obs(o), activities: { ok: true, value: acts(list) } });

describe('cpu-saturation: recent scaling activities', () => {
  const quiet = diagnoseCpuSaturation(withActivities([scaleOut()]), req());

  it('adds the activity count as a signal with provenance, and says nothing is being added', () => {
    expect(sig(quiet, 'scaling-activities')).toMatchObject({
      value: 1, window: '60m', source: 'autoscaling', unit: 'activities',
      query: 'AutoScaling DescribeScalingActivities AutoScalingGroupName=web-asg → Activities[unfinished, or started/ended in the last 60m]',
    });
    expect(quiet.reasoning).toContain('No scale-out is in progress or ended in the last 5 minutes (1 scaling activity in the last 60 min).');
    expect(quiet.confidence).toBe(diagnoseCpuSaturation(obs(), req()).confidence); // a scale-out 20 minutes ago changes nothing
    expect(quiet.candidate?.params).toEqual({ desiredCapacity: 7 });
  });

  it('lowers confidence and says so when a scale-out is in progress', () => {
    const running = scaleOut({ statusCode: 'InProgress', endTime: null, startTime: ago(1), progress: 20, cause: `At ${ago(1)} … changing the desired capacity from 4 to 6.` });
    const d = diagnoseCpuSaturation(withActivities([running]), req());
    expect(d.reasoning).toContain('A scale-out is in progress (scale-out 4 → 6 (InProgress, started 1 min ago, 20% done)): capacity is already being added, so CPU may fall without another change.');
    expect(d.confidence).toBe(Math.round(quiet.confidence * 0.7 * 100) / 100);
    expect(d.candidate).not.toBeNull(); // still proposed: the human sees why the bot is less sure
  });

  it('counts a launch that ended within the last few minutes, not one that failed', () => {
    const justDone = scaleOut({ startTime: ago(6), endTime: ago(3) });
    const d = diagnoseCpuSaturation(withActivities([justDone]), req());
    expect(d.reasoning.join(' ')).toMatch(/A scale-out is only 3 min old \(scale-out 8 → 10 \(Successful, ended 3 min ago\)\): capacity is already being added/);
    expect(d.confidence).toBeLessThan(quiet.confidence);
    const failed = diagnoseCpuSaturation(withActivities([scaleOut({ statusCode: 'Failed', startTime: ago(6), endTime: ago(3) })]), req());
    expect(failed.confidence).toBe(quiet.confidence);
  });

  it('marks unreadable activities as an unavailable signal', () => {
    const d = diagnoseCpuSaturation({ ...obs(), activities: { ok: false, error: 'DescribeScalingActivities: AccessDenied' } }, req());
    expect(sig(d, 'scaling-activities')).toMatchObject({ value: null, error: 'DescribeScalingActivities: AccessDenied' });
    expect(d.reasoning).toContain('Recent scaling activities could not be read (DescribeScalingActivities: AccessDenied), so it is unknown whether capacity is already being added.');
  });

  it('reads the activities and the traffic in collect', async () => {
    const calls: string[] = [];
    const ctx = { now: new Date(AS_OF), run: async (what: string) => { calls.push(what); return { ok: false, error: 'x' }; } } as unknown as CollectContext;
    const o = await cpuSaturation.collect(ctx, req());
    expect(calls).toEqual(['DescribeAutoScalingGroups', 'CloudWatch GetMetricData', 'DescribeScalingActivities', 'CloudWatch GetMetricData (network)']);
    expect(o.activities).toEqual({ ok: false, error: 'x' });
    expect(o.traffic).toMatchObject({ asgName: 'web-asg', network: { ok: false, error: 'x' }, targetGroup: null, loadBalancer: null });
  });

  it('adds the traffic signals and loses confidence when a traffic read failed', () => {
    const calm = diagnoseCpuSaturation(obs(), req());
    const traffic = { asgName: 'web-asg', network: { ok: false as const, error: 'ECONNREFUSED' }, targetGroup: null, loadBalancer: null };
    const d = diagnoseCpuSaturation({ ...obs(), traffic }, req());
    expect(d.signals.find((s) => s.id === 'network-in')).toMatchObject({ value: null, error: 'ECONNREFUSED' });
    expect(d.reasoning).toContain('Network traffic of web-asg could not be read (ECONNREFUSED).');
    expect(d.confidence).toBeLessThan(calm.confidence);
    expect(d.candidate).toEqual(calm.candidate);
  });
});

describe('cpu-saturation: at the ceiling it says what capacity-ceiling says', () => {
  const full = { group: group({ desired: 10, max: 10, inService: 10, healthy: 10 }) };
  const list = [scaleOut()];
  const cpuCard = diagnoseCpuSaturation(withActivities(list, full), req());
  const ceilingCard = diagnoseCapacityCeiling({ ...withActivities(list, full), activities: { ok: true, value: acts(list) } }, req({ rule: 'capacity-ceiling' }));

  it('escalates with the same hypothesis, alternatives and other causes', () => {
    expect(cpuCard).toMatchObject({ candidate: null, recommendation: 'escalate', risk: 'high' });
    expect(cpuCard.hypothesis).toBe(ceilingCard.hypothesis);
    expect(cpuCard.alternatives).toEqual(ceilingCard.alternatives);
    expect(cpuCard.otherHypotheses).toEqual(ceilingCard.otherHypotheses);
    expect(cpuCard.otherHypotheses?.length).toBe(3);
  });

  it('ends with the same verdict steps, how long it has been there included', () => {
    const tail = ceilingCard.reasoning.slice(ceilingCard.reasoning.indexOf("The group cannot grow past 10: the group's own MaxSize (10) is reached."));
    expect(tail.length).toBeGreaterThan(3);
    expect(cpuCard.reasoning.slice(-tail.length)).toEqual(tail);
    expect(tail).toContain(`The last successful scale-out (8 → 10) ended 20 minutes ago (${ago(20)}): the group has been at 10 for about 20 minutes.`);
  });

  it('names the policy note when the bot may not scale the group at all', () => {
    const d = diagnoseCpuSaturation(withActivities(list, full), req({ candidates: [] }));
    expect(d.recommendation).toBe('escalate');
    expect(d.reasoning).toContain('scale-asg is not among the actions policy allows for this alert (none).');
  });
});
