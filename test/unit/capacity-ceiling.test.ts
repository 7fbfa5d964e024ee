// The capacity-ceiling rule's decisions with plain objects: no AWS, no clock (the activities carry
// their own `asOf`).
import { describe, expect, it } from 'vitest';
import type { RuleDiagnosis } from '../../src/domain/diagnosis.ts';
import type { CapacityBounds } from '../../src/domain/bounds.ts';
import type { AsgState } from '../../src/diagnosis/collectors/autoscaling.ts';
import type { CpuStats } from '../../src/diagnosis/collectors/cloudwatch.ts';
import type { RecentActivities, ScalingActivity } from '../../src/diagnosis/collectors/scaling-activities.ts';
import { finish, type CollectContext, type DiagnoseRequest } from '../../src/diagnosis/engine.ts';
import {
  capacityCeiling, ceilingLimits, ceilingSettings, diagnoseCapacityCeiling, type CapacityCeilingObservations,
} from '../../src/diagnosis/rules/capacity-ceiling.ts';
import { diagnosisRuleNames, diagnosisRules } from '../../src/diagnosis/rules/registry.ts';
import { diagnoseRequest, testAlert } from '../helpers/diagnose-request.ts';

const POLICY: CapacityBounds = { min: 2, max: 20, maxStep: 10 };
const AS_OF = '2025-01-01T01:00:00.000Z';
const ago = (min: number) => new Date(Date.parse(AS_OF) - min * 60_000).toISOString();
const req = (over: Partial<DiagnoseRequest> = {}): DiagnoseRequest => diagnoseRequest({
  rule: 'capacity-ceiling',
  alert: testAlert({ name: 'AsgAtMaxCapacity' }),
  bounds: (action, target) => (action === 'scale-asg' && target === 'web-asg' ? POLICY : null),
  ...over,
});
const group = (g: Partial<AsgState> = {}): AsgState =>
  ({ name: 'web-asg', desired: 10, min: 2, max: 10, inService: 10, healthy: 10, instances: 10, ...g });
const cpu = (c: Partial<CpuStats> = {}): CpuStats => ({ average: 94, maximum: 97, minAverage: 90, datapoints: 3, ...c });
const activity = (a: Partial<ScalingActivity> = {}): ScalingActivity => ({
  id: 'a1', statusCode: 'Successful', statusMessage: null, description: 'Launching a new EC2 instance: i-0aaa',
  cause: `At ${ago(27)} a monitor alarm HighCPU in state ALARM triggered policy web-out changing the desired capacity from 8 to 10.`,
  startTime: ago(27), endTime: ago(25), progress: 100, ...a,
});
const acts = (list: ScalingActivity[] = [activity()], over: Partial<RecentActivities> = {}): RecentActivities =>
  ({ asOf: AS_OF, windowMinutes: 60, activities: list, truncated: false, ...over });
const obs = (o: { group?: AsgState | null; cpu?: CpuStats; activities?: RecentActivities } = {}): CapacityCeilingObservations => ({
  asgName: 'web-asg',
  group: { ok: true, value: o.group === undefined ? group() : o.group },
  cpu: { ok: true, value: o.cpu ?? cpu() },
  activities: { ok: true, value: o.activities ?? acts() },
});
const text = (d: RuleDiagnosis) => d.reasoning.join(' ');
const why = (d: RuleDiagnosis, option: string) => d.alternatives.find((a) => a.option === option)?.whyNot;

describe('capacity-ceiling: saturated at its own MaxSize', () => {
  const d = diagnoseCapacityCeiling(obs(), req());

  it('recommends escalating, proposes nothing, and rates the situation high', () => {
    expect(d).toMatchObject({ candidate: null, recommendation: 'escalate', risk: 'high', confidence: 0.9 });
    expect(d.hypothesis).toBe('web-asg is CPU-saturated (average 94% > 80%) and has hit its capacity ceiling; escalate to a human.');
  });

  it('says which limit binds, for how long, and how CPU stands', () => {
    expect(d.reasoning).toContain("The group cannot grow past 10: the group's own MaxSize (10) is reached.");
    expect(d.reasoning).toContain(`The last successful scale-out (8 → 10) ended 25 minutes ago (${ago(25)}): the group has been at 10 for about 25 minutes.`);
    expect(d.reasoning).toContain('At the ceiling with average CPU 94% above the 80% threshold, users are on a saturated group that cannot grow: high risk.');
    expect(d.reasoning.at(-1)).toMatch(/^Escalating to a human: more capacity needs MaxSize raised/);
    expect(text(d)).toContain('Policy allows scale-asg on web-asg between 2 and 20, at most 10 per change.');
  });

  it('explains each alternative with the blocking limit', () => {
    expect(d.alternatives.map((a) => a.option)).toEqual(['scale-asg', 'replace-unhealthy-instance', 'do-nothing']);
    expect(why(d, 'scale-asg')).toBe("The group cannot grow past 10: the group's own MaxSize (10) is reached. Raising a limit is a configuration change outside the whitelist.");
    expect(why(d, 'replace-unhealthy-instance')).toBe('All 10 in-service instances are healthy: a replacement adds no capacity.');
    expect(why(d, 'do-nothing')).toMatch(/94% is above the 80% threshold and the group cannot grow/);
  });

  it('ranks other causes, growth first when the load is sustained and the group was climbing', () => {
    const h = d.otherHypotheses ?? [];
    expect(h.map((x) => x.statement.split(':')[0])).toEqual(['Organic growth outgrew the maximum', 'A runaway job or a slow dependency makes every instance busier; more instances would only mask it.', 'The limit was set too low (for example lowered after a previous incident and never raised again).']);
    expect(h[0]?.confidence).toBeCloseTo(0.7, 5); // 0.5 + sustained (lowest 90% > 80%) + a scale-out in the window
    expect(h[1]?.confidence).toBe(0.35); // peak 97% is close to the 94% average: not skewed
    // Skewed load (peak 15 points or more above the average) points at a runaway job instead.
    const skewed = diagnoseCapacityCeiling(obs({ cpu: cpu({ average: 85, maximum: 100, minAverage: 70 }), activities: acts([]) }), req());
    expect(skewed.otherHypotheses?.map((x) => x.confidence)).toEqual([0.5, 0.5, 0.3]);
  });

  it('shows every signal with provenance, the activities included', () => {
    expect(d.signals.map((s) => [s.id, s.value])).toEqual([
      ['cpu-avg', 94], ['cpu-max', 97], ['desired-capacity', 10], ['min-size', 2], ['max-size', 10], ['in-service', 10], ['healthy', 10], ['scaling-activities', 1],
    ]);
    expect(d.signals.at(-1)).toEqual({
      id: 'scaling-activities', label: 'Scaling activities (60m)', source: 'autoscaling',
      query: 'AutoScaling DescribeScalingActivities AutoScalingGroupName=web-asg → Activities[unfinished, or started/ended in the last 60m]',
      window: '60m', value: 1, unit: 'activities', threshold: null, comparison: null, breached: null,
    });
    expect(d.signals[0]).toMatchObject({ threshold: 80, comparison: '>', breached: true });
  });

  it('stays advisory after the engine: no candidate, the rule risk kept', () => {
    const f = finish(d, req());
    expect(f).toMatchObject({ candidate: null, recommendation: 'escalate', risk: 'high' });
    expect(f.hypotheses.map((h) => h.confidence)).toEqual([0.9, 0.7, 0.35, 0.3]);
  });
});

describe('capacity-ceiling: which limit binds', () => {
  it('names the policy maximum when it is lower than MaxSize', () => {
    const d = diagnoseCapacityCeiling(obs({ group: group({ desired: 8, inService: 8, healthy: 8 }) }), req({ bounds: () => ({ min: 2, max: 8, maxStep: 4 }) }));
    expect(d.recommendation).toBe('escalate');
    expect(d.reasoning).toContain('The group cannot grow past 8: the policy maximum (8) is reached.');
    expect(d.reasoning).toContain('MaxSize 10 would allow 2 more instances, but the bot may not go past the policy maximum.');
    expect(d.reasoning.at(-1)).toMatch(/needs the policy maximum raised/);
  });

  it('names both when both bind', () => {
    const d = diagnoseCapacityCeiling(obs(), req({ bounds: () => ({ min: 2, max: 10, maxStep: 4 }) }));
    expect(d.reasoning).toContain("The group cannot grow past 10: the group's own MaxSize (10) and the policy maximum (10) are reached.");
    expect(d.reasoning.at(-1)).toMatch(/needs MaxSize and the policy maximum raised/);
  });

  it('lists the limits that stop growth, none when there is room', () => {
    expect(ceilingLimits({ desired: 10, max: 10 }, null)).toEqual(["the group's own MaxSize (10)"]);
    expect(ceilingLimits({ desired: 11, max: 10 }, { min: 1, max: 12, maxStep: 1 })).toEqual(["the group's own MaxSize (10)"]); // moto lets desired exceed max
    expect(ceilingLimits({ desired: 6, max: 10 }, { min: 1, max: 8, maxStep: 1 })).toEqual([]);
  });

  it('says when the bot could not scale the group anyway', () => {
    const none = diagnoseCapacityCeiling(obs(), req({ candidates: [] }));
    expect(none.reasoning).toContain('scale-asg is not among the actions policy allows for this alert (none).');
    expect(why(none, 'scale-asg')).toMatch(/is reached\. scale-asg is not among the actions/);
    const unlisted = diagnoseCapacityCeiling(obs(), req({ bounds: () => null }));
    expect(unlisted.reasoning).toContain('Policy does not whitelist web-asg as a scale-asg target.');
    expect(unlisted.recommendation).toBe('escalate');
  });
});

describe('capacity-ceiling: CPU and history at the ceiling', () => {
  it('is low risk when CPU is comfortably fine, medium when one peak away', () => {
    const fine = diagnoseCapacityCeiling(obs({ cpu: cpu({ average: 35, maximum: 50, minAverage: 30 }) }), req());
    expect(fine).toMatchObject({ risk: 'low', recommendation: 'escalate', candidate: null });
    expect(fine.hypothesis).toBe('web-asg is at its capacity ceiling (10 instances) with CPU under threshold (average 35% ≤ 80%); a human should decide whether the limit is still right.');
    expect(fine.reasoning).toContain('Average CPU 35% is under the 80% threshold (peak 50%): the group copes at its ceiling for now, but has no headroom for the next peak (low risk).');
    expect(fine.otherHypotheses?.map((h) => h.confidence)).toEqual([0.5, 0.45, 0.25]); // 35% < half the threshold: scale-in not happening is likelier
    expect(why(fine, 'do-nothing')).toMatch(/CPU is fine now \(35% ≤ 80%\), but with no headroom/);
    expect(diagnoseCapacityCeiling(obs({ cpu: cpu({ average: 65, maximum: 75, minAverage: 60 }) }), req()).risk).toBe('medium');
    expect(diagnoseCapacityCeiling(obs({ cpu: cpu({ average: 40, maximum: 85, minAverage: 30 }) }), req()).risk).toBe('medium'); // a peak over the threshold
  });

  it('uses threshold_cpu from settings', () => {
    const d = diagnoseCapacityCeiling(obs(), req({ settings: { threshold_cpu: 95 } }));
    expect(d.risk).toBe('medium'); // 94 ≤ 95, and within 20 points of it
    expect(d.hypothesis).toMatch(/CPU under threshold \(average 94% ≤ 95%\)/);
  });

  it('says the capacity has not changed when the window has no activity', () => {
    const d = diagnoseCapacityCeiling(obs({ activities: acts([]) }), req());
    expect(d.reasoning).toContain('No scaling activity in the last 60 minutes: capacity has not changed for at least 60 minutes.');
    expect(d.otherHypotheses?.[0]?.confidence).toBeCloseTo(0.6, 5); // sustained, but not climbing
  });

  it('says when no scale-out completed, and when the read was cut short', () => {
    const terminate = activity({ description: 'Terminating EC2 instance: i-0bbb', cause: 'At … an instance was taken out of service in response to an EC2 health check.' });
    const d = diagnoseCapacityCeiling(obs({ activities: acts([terminate], { truncated: true }) }), req());
    expect(d.reasoning).toContain('No scale-out completed in the last 60 minutes (1 other activity): the group reached its ceiling earlier, or by another route (a manual change, a lowered limit) (the read stopped at its page limit, so older activities were not seen).');
  });

  it('mentions launches still in progress, up to the desired capacity only', () => {
    const launching = activity({ id: 'a2', statusCode: 'PreInService', endTime: null, startTime: ago(2), progress: 30,
      cause: `At ${ago(2)} an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 9 to 10.`, description: 'Launching a new EC2 instance: i-0ccc' });
    const d = diagnoseCapacityCeiling(obs({ group: group({ inService: 9, healthy: 9 }), activities: acts([launching, activity()]) }), req());
    expect(d.reasoning).toContain('1 launch activity still in progress (launch (PreInService, started 2 min ago, 30% done)): capacity is already being added, up to the desired 10 and no further.');
  });

  it('marks unreadable activities as an unavailable signal and lowers confidence', () => {
    const d = diagnoseCapacityCeiling({ ...obs(), activities: { ok: false, error: 'DescribeScalingActivities: AccessDenied' } }, req());
    expect(d.signals.at(-1)).toMatchObject({ id: 'scaling-activities', value: null, error: 'DescribeScalingActivities: AccessDenied' });
    expect(d.reasoning).toContain('How long the group has been at its ceiling is unknown: its scaling activities could not be read (DescribeScalingActivities: AccessDenied).');
    expect(d).toMatchObject({ recommendation: 'escalate', confidence: 0.81 });
    expect(finish(d, req()).confidence).toBe(0.6); // the engine caps a diagnosis with an unavailable signal
  });

  it('still escalates without CPU, at medium risk and lower confidence', () => {
    const d = diagnoseCapacityCeiling({ ...obs(), cpu: { ok: false, error: 'GetMetricData: timed out after 5000 ms' } }, req());
    expect(d).toMatchObject({ recommendation: 'escalate', risk: 'medium', confidence: 0.63 });
    expect(d.hypothesis).toBe('web-asg is at its capacity ceiling (10 instances); its CPU could not be read; escalate to a human.');
    expect(d.reasoning).toContain('CPU could not be read, so whether the group copes at its ceiling is unknown.');
    expect(d.signals[0]).toMatchObject({ value: null, error: 'GetMetricData: timed out after 5000 ms' });
  });

  it('suggests replacing unhealthy instances without pretending it lifts the ceiling', () => {
    const d = diagnoseCapacityCeiling(obs({ group: group({ healthy: 8 }) }), req());
    expect(why(d, 'replace-unhealthy-instance')).toBe('2 of 10 in-service instances are unhealthy: replacing them restores capacity up to the ceiling and is worth doing, but it cannot lift the ceiling.');
  });
});

describe('capacity-ceiling: not at the ceiling', () => {
  const scaleIn = activity({ description: 'Terminating EC2 instance: i-0ddd', cause: `At ${ago(20)} a monitor alarm LowCPU in state ALARM triggered policy web-in changing the desired capacity from 10 to 6.` });
  const d = diagnoseCapacityCeiling(obs({ group: group({ desired: 6, inService: 6, healthy: 6 }), cpu: cpu({ average: 40, maximum: 55, minAverage: 35 }), activities: acts([scaleIn]) }),
    req({ bounds: () => ({ min: 2, max: 8, maxStep: 4 }) }));

  it('recommends no action with the headroom in numbers', () => {
    expect(d).toMatchObject({ candidate: null, recommendation: 'no-action', risk: 'low' });
    expect(d.hypothesis).toBe('web-asg is not at its capacity ceiling: desired 6, ceiling 8 (the policy maximum), 2 instances of headroom; no action recommended.');
    expect(d.reasoning).toContain('Desired capacity 6 is under every limit: MaxSize 10 leaves 4 more instances; the policy maximum 8 leaves 2.');
    expect(d.reasoning).toContain('The group has 2 instances of headroom before the policy maximum (8) binds, so no action is recommended for the ceiling.');
    expect(why(d, 'scale-asg')).toBe('Nothing stops the group growing: 2 more instances fit under the policy maximum (8); whether to scale out is for a CPU alert to decide.');
  });

  it('ranks "it has since scaled in" higher when the activities show a scale-in', () => {
    expect(d.otherHypotheses?.[0]).toEqual({ statement: 'The group was at its maximum when the alert fired and has since scaled in.', confidence: 0.5 });
    const quiet = diagnoseCapacityCeiling(obs({ group: group({ desired: 6, inService: 6, healthy: 6 }), activities: acts([]) }), req());
    expect(quiet.otherHypotheses?.[0]?.confidence).toBe(0.2);
    expect(quiet.hypothesis).toMatch(/ceiling 10 \(the group's own MaxSize\), 4 instances of headroom/);
  });

  it('points a saturated group with headroom at the CPU rule', () => {
    const hot = diagnoseCapacityCeiling(obs({ group: group({ desired: 6, inService: 6, healthy: 6 }) }), req());
    expect(hot.recommendation).toBe('no-action');
    expect(hot.reasoning).toContain('CPU is above the 80% threshold, but the group can still grow: that is for a CPU alert (cpu-saturation) to size, not for this one.');
  });
});

describe('capacity-ceiling: cannot tell', () => {
  it('says so when the alert names no group', () => {
    const d = diagnoseCapacityCeiling({ asgName: null, group: null, cpu: null, activities: null }, req({ alert: testAlert({ labels: {} }) }));
    expect(d).toMatchObject({ candidate: null, signals: [], confidence: 0.1 });
    expect(d.recommendation).toBeUndefined();
    expect(text(d)).toMatch(/no autoscaling_group label/);
  });

  it('says the group was not found', () => {
    const d = diagnoseCapacityCeiling(obs({ group: null }), req());
    expect(d.hypothesis).toBe('Auto Scaling group web-asg was not found, so its capacity ceiling cannot be checked.');
    expect(d.signals.find((s) => s.id === 'max-size')).toMatchObject({ value: null, error: 'no Auto Scaling group named web-asg' });
  });

  it('does not guess when the group cannot be read', () => {
    const d = diagnoseCapacityCeiling({ ...obs(), group: { ok: false, error: 'DescribeAutoScalingGroups: timed out after 5000 ms' } }, req());
    expect(d).toMatchObject({ candidate: null, confidence: 0.2, risk: 'medium' });
    expect(d.recommendation).toBeUndefined();
    expect(d.hypothesis).toMatch(/Whether web-asg is at its capacity ceiling is unknown/);
  });
});

describe('capacity-ceiling: settings, collection and registry', () => {
  it('validates threshold_cpu', () => {
    expect(ceilingSettings({})).toEqual({ thresholdCpu: 80 });
    expect(ceilingSettings({ threshold_cpu: '90' })).toEqual({ thresholdCpu: 90 });
    expect(() => ceilingSettings({ threshold_cpu: 'high' })).toThrow(/capacity-ceiling: setting threshold_cpu must be a percentage/);
    expect(() => ceilingSettings({ threshold_cpu: 101 })).toThrow();
  });

  it('fails on a bad setting, and reads nothing without a group, before any AWS call', async () => {
    const calls: string[] = [];
    const ctx = { now: new Date(AS_OF), run: async (what: string) => { calls.push(what); return { ok: false, error: 'unexpected' }; } } as unknown as CollectContext;
    await expect(capacityCeiling.collect(ctx, req({ settings: { threshold_cpu: 0 } }))).rejects.toThrow(/threshold_cpu/);
    expect(await capacityCeiling.collect(ctx, req({ alert: testAlert({ labels: {} }) }))).toEqual({ asgName: null, group: null, cpu: null, activities: null });
    expect(calls).toEqual([]);
  });

  it('is registered under its name', () => {
    expect(diagnosisRuleNames).toContain('capacity-ceiling');
    expect(diagnosisRules['capacity-ceiling']).toBe(capacityCeiling);
  });
});
