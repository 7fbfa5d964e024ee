// The low-utilisation rule's decisions with plain objects: no AWS, no clock (the activities carry
// their own `asOf`).
import { describe, expect, it } from 'vitest';
import type { RuleDiagnosis } from '../../src/domain/diagnosis.ts';
import type { CapacityBounds } from '../../src/domain/bounds.ts';
import type { AsgState } from '../../src/diagnosis/collectors/autoscaling.ts';
import type { CpuStats } from '../../src/diagnosis/collectors/cloudwatch.ts';
import type { RecentActivities, ScalingActivity } from '../../src/diagnosis/collectors/scaling-activities.ts';
import { finish, type CollectContext, type DiagnoseRequest } from '../../src/diagnosis/engine.ts';
import {
  busiestMinuteBound, diagnoseLowUtilisation, lowUtilisation, lowUtilisationSettings, type LowUtilisationObservations,
} from '../../src/diagnosis/rules/low-utilisation.ts';
import { diagnosisRuleNames, diagnosisRules } from '../../src/diagnosis/rules/registry.ts';
import { diagnoseRequest, testAlert } from '../helpers/diagnose-request.ts';

const POLICY: CapacityBounds = { min: 2, max: 20, maxStep: 10 };
const AS_OF = '2025-01-01T01:00:00.000Z';
const ago = (min: number) => new Date(Date.parse(AS_OF) - min * 60_000).toISOString();
const req = (over: Partial<DiagnoseRequest> = {}): DiagnoseRequest => diagnoseRequest({
  rule: 'low-utilisation',
  alert: testAlert({ name: 'LowCPU' }),
  bounds: (action, target) => (action === 'scale-asg' && target === 'web-asg' ? POLICY : null),
  ...over,
});
const group = (g: Partial<AsgState> = {}): AsgState =>
  ({ name: 'web-asg', desired: 6, min: 1, max: 12, inService: 6, healthy: 6, instances: 6, ...g });
const cpu = (c: Partial<CpuStats> = {}): CpuStats => ({ average: 17, maximum: 19, minAverage: 15, datapoints: 3, ...c });
const activity = (a: Partial<ScalingActivity> = {}): ScalingActivity => ({
  id: 'a1', statusCode: 'Successful', statusMessage: null, description: 'Launching a new EC2 instance: i-0aaa',
  cause: `At ${ago(47)} a monitor alarm HighCPU in state ALARM triggered policy web-out changing the desired capacity from 3 to 6.`,
  startTime: ago(47), endTime: ago(45), progress: 100, ...a,
});
const acts = (list: ScalingActivity[] = [activity()]): RecentActivities => ({ asOf: AS_OF, windowMinutes: 60, activities: list, truncated: false });
const obs = (o: { group?: AsgState | null; cpu?: CpuStats; activities?: RecentActivities } = {}): LowUtilisationObservations => ({
  asgName: 'web-asg',
  group: { ok: true, value: o.group === undefined ? group() : o.group },
  cpu: { ok: true, value: o.cpu ?? cpu() },
  activities: { ok: true, value: o.activities ?? acts() },
});
const why = (d: RuleDiagnosis, option: string) => d.alternatives.find((a) => a.option === option)?.whyNot;
const noAction = (d: RuleDiagnosis) => expect(d).toMatchObject({ candidate: null, recommendation: 'no-action', risk: 'low' });

describe('low-utilisation: over-provisioned and settled', () => {
  const d = diagnoseLowUtilisation(obs(), req());

  it('proposes ceil(desired × avg / target) instances, with the expected effect and observed state', () => {
    // ceil(6 × 17 / 50) = ceil(2.04) = 3; 6 × 17 / 3 = 34
    expect(d.candidate).toEqual({
      action: 'scale-asg', target: 'web-asg', params: { desiredCapacity: 3 },
      expectedEffect: '3 instances should bring average CPU to ~34%',
      observed: { desiredCapacity: 6, minSize: 1, maxSize: 12 },
    });
    expect(d.hypothesis).toBe('web-asg is over-provisioned: average CPU 17% over 15m is under 20% on 6 healthy instances; 3 instances can carry the load.');
    expect(d.recommendation).toBeUndefined();
  });

  it('reasons in numbers: sustained, settled, sized, and the peak after', () => {
    expect(d.reasoning).toEqual([
      'Average CPU of web-asg was 17% over the last 15m (3 datapoints at 60 s), under the 20% threshold; the highest per-minute Maximum was 19%.',
      'The group has desired capacity 6 (MinSize 1, MaxSize 12); 6 instances in service, 6 healthy.',
      'Every minute averaged at most 19% and peaked at most 19%: under the 20% threshold and the 50% target, so the low load is sustained.',
      'No scaling activity is unfinished or ended in the last 30 minutes (1 activity in the last 60 min): the group has settled.',
      'Sizing: ceil(6 × 19% busiest minute / 50% target) = 3 instances; the 19% peak needs ceil(6 × 19% / 80%) = 2 instances to stay under 80%; so 3 instances would carry the load.',
      'Setting desired capacity from 6 to 3 (-3): with load spread evenly, 3 instances should bring average CPU to ~34%, and the 19% peak to ~38%.',
    ]);
  });

  it('judges the change by its step and keeps confidence honest near the threshold', () => {
    expect(d).toMatchObject({ risk: 'medium', riskFactors: ['step −3 on 6 instances (50%)'] });
    expect(d.confidence).toBe(0.68); // 0.85 × 0.8: 17% is within 5 points of the 20% threshold
    const clear = diagnoseLowUtilisation(obs({ cpu: cpu({ average: 10, maximum: 12, minAverage: 9 }) }), req());
    expect(clear.confidence).toBe(0.85);
    expect(clear.candidate?.params).toEqual({ desiredCapacity: 2 }); // ceil(6 × 10 / 50) = 2
    expect(clear).toMatchObject({ risk: 'high', riskFactors: ['step −4 on 6 instances (67%)'] });
  });

  it('shows the signals against their thresholds', () => {
    expect(d.signals.map((s) => [s.id, s.value, s.threshold, s.comparison, s.breached])).toEqual([
      ['cpu-avg', 17, 20, '<', true], ['cpu-max', 19, 50, '<', true],
      ['desired-capacity', 6, null, null, null], ['min-size', 1, null, null, null], ['max-size', 12, null, null, null],
      ['in-service', 6, null, null, null], ['healthy', 6, null, null, null], ['scaling-activities', 1, null, null, null],
    ]);
  });

  it('lists do-nothing (cost), replace (nothing to replace) and escalate, and the alternative explanations', () => {
    expect(d.alternatives.map((a) => a.option)).toEqual(['do-nothing', 'replace-unhealthy-instance', 'escalate']);
    expect(why(d, 'do-nothing')).toBe('Keeps paying for 3 instances the load does not need (average 17% on 6).');
    expect(why(d, 'replace-unhealthy-instance')).toMatch(/^There is nothing to replace/);
    expect(why(d, 'escalate')).toMatch(/never below MinSize 1 or the policy minimum 2, at most 10 at once/);
    expect(d.otherHypotheses?.map((h) => [h.statement.split(' ').slice(0, 3).join(' '), h.confidence])).toEqual([
      ['Traffic dropped (time', 0.5], ['A broken upstream', 0.15], ['Capacity is held', 0.2],
    ]);
    const f = finish(d, req());
    expect(f.hypotheses.slice(1).map((h) => h.confidence)).toEqual([0.5, 0.2, 0.15]); // ranked by the engine
  });
});

describe('low-utilisation: sizing clamps', () => {
  it("clamps to the policy max step and says so", () => {
    const d = diagnoseLowUtilisation(obs(), req({ bounds: () => ({ min: 1, max: 20, maxStep: 2 }) }));
    expect(d.candidate?.params).toEqual({ desiredCapacity: 4 });
    expect(d.reasoning).toContain("Raised from 3 to 4 to meet the policy's max step of 2 from 6.");
    expect(d.candidate?.expectedEffect).toBe('4 instances should bring average CPU to ~25.5%');
  });

  it("never goes below the group's MinSize or the policy minimum", () => {
    const d = diagnoseLowUtilisation(obs({ group: group({ min: 5 }) }), req());
    expect(d.candidate?.params).toEqual({ desiredCapacity: 5 });
    expect(d.reasoning).toContain("Raised from 3 to 5 to meet the group's own MinSize (5).");
    const p = diagnoseLowUtilisation(obs(), req({ bounds: () => ({ min: 4, max: 20, maxStep: 10 }) }));
    expect(p.reasoning).toContain('Raised from 3 to 4 to meet the policy minimum (4).');
  });

  it('recommends nothing at the floor', () => {
    const d = diagnoseLowUtilisation(obs({ group: group({ desired: 2, min: 2, inService: 2, healthy: 2 }) }), req());
    noAction(d);
    expect(d.reasoning).toContain("The group cannot shrink below 2: the group's own MinSize (2) and the policy minimum (2) are reached.");
    expect(d.hypothesis).toBe('web-asg has low CPU (17%) but is already at its floor of 2 instances; no action recommended.');
  });

  it('recommends nothing when the load needs every instance at the target', () => {
    // ceil(4 × 39 / 45) = 4: one fewer would run over the target
    const d = diagnoseLowUtilisation(obs({ group: group({ desired: 4, inService: 4, healthy: 4 }), cpu: cpu({ average: 39, maximum: 39.9, minAverage: 38 }) }),
      req({ settings: { threshold_cpu: 40, target_cpu: 45 } }));
    noAction(d);
    expect(d.reasoning).toContain('The load needs all 4 instances at the 45% target: one fewer would push CPU over it.');
  });

  it('refuses contradictory bounds instead of picking one', () => {
    const d = diagnoseLowUtilisation(obs(), req({ bounds: () => ({ min: 10, max: 20, maxStep: 2 }) }));
    expect(d.candidate).toBeNull();
    expect(d.recommendation).toBeUndefined();
    expect(d.reasoning.join(' ')).toMatch(/No desired capacity satisfies every bound: at least 10 .* but at most 8/);
  });
});

describe('low-utilisation: the load does not justify scaling in', () => {
  it('recommends nothing when the average is not under the threshold', () => {
    const d = diagnoseLowUtilisation(obs({ cpu: cpu({ average: 25, maximum: 30, minAverage: 22 }) }), req());
    noAction(d);
    expect(d.hypothesis).toBe('web-asg is not over-provisioned (average CPU 25% ≥ 20% over 15m); no action recommended.');
    expect(d.signals[0]).toMatchObject({ value: 25, breached: false });
  });

  it('recommends nothing when the peaks need the capacity', () => {
    const d = diagnoseLowUtilisation(obs({ cpu: cpu({ average: 12, maximum: 60, minAverage: 10 }) }), req());
    noAction(d);
    expect(d.reasoning).toContain('The peak of 60% reaches the 50% target: the peaks need the capacity the average does not show.');
    expect(why(d, 'scale-asg')).toMatch(/peak of 60%/);
  });

  it('recommends nothing when the low load is not proven sustained', () => {
    // 15 datapoints, mean 12, lowest 2: one minute could have averaged up to the 30% Maximum
    const d = diagnoseLowUtilisation(obs({ cpu: cpu({ average: 12, maximum: 30, minAverage: 2, datapoints: 15 }) }), req());
    noAction(d);
    expect(d.reasoning[d.reasoning.length - 2]).toMatch(/^The busiest minute may have averaged up to 30% .* not under the 20% threshold: low utilisation is not proven sustained\.$/);
  });

  it('proves sustained low load from the mean, the lowest minute and the count', () => {
    expect(busiestMinuteBound({ average: 12, maximum: 30, minAverage: 10, datapoints: 3 })).toBe(16); // 3 × 12 − 2 × 10
    expect(busiestMinuteBound({ average: 12, maximum: 14, minAverage: 10, datapoints: 3 })).toBe(14); // the Maximum is tighter
    expect(busiestMinuteBound({ average: 12, maximum: 30, minAverage: 2, datapoints: 15 })).toBe(30);
    expect(busiestMinuteBound({ average: null, maximum: null, minAverage: null, datapoints: 0 })).toBeNull();
    const d = diagnoseLowUtilisation(obs({ cpu: cpu({ average: 12, maximum: 30, minAverage: 10 }) }), req());
    // The mean alone would fit 2 (ceil(6 × 16 / 50)); the 30% peak needs ceil(6 × 30 / 80) = 3.
    expect(d.candidate?.params).toEqual({ desiredCapacity: 3 });
    expect(d.reasoning).toContain('Every minute averaged at most 16% and peaked at most 30%: under the 20% threshold and the 50% target, so the low load is sustained.');
  });
});

describe('low-utilisation: never sized into saturation at the peak', () => {
  it('keeps enough instances for a skewed peak to stay under 80%', () => {
    // 10 instances, mean 12%, hottest minute 45%: the mean alone says 3 (45% × 10 / 3 = 150%).
    const d = diagnoseLowUtilisation(obs({ group: group({ desired: 10, max: 20, inService: 10, healthy: 10 }), cpu: cpu({ average: 12, maximum: 45, minAverage: 11 }) }), req({ bounds: () => ({ min: 1, max: 20, maxStep: 10 }) }));
    expect(d.candidate?.params).toEqual({ desiredCapacity: 6 }); // ceil(10 × 45 / 80) = 6
    expect(d.reasoning.join(' ')).toContain('the 45% peak needs ceil(10 × 45% / 80%) = 6 instances');
    expect(d.reasoning.join(' ')).toMatch(/the 45% peak to ~75%/);
  });
});

describe('low-utilisation: the group is not in a state to shrink', () => {
  it('recommends nothing while instances are unhealthy', () => {
    const d = diagnoseLowUtilisation(obs({ group: group({ healthy: 4 }) }), req());
    noAction(d);
    expect(d.reasoning).toContain('2 of 6 in-service instances are unhealthy: the healthy ones carry more than the average shows, and scaling in could remove the healthy ones.');
    expect(why(d, 'replace-unhealthy-instance')).toMatch(/^2 instance\(s\) are unhealthy/);
  });

  it('recommends nothing while not every desired instance is in service', () => {
    const d = diagnoseLowUtilisation(obs({ group: group({ inService: 5, healthy: 5 }) }), req());
    noAction(d);
    expect(d.reasoning).toContain('Only 5 of 6 desired instances are in service: the group is still changing, and scaling in now could remove the instances that do work.');
  });

  it('recommends nothing within the settle time of a scale-out: it would oscillate', () => {
    const recent = activity({ startTime: ago(12), endTime: ago(10) });
    const d = diagnoseLowUtilisation(obs({ activities: acts([recent]) }), req());
    noAction(d);
    expect(d.reasoning).toContain('A scaling activity ended within the 30-minute settle time: scale-out 3 → 6 (Successful, ended 10 min ago). Capacity was just added for a reason; removing it now would oscillate.');
    expect(d.hypothesis).toBe('web-asg looks over-provisioned (average 17% < 20%), but it scaled within the last 30 minutes; no scale-in until it settles.');
  });

  it('recommends nothing while an activity is unfinished, or just after a scale-in', () => {
    const running = activity({ statusCode: 'WaitingForInstanceWarmup', endTime: null, startTime: ago(3), progress: 60 });
    expect(diagnoseLowUtilisation(obs({ activities: acts([running]) }), req()).reasoning.join(' ')).toContain('A scaling activity is still in progress: scale-out 3 → 6 (WaitingForInstanceWarmup, started 3 min ago, 60% done).');
    const scaledIn = activity({ description: 'Terminating EC2 instance: i-0bbb', cause: 'At … changing the desired capacity from 8 to 6.', startTime: ago(22), endTime: ago(20) });
    const d = diagnoseLowUtilisation(obs({ activities: acts([scaledIn]) }), req());
    noAction(d);
    expect(d.reasoning.join(' ')).toMatch(/scale-in 8 → 6 \(Successful, ended 20 min ago\)\. The group is still settling/);
  });

  it('uses settle_minutes: a scale-out 45 minutes ago blocks with 60, not with the default 30', () => {
    expect(diagnoseLowUtilisation(obs(), req()).candidate).not.toBeNull();
    noAction(diagnoseLowUtilisation(obs(), req({ settings: { settle_minutes: 60 } })));
  });

  it('does not scale in when the activities cannot be read', () => {
    const d = diagnoseLowUtilisation({ ...obs(), activities: { ok: false, error: 'DescribeScalingActivities: AccessDenied' } }, req());
    expect(d).toMatchObject({ candidate: null, risk: 'medium' });
    expect(d.recommendation).toBeUndefined();
    expect(d.reasoning.at(-1)).toBe('Recent scaling activities could not be read (DescribeScalingActivities: AccessDenied), so it cannot be shown that the group has settled; no scale-in without that.');
    expect(d.signals.at(-1)).toMatchObject({ id: 'scaling-activities', value: null, error: 'DescribeScalingActivities: AccessDenied' });
  });
});

describe('low-utilisation: policy and doubt', () => {
  it('says why there is no candidate when scale-asg is not allowed or the target not whitelisted', () => {
    const notAllowed = diagnoseLowUtilisation(obs(), req({ candidates: ['replace-unhealthy-instance'] }));
    expect(notAllowed.candidate).toBeNull();
    expect(notAllowed.reasoning.at(-1)).toBe('scale-asg is not among the actions policy allows for this alert (replace-unhealthy-instance). The bot proposes nothing; a human may make this change by hand.');
    expect(notAllowed.hypothesis).toMatch(/3 instances can carry the load, but the bot may not scale it\.$/);
    const unlisted = diagnoseLowUtilisation(obs(), req({ bounds: () => null }));
    expect(unlisted.candidate).toBeNull();
    expect(unlisted.reasoning.at(-1)).toMatch(/^Policy does not whitelist web-asg as a scale-asg target\./);
  });

  it('raises "a broken upstream" and lowers confidence when the group is close to idle', () => {
    const d = diagnoseLowUtilisation(obs({ cpu: cpu({ average: 2, maximum: 4, minAverage: 1 }) }), req());
    expect(d.candidate?.params).toEqual({ desiredCapacity: 2 }); // ceil(6 × 2 / 50) = 1, raised to the policy minimum 2
    expect(d.confidence).toBe(0.6); // 0.85 × 0.7
    expect(d.reasoning).toContain('Under 5% is close to idle: check that traffic still arrives before removing capacity (a broken upstream looks exactly like this).');
    expect(finish(d, req()).hypotheses[1]).toEqual({ statement: 'A broken upstream (load balancer, DNS, a failed deploy upstream) sends no traffic: scaling in would hide an outage.', confidence: 0.45 });
  });

  it('proposes nothing without CPU', () => {
    const d = diagnoseLowUtilisation({ ...obs(), cpu: { ok: false, error: 'GetMetricData: ECONNREFUSED' } }, req());
    expect(d).toMatchObject({ candidate: null, risk: 'medium', confidence: 0.2 });
    expect(d.signals[0]).toMatchObject({ value: null, error: 'GetMetricData: ECONNREFUSED' });
    const empty = diagnoseLowUtilisation(obs({ cpu: cpu({ average: null, maximum: null, minAverage: null, datapoints: 0 }) }), req());
    expect(empty.hypothesis).toBe('Low utilisation of web-asg could not be confirmed: its CPU metrics are unavailable.');
    expect(empty.signals[0]?.error).toBe('no datapoints in the last 15m');
  });

  it('lowers confidence with fewer datapoints', () => {
    expect(diagnoseLowUtilisation(obs({ cpu: cpu({ average: 10, maximum: 12, minAverage: 9, datapoints: 1 }) }), req()).confidence).toBe(0.51); // 0.85 × 0.6
  });

  it('says so when the alert names no group, the group is missing, or unreadable', () => {
    const none = diagnoseLowUtilisation({ asgName: null, group: null, cpu: null, activities: null }, req({ alert: testAlert({ labels: {} }) }));
    expect(none).toMatchObject({ candidate: null, signals: [], confidence: 0.1 });
    expect(none.reasoning.join(' ')).toMatch(/no autoscaling_group label/);
    const missing = diagnoseLowUtilisation(obs({ group: null }), req());
    expect(missing.hypothesis).toBe('Auto Scaling group web-asg was not found, so the alert cannot be acted on.');
    const unreadable = diagnoseLowUtilisation({ ...obs(), group: { ok: false, error: 'DescribeAutoScalingGroups: timed out after 5000 ms' } }, req());
    expect(unreadable).toMatchObject({ candidate: null, risk: 'medium' });
    expect(unreadable.hypothesis).toMatch(/looks over-provisioned .* but its capacity could not be read/);
  });
});

describe('low-utilisation: settings, collection and registry', () => {
  it('uses defaults, accepts numeric strings, rejects nonsense', () => {
    expect(lowUtilisationSettings({})).toEqual({ thresholdCpu: 20, targetCpu: 50, settleMinutes: 30 });
    expect(lowUtilisationSettings({ threshold_cpu: '25', settle_minutes: '45' })).toEqual({ thresholdCpu: 25, targetCpu: 50, settleMinutes: 45 });
    expect(() => lowUtilisationSettings({ target_cpu: 'low' })).toThrow(/low-utilisation: setting target_cpu must be a percentage/);
    expect(() => lowUtilisationSettings({ threshold_cpu: 0 })).toThrow(/threshold_cpu/);
    expect(() => lowUtilisationSettings({ threshold_cpu: 60 })).toThrow(/threshold_cpu \(60\) must be below target_cpu \(50\)/);
    expect(() => lowUtilisationSettings({ settle_minutes: -1 })).toThrow(/settle_minutes must be a whole number of minutes/);
    expect(() => lowUtilisationSettings({ settle_minutes: 1.5 })).toThrow(/settle_minutes/);
    expect(() => lowUtilisationSettings({ settle_minutes: true })).toThrow(/settle_minutes/);
  });

  it('fails on a bad setting, and reads nothing without a group, before any AWS call', async () => {
    const calls: string[] = [];
    const ctx = { now: new Date(AS_OF), run: async (what: string) => { calls.push(what); return { ok: false, error: 'unexpected' }; } } as unknown as CollectContext;
    await expect(lowUtilisation.collect(ctx, req({ settings: { target_cpu: 10 } }))).rejects.toThrow(/must be below target_cpu/);
    expect(await lowUtilisation.collect(ctx, req({ alert: testAlert({ labels: {} }) }))).toEqual({ asgName: null, group: null, cpu: null, activities: null });
    expect(calls).toEqual([]);
  });

  it('is registered under its name', () => {
    expect(diagnosisRuleNames).toContain('low-utilisation');
    expect(diagnosisRules['low-utilisation']).toBe(lowUtilisation);
  });
});
