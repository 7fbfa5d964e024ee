// capacity-ceiling: is an Auto Scaling group stuck at its maximum, which limit holds it there, for
// how long, and does it hurt? A group at its ceiling can only be helped by a person (raise MaxSize
// or the policy maximum, or fix what makes it busy), so this rule never proposes a change: it
// recommends escalating. `ceilingVerdict` is the one text for "at the ceiling"; cpu-saturation uses
// it too, so both cards say the same thing.
import type { CapacityBounds } from '../../domain/bounds.ts';
import type { Alternative, Hypothesis, RiskLevel, RuleDiagnosis } from '../../domain/diagnosis.ts';
import { describeAsg, type AsgState } from '../collectors/autoscaling.ts';
import { CPU_WINDOW, getAsgCpu, type CpuStats } from '../collectors/cloudwatch.ts';
import { ACTIVITY_WINDOW_MINUTES, describeRecentActivities, type RecentActivities } from '../collectors/scaling-activities.ts';
import type { Collected, DiagnoseRequest, DiagnosisRule } from '../engine.ts';
import { describeActivity, scalingHistory, type ScalingHistory } from '../scaling-history.ts';
import { pct, plural, r1, r2 } from './format.ts';
import { asgTarget, percentSetting } from './inputs.ts';
import { activitiesSignal, cpuSignals, groupSignals } from './signals.ts';

const NAME = 'capacity-ceiling';
const ACTION = 'scale-asg';

export interface CapacityCeilingObservations {
  /** From the alert label `autoscaling_group`; null = the alert names no group (nothing collected). */
  asgName: string | null;
  /** ok with value null = the group does not exist. */
  group: Collected<AsgState | null> | null;
  cpu: Collected<CpuStats> | null;
  activities: Collected<RecentActivities> | null;
}

/** `threshold_cpu` (default 80, as cpu-saturation): above it, a group at its ceiling is saturated. */
export function ceilingSettings(settings: DiagnoseRequest['settings']): { thresholdCpu: number } {
  return { thresholdCpu: percentSetting(NAME, settings, 'threshold_cpu', 80) };
}

/** The limits that stop `g` growing, in words (empty = it can still grow). Same words as sizing's clamps. */
export function ceilingLimits(g: Pick<AsgState, 'desired' | 'max'>, policy: CapacityBounds | null): string[] {
  const out: string[] = [];
  if (g.desired >= g.max) out.push(`the group's own MaxSize (${g.max})`);
  if (policy && g.desired >= policy.max) out.push(`the policy maximum (${policy.max})`);
  return out;
}

export interface CeilingInput {
  name: string;
  group: AsgState;
  /** The policy's bounds for scale-asg on this group; null = none apply. */
  policy: CapacityBounds | null;
  /** Why the bot could not scale this group even below the ceiling; null = it could. */
  policyNote: string | null;
  /** Rounded as displayed; null = CPU unavailable. */
  cpu: { average: number; maximum: number | null; minAverage: number | null } | null;
  thresholdCpu: number;
  /** null = not collected; an error = could not be read. */
  history: Collected<ScalingHistory> | null;
}

export interface CeilingVerdict {
  hypothesis: string;
  risk: RiskLevel;
  /** Steps to append to the rule's own reasoning (which has already described CPU and capacity). */
  reasoning: string[];
  alternatives: Alternative[];
  otherHypotheses: Hypothesis[];
  recommendation: 'escalate';
  candidate: null;
}

/** Pure: what to say about a group that cannot grow. The caller has checked `ceilingLimits` is non-empty. */
export function ceilingVerdict(i: CeilingInput): CeilingVerdict {
  const { name, group: g, cpu, thresholdCpu: t } = i;
  const limits = ceilingLimits(g, i.policy);
  const blocked = `The group cannot grow past ${g.desired}: ${limits.join(' and ')} ${limits.length > 1 ? 'are' : 'is'} reached.`;
  const reasoning = [blocked];
  const policyOnly = i.policy !== null && g.desired < g.max && g.desired >= i.policy.max;
  if (policyOnly) reasoning.push(`MaxSize ${g.max} would allow ${plural(g.max - g.desired, 'more instance')}, but the bot may not go past the policy maximum.`);
  const since = timeAtCeiling(i.history, g.desired);
  if (since) reasoning.push(since);
  const adding = i.history?.ok ? i.history.value.addingNow : [];
  if (adding[0]) reasoning.push(`${plural(adding.length, 'launch activity', 'launch activities')} still in progress (${describeActivity(adding[0])}): capacity is already being added, up to the desired ${g.desired} and no further.`);

  const saturated = cpu !== null && cpu.average > t;
  // A peak well above the mean: some instances are pinned while others idle. The margin is small
  // because a saturated mean (> 80%) leaves little room under 100%.
  const skewed = cpu !== null && cpu.maximum !== null && cpu.maximum - cpu.average >= 15;
  let risk: RiskLevel;
  if (!cpu) {
    risk = 'medium';
    reasoning.push('CPU could not be read, so whether the group copes at its ceiling is unknown.');
  } else if (saturated) {
    risk = 'high';
    reasoning.push(`At the ceiling with average CPU ${pct(cpu.average)} above the ${pct(t)} threshold, users are on a saturated group that cannot grow: high risk.`);
  } else {
    // Comfortably under the threshold with no peak over it is low; anything closer is one peak away.
    risk = cpu.average <= t - 20 && (cpu.maximum === null || cpu.maximum <= t) ? 'low' : 'medium';
    reasoning.push(`Average CPU ${pct(cpu.average)} is under the ${pct(t)} threshold${cpu.maximum !== null ? ` (peak ${pct(cpu.maximum)})` : ''}: the group copes at its ceiling for now, but has no headroom for the next peak (${risk} risk).`);
  }
  if (i.policyNote) reasoning.push(i.policyNote);
  const raise = limits.length > 1 ? 'MaxSize and the policy maximum' : policyOnly ? 'the policy maximum' : 'MaxSize';
  reasoning.push(`Escalating to a human: more capacity needs ${raise} raised, or a different fix (slow dependency, bad deploy, runaway job).`);

  const hypothesis = !cpu
    ? `${name} is at its capacity ceiling (${g.desired} instances); its CPU could not be read; escalate to a human.`
    : saturated
      ? `${name} is CPU-saturated (average ${pct(cpu.average)} > ${pct(t)}) and has hit its capacity ceiling; escalate to a human.`
      : `${name} is at its capacity ceiling (${g.desired} instances) with CPU under threshold (average ${pct(cpu.average)} ≤ ${pct(t)}); a human should decide whether the limit is still right.`;

  const unhealthy = g.inService - g.healthy;
  const alternatives: Alternative[] = [
    { option: ACTION, summary: `Scale ${name} out`, whyNot: `${blocked}${i.policyNote ? ` ${i.policyNote}` : ''} Raising a limit is a configuration change outside the whitelist.` },
    { option: 'replace-unhealthy-instance', summary: 'Replace one instance', whyNot: unhealthy > 0
      ? `${unhealthy} of ${g.inService} in-service instances are unhealthy: replacing them restores capacity up to the ceiling and is worth doing, but it cannot lift the ceiling.`
      : `All ${g.inService} in-service instances are healthy: a replacement adds no capacity.` },
    { option: 'do-nothing', summary: 'Wait and watch', whyNot: !cpu
      ? 'CPU is unknown and the group cannot grow: waiting blind could leave users on a saturated group.'
      : saturated
        ? `Average CPU ${pct(cpu.average)} is above the ${pct(t)} threshold and the group cannot grow: waiting leaves users on a saturated group.`
        : `CPU is fine now (${pct(cpu.average)} ≤ ${pct(t)}), but with no headroom the next peak cannot be absorbed; a human should confirm the ceiling is intended before it matters.` },
  ];
  return { hypothesis, risk, reasoning, alternatives, otherHypotheses: causes(cpu, t, saturated, skewed, i.history), recommendation: 'escalate', candidate: null };
}

function timeAtCeiling(h: Collected<ScalingHistory> | null, desired: number): string | null {
  if (!h) return null;
  if (!h.ok) return `How long the group has been at its ceiling is unknown: its scaling activities could not be read (${h.error}).`;
  const { lastScaleOut: last, windowMinutes: w, activities } = h.value;
  const capped = h.value.truncated ? ' (the read stopped at its page limit, so older activities were not seen)' : '';
  if (last) {
    const change = last.desiredChange ? ` (${last.desiredChange.from} → ${last.desiredChange.to})` : '';
    const at = last.desiredChange?.to === desired ? `the group has been at ${desired} for about ${plural(last.minutesAgo, 'minute')}` : 'capacity has not grown since';
    return `The last successful scale-out${change} ended ${plural(last.minutesAgo, 'minute')} ago (${last.endTime ?? last.startTime}): ${at}.`;
  }
  if (activities.length === 0) return `No scaling activity in the last ${w} minutes: capacity has not changed for at least ${w} minutes${capped}.`;
  return `No scale-out completed in the last ${w} minutes (${plural(activities.length, 'other activity', 'other activities')}): the group reached its ceiling earlier, or by another route (a manual change, a lowered limit)${capped}.`;
}

/** Other explanations, most likely first; the engine keeps none above the primary. */
function causes(cpu: CeilingInput['cpu'], t: number, saturated: boolean, skewed: boolean, h: Collected<ScalingHistory> | null): Hypothesis[] {
  const tooLow: Hypothesis = { statement: 'The limit was set too low (for example lowered after a previous incident and never raised again).', confidence: 0.3 };
  const growth = 'Organic growth outgrew the maximum: load rose over time and the group scaled until the limit stopped it.';
  const runaway = 'A runaway job or a slow dependency makes every instance busier; more instances would only mask it.';
  if (!cpu) return [{ statement: growth, confidence: 0.35 }, { statement: runaway, confidence: 0.3 }, { ...tooLow, confidence: 0.25 }];
  if (saturated) {
    const sustained = cpu.minAverage !== null && cpu.minAverage > t;
    const climbing = h?.ok === true && h.value.lastScaleOut !== null;
    return [
      { statement: growth, confidence: 0.5 + (sustained ? 0.1 : 0) + (climbing ? 0.1 : 0) },
      // A peak far above the average means some instances are pinned: typical of a stuck job or hot key.
      { statement: runaway, confidence: skewed ? 0.5 : 0.35 },
      tooLow,
    ];
  }
  return [
    { statement: 'The group scaled out for a peak and copes now, but has no headroom for the next one.', confidence: 0.5 },
    { statement: 'Scale-in is not happening: no scale-in policy, a long cooldown or scale-in protection keeps the group at its maximum.', confidence: cpu.average < t / 2 ? 0.45 : 0.35 },
    { ...tooLow, confidence: 0.25 },
  ];
}

export function diagnoseCapacityCeiling(obs: CapacityCeilingObservations, req: DiagnoseRequest): RuleDiagnosis {
  const { thresholdCpu: t } = ceilingSettings(req.settings);
  const name = obs.asgName;
  const reasoning: string[] = req.alert.status === 'resolved' ? ['The alert is already marked resolved at its source.'] : [];
  if (!name) {
    return {
      rule: NAME, candidate: null, signals: [], confidence: 0.1, risk: 'medium', reasoning: [...reasoning,
        `The alert "${req.alert.name}" has no autoscaling_group label, so there is no group whose capacity could be read.`,
        'No action is proposed; a human has to identify the affected group.'],
      hypothesis: 'A capacity ceiling cannot be diagnosed: the alert names no Auto Scaling group.',
      alternatives: [
        { option: 'escalate', summary: 'Page a human', whyNot: 'Nothing is known yet; first the alert must say which group it is about.' },
        { option: 'do-nothing', summary: 'Ignore the alert', whyNot: 'The alert is firing and nothing has been checked yet.' },
      ],
    };
  }
  const signals = [
    ...cpuSignals(name, obs.cpu, { threshold: t, comparison: '>' }, null),
    ...groupSignals(name, obs.group),
    ...(obs.activities ? [activitiesSignal(name, obs.activities, ACTIVITY_WINDOW_MINUTES)] : []),
  ];
  const stats = obs.cpu?.ok && obs.cpu.value.average !== null ? obs.cpu.value : null;
  const cpu = stats && stats.average !== null
    ? { average: r1(stats.average), maximum: stats.maximum !== null ? r1(stats.maximum) : null, minAverage: stats.minAverage !== null ? r1(stats.minAverage) : null }
    : null;
  const group = obs.group?.ok ? obs.group.value : null;
  const history: Collected<ScalingHistory> | null = obs.activities ? (obs.activities.ok ? { ok: true, value: scalingHistory(obs.activities.value) } : obs.activities) : null;

  if (group) reasoning.push(`${name} has desired capacity ${group.desired} (MinSize ${group.min}, MaxSize ${group.max}); ${plural(group.inService, 'instance')} in service, ${group.healthy} healthy.`);
  if (stats && cpu) {
    reasoning.push(`Average CPU was ${pct(cpu.average)} over the last ${CPU_WINDOW} (${plural(stats.datapoints, 'datapoint')}), ${cpu.average > t ? 'above' : 'not above'} the ${pct(t)} threshold${cpu.maximum !== null ? `; the highest per-minute Maximum was ${pct(cpu.maximum)}` : ''}.`);
  } else {
    reasoning.push(`CPUUtilization for ${name} ${obs.cpu && !obs.cpu.ok ? `could not be read (${obs.cpu.error})` : `has no datapoints in the last ${CPU_WINDOW}`}.`);
  }
  let conf = 0.9; // being at the ceiling is a plain fact of DescribeAutoScalingGroups
  if (!cpu) conf *= 0.7; // …but whether it hurts is not known
  else if (stats && stats.datapoints < 3) conf *= 0.85;
  if (history && !history.ok) conf *= 0.9;
  const done = (d: Omit<RuleDiagnosis, 'rule' | 'signals' | 'reasoning' | 'confidence'>, c = conf): RuleDiagnosis =>
    ({ rule: NAME, signals, reasoning, ...d, confidence: r2(c) });

  if (obs.group?.ok && group === null) {
    reasoning.push(`DescribeAutoScalingGroups found no group named ${name}: the alert label may be wrong or the group was deleted.`);
    return done({ hypothesis: `Auto Scaling group ${name} was not found, so its capacity ceiling cannot be checked.`, risk: 'medium', candidate: null, alternatives: [
      { option: 'escalate', summary: 'Page a human', whyNot: 'There is no group to reason about; someone should fix the alert or find the group.' },
      { option: 'do-nothing', summary: 'Ignore the alert', whyNot: 'An alert points at a group that does not exist.' },
    ] });
  }
  if (!group) {
    reasoning.push(`The group's capacity could not be read (${obs.group && !obs.group.ok ? obs.group.error : 'not collected'}), so whether it is at its ceiling is unknown.`);
    return done({ hypothesis: `Whether ${name} is at its capacity ceiling is unknown: its capacity could not be read.`, risk: 'medium', candidate: null, alternatives: [
      { option: ACTION, summary: `Scale ${name} out`, whyNot: 'The current desired capacity and limits are unknown.' },
      { option: 'do-nothing', summary: 'Wait and watch', whyNot: 'The alert says the group is at its maximum and nothing has disproved it.' },
    ] }, 0.2);
  }

  const allowed = req.candidates.includes(ACTION);
  // The policy maximum binds whatever this alert's candidates are: it is the most the bot may ever set.
  const policy = req.bounds(ACTION, name);
  if (policy) reasoning.push(`Policy allows ${ACTION} on ${name} between ${policy.min} and ${policy.max}, at most ${policy.maxStep} per change.`);
  const policyNote = !allowed
    ? `${ACTION} is not among the actions policy allows for this alert (${req.candidates.join(', ') || 'none'}).`
    : !policy ? `Policy does not whitelist ${name} as a ${ACTION} target.` : null;

  if (ceilingLimits(group, policy).length > 0) {
    const v = ceilingVerdict({ name, group, policy, policyNote, cpu, thresholdCpu: t, history });
    reasoning.push(...v.reasoning);
    return done({ hypothesis: v.hypothesis, risk: v.risk, candidate: null, recommendation: v.recommendation, alternatives: v.alternatives, otherHypotheses: v.otherHypotheses });
  }
  return headroom(name, group, policy, cpu, t, history, reasoning, done);
}

function headroom(name: string, g: AsgState, policy: CapacityBounds | null, cpu: CeilingInput['cpu'], t: number, h: Collected<ScalingHistory> | null,
  reasoning: string[], done: (d: Omit<RuleDiagnosis, 'rule' | 'signals' | 'reasoning' | 'confidence'>) => RuleDiagnosis): RuleDiagnosis {
  const policyBinds = policy !== null && policy.max < g.max;
  const ceiling = policyBinds ? policy.max : g.max;
  const which = policyBinds ? 'the policy maximum' : "the group's own MaxSize";
  const limit = `${which} (${ceiling})`;
  const room = ceiling - g.desired;
  reasoning.push(`Desired capacity ${g.desired} is under every limit: MaxSize ${g.max} leaves ${plural(g.max - g.desired, 'more instance')}${policy ? `; the policy maximum ${policy.max} leaves ${policy.max - g.desired}` : ''}.`);
  reasoning.push(`The group has ${plural(room, 'instance')} of headroom before ${limit} binds, so no action is recommended for the ceiling.`);
  if (cpu && cpu.average > t) reasoning.push(`CPU is above the ${pct(t)} threshold, but the group can still grow: that is for a CPU alert (cpu-saturation) to size, not for this one.`);
  const scaledIn = h?.ok === true && h.value.activities.some((a) => a.kind === 'scale-in' || a.kind === 'terminate');
  return done({
    hypothesis: `${name} is not at its capacity ceiling: desired ${g.desired}, ceiling ${ceiling} (${which}), ${plural(room, 'instance')} of headroom; no action recommended.`,
    risk: 'low', candidate: null, recommendation: 'no-action',
    alternatives: [
      { option: ACTION, summary: `Scale ${name} out`, whyNot: `Nothing stops the group growing: ${plural(room, 'more instance')} fit under ${limit}; whether to scale out is for a CPU alert to decide.` },
      { option: 'escalate', summary: 'Page a human', whyNot: `No limit binds; paging for headroom that exists would be noise. If the alert keeps firing, check its condition against MaxSize ${g.max}.` },
    ],
    otherHypotheses: [
      { statement: 'The group was at its maximum when the alert fired and has since scaled in.', confidence: scaledIn ? 0.5 : 0.2 },
      { statement: "The alert's condition does not match the group's limits (for example it compares against an old MaxSize).", confidence: 0.3 },
    ],
  });
}

export const capacityCeiling: DiagnosisRule<CapacityCeilingObservations> = {
  name: NAME,
  async collect(ctx, req) {
    ceilingSettings(req.settings); // a bad setting fails before any AWS call
    const asgName = asgTarget(req.alert.labels);
    if (!asgName) return { asgName: null, group: null, cpu: null, activities: null };
    const [group, cpu, activities] = await Promise.all([
      ctx.run('DescribeAutoScalingGroups', (abortSignal) => describeAsg(ctx.autoscaling, asgName, { abortSignal })),
      ctx.run('CloudWatch GetMetricData', (abortSignal) => getAsgCpu(ctx.cloudwatch, asgName, { now: ctx.now, abortSignal })),
      ctx.run('DescribeScalingActivities', (abortSignal) => describeRecentActivities(ctx.autoscaling, asgName, { now: ctx.now, abortSignal })),
    ]);
    return { asgName, group, cpu, activities };
  },
  diagnose: diagnoseCapacityCeiling,
};
