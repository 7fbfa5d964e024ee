// low-utilisation: is an Auto Scaling group over-provisioned, and can it safely give instances back?
// Scaling in is the change that hurts when it is wrong (the next peak lands on fewer instances), so
// every doubt ends in "no action": low CPU must be sustained and peaks must fit, every instance must
// be in service and healthy, and nothing may have scaled within the settle time (it would oscillate).
// `diagnose` is pure; numbers are rounded to 1 decimal before any decision.
import type { Alternative, Hypothesis, RuleDiagnosis } from '../../domain/diagnosis.ts';
import { describeAsg, type AsgState } from '../collectors/autoscaling.ts';
import { CPU_WINDOW, getAsgCpu, type CpuStats } from '../collectors/cloudwatch.ts';
import { ACTIVITY_WINDOW_MINUTES, describeRecentActivities, type RecentActivities } from '../collectors/scaling-activities.ts';
import type { Collected, DiagnoseRequest, DiagnosisRule } from '../engine.ts';
import { capacityChangeRisk } from '../risk.ts';
import { describeActivity, endedWithin, scalingHistory } from '../scaling-history.ts';
import { instancesFor, sizeScaleIn } from '../sizing.ts';
import { pct, plural, r1, r2 } from './format.ts';
import { asgTarget, minutesSetting, percentSetting } from './inputs.ts';
import { activitiesSignal, cpuSignals, groupSignals } from './signals.ts';

const NAME = 'low-utilisation';
const ACTION = 'scale-asg';
/** A scale-in never projects the hottest minute above this (cpu-saturation's default threshold). */
const PEAK_CEILING_CPU = 80;
/** Under this average a group is close to idle: more likely "no traffic arrives" than "less traffic". */
const NEAR_IDLE_CPU = 5;

export interface LowUtilisationObservations {
  /** From the alert label `autoscaling_group`; null = the alert names no group (nothing collected). */
  asgName: string | null;
  /** ok with value null = the group does not exist. */
  group: Collected<AsgState | null> | null;
  cpu: Collected<CpuStats> | null;
  activities: Collected<RecentActivities> | null;
}

export interface LowUtilisationSettings { thresholdCpu: number; targetCpu: number; settleMinutes: number }

/** Throws on a bad setting: a misconfigured rule must fail loudly, not diagnose with a guessed number. */
export function lowUtilisationSettings(settings: DiagnoseRequest['settings']): LowUtilisationSettings {
  const thresholdCpu = percentSetting(NAME, settings, 'threshold_cpu', 20);
  const targetCpu = percentSetting(NAME, settings, 'target_cpu', 50);
  // A day: longer than any sane cooldown, and the activity read has to cover it.
  const settleMinutes = minutesSetting(NAME, settings, 'settle_minutes', 30, 1440);
  if (thresholdCpu >= targetCpu) {
    // Sizing to a target at or under the "over-provisioned" line would scale a group in until it alerts again.
    throw new Error(`${NAME}: threshold_cpu (${thresholdCpu}) must be below target_cpu (${targetCpu})`);
  }
  return { thresholdCpu, targetCpu, settleMinutes };
}

/**
 * The highest per-minute Average the window can have held, proven from what CpuStats gives: never
 * above the highest per-minute Maximum, and never above what is left for one minute once every other
 * minute sits at the lowest Average (n × mean − (n − 1) × lowest).
 */
export function busiestMinuteBound(c: Pick<CpuStats, 'average' | 'maximum' | 'minAverage' | 'datapoints'>): number | null {
  const bounds: number[] = [];
  if (c.maximum !== null) bounds.push(c.maximum);
  if (c.average !== null && c.minAverage !== null && c.datapoints > 0) bounds.push(c.datapoints * c.average - (c.datapoints - 1) * c.minAverage);
  return bounds.length ? r1(Math.min(...bounds)) : null;
}

export function diagnoseLowUtilisation(obs: LowUtilisationObservations, req: DiagnoseRequest): RuleDiagnosis {
  const s = lowUtilisationSettings(req.settings);
  const name = obs.asgName;
  const reasoning: string[] = req.alert.status === 'resolved' ? ['The alert is already marked resolved at its source.'] : [];
  if (!name) {
    return {
      rule: NAME, candidate: null, signals: [], confidence: 0.1, risk: 'low', reasoning: [...reasoning,
        `The alert "${req.alert.name}" has no autoscaling_group label, so there is no group whose CPU or capacity could be read.`,
        'No action is proposed; a human has to identify the affected group.'],
      hypothesis: 'Low utilisation cannot be diagnosed: the alert names no Auto Scaling group.',
      alternatives: [
        { option: ACTION, summary: 'Scale an Auto Scaling group in', whyNot: 'No target: the alert does not say which group is affected.' },
        { option: 'do-nothing', summary: 'Leave capacity as it is', whyNot: 'Nothing has been checked yet; the alert may point at real waste.' },
      ],
    };
  }
  const signals = [
    ...cpuSignals(name, obs.cpu, { threshold: s.thresholdCpu, comparison: '<' }, { threshold: s.targetCpu, comparison: '<' }),
    ...groupSignals(name, obs.group),
    ...(obs.activities ? [activitiesSignal(name, obs.activities, Math.max(ACTIVITY_WINDOW_MINUTES, s.settleMinutes))] : []),
  ];
  const stats = obs.cpu?.ok && obs.cpu.value.average !== null ? obs.cpu.value : null;
  const avg = stats?.average != null ? r1(stats.average) : null;
  const max = stats?.maximum != null ? r1(stats.maximum) : null;
  const group = obs.group?.ok ? obs.group.value : null;
  const nearIdle = avg !== null && avg < NEAR_IDLE_CPU;

  let conf = 0.85;
  if (stats && stats.datapoints < 3) conf *= stats.datapoints === 2 ? 0.8 : 0.6; // basic monitoring gives 3 per 15 min
  if (avg !== null && s.thresholdCpu - avg < 5) conf *= 0.8; // near the line, noise could flip the verdict
  if (nearIdle) conf *= 0.7; // an idle group is as likely cut off as over-provisioned

  const done = (d: Omit<RuleDiagnosis, 'rule' | 'signals' | 'reasoning' | 'confidence'>, c = conf): RuleDiagnosis =>
    ({ rule: NAME, signals, reasoning, ...d, confidence: r2(c) });
  const others = otherCauses(avg, nearIdle);
  const keep = (whyNot: string): Alternative => ({ option: ACTION, summary: `Scale ${name} in`, whyNot });
  const escalate: Alternative = { option: 'escalate', summary: 'Page a human', whyNot: 'Spare capacity is not an emergency; the card is enough for someone to look at it in working hours.' };
  const replace = (g: AsgState | null): Alternative => ({ option: 'replace-unhealthy-instance', summary: 'Replace one instance', whyNot: g && g.healthy < g.inService
    ? `${g.inService - g.healthy} instance(s) are unhealthy, but low CPU is not caused by one bad instance, and a replacement does not change capacity.`
    : 'There is nothing to replace: low CPU is not a fault of one instance, and a replacement does not change capacity.' });

  if (stats && avg !== null) {
    reasoning.push(`Average CPU of ${name} was ${pct(avg)} over the last ${CPU_WINDOW} (${plural(stats.datapoints, 'datapoint')} at 60 s), ${avg < s.thresholdCpu ? 'under' : 'not under'} the ${pct(s.thresholdCpu)} threshold${max !== null ? `; the highest per-minute Maximum was ${pct(max)}` : ''}.`);
    if (stats.datapoints < 3) reasoning.push(`Only ${plural(stats.datapoints, 'datapoint')} ${stats.datapoints === 1 ? 'was' : 'were'} available, so confidence is reduced.`);
    if (nearIdle) reasoning.push(`Under ${pct(NEAR_IDLE_CPU)} is close to idle: check that traffic still arrives before removing capacity (a broken upstream looks exactly like this).`);
  } else {
    reasoning.push(`CPUUtilization for ${name} ${obs.cpu && !obs.cpu.ok ? `could not be read (${obs.cpu.error})` : `has no datapoints in the last ${CPU_WINDOW}`}, so low utilisation cannot be confirmed.`);
  }
  if (group) reasoning.push(`The group has desired capacity ${group.desired} (MinSize ${group.min}, MaxSize ${group.max}); ${plural(group.inService, 'instance')} in service, ${group.healthy} healthy.`);

  if (obs.group?.ok && group === null) {
    reasoning.push(`DescribeAutoScalingGroups found no group named ${name}: the alert label may be wrong or the group was deleted.`);
    return done({ hypothesis: `Auto Scaling group ${name} was not found, so the alert cannot be acted on.`, risk: 'low', candidate: null, alternatives: [
      keep(`DescribeAutoScalingGroups returned no group named ${name}.`),
      { option: 'do-nothing', summary: 'Ignore the alert', whyNot: 'An alert points at a group that does not exist; someone should fix the alert or find the group.' },
    ] });
  }
  if (avg === null || max === null || !stats) {
    reasoning.push('No capacity is removed without a CPU reading; a human should check the metrics.');
    return done({ hypothesis: `Low utilisation of ${name} could not be confirmed: its CPU metrics are unavailable.`, risk: 'medium', candidate: null, alternatives: [
      keep('Without CPU datapoints the load the group must still carry is unknown; scaling in blind could drop a peak.'), replace(group), escalate,
    ] }, Math.min(conf, 0.2));
  }
  const noAction = (why: string, hypothesis: string): RuleDiagnosis => {
    reasoning.push(why, 'No action is recommended.');
    return done({ hypothesis, risk: 'low', candidate: null, recommendation: 'no-action', otherHypotheses: others,
      alternatives: [keep(why), replace(group), escalate] });
  };
  if (avg >= s.thresholdCpu) {
    return noAction(`Average CPU ${pct(avg)} is not under the ${pct(s.thresholdCpu)} threshold: the group is not over-provisioned.`,
      `${name} is not over-provisioned (average CPU ${pct(avg)} ≥ ${pct(s.thresholdCpu)} over ${CPU_WINDOW}); no action recommended.`);
  }
  if (max >= s.targetCpu) {
    return noAction(`The peak of ${pct(max)} reaches the ${pct(s.targetCpu)} target: the peaks need the capacity the average does not show.`,
      `${name} has low average CPU (${pct(avg)}) but peaks at ${pct(max)}; its capacity is needed for them, no action recommended.`);
  }
  const busiest = busiestMinuteBound(stats);
  if (busiest === null || busiest >= s.thresholdCpu) {
    return noAction(`The busiest minute may have averaged up to ${pct(busiest ?? max)} (bounded by the highest Maximum and by the mean, lowest minute and count), not under the ${pct(s.thresholdCpu)} threshold: low utilisation is not proven sustained.`,
      `${name} has low average CPU (${pct(avg)}) but it is not proven sustained over ${CPU_WINDOW}; no action recommended.`);
  }
  reasoning.push(`Every minute averaged at most ${pct(busiest)} and peaked at most ${pct(max)}: under the ${pct(s.thresholdCpu)} threshold and the ${pct(s.targetCpu)} target, so the low load is sustained.`);

  if (!group) {
    reasoning.push(`The group's capacity could not be read (${obs.group && !obs.group.ok ? obs.group.error : 'not collected'}), so no safe new size can be computed.`);
    return done({ hypothesis: `${name} looks over-provisioned (average ${pct(avg)} < ${pct(s.thresholdCpu)}), but its capacity could not be read.`, risk: 'medium', candidate: null, otherHypotheses: others,
      alternatives: [keep('The current desired capacity and limits are unknown, so a new size would be a guess.'), replace(null), escalate] }, conf * 0.6);
  }
  if (group.inService < group.desired || group.healthy < group.inService) {
    const why = group.inService < group.desired
      ? `Only ${group.inService} of ${group.desired} desired instances are in service: the group is still changing, and scaling in now could remove the instances that do work.`
      : `${group.inService - group.healthy} of ${group.inService} in-service instances are unhealthy: the healthy ones carry more than the average shows, and scaling in could remove the healthy ones.`;
    return noAction(why, `${name} looks over-provisioned (average ${pct(avg)} < ${pct(s.thresholdCpu)}), but not every instance is in service and healthy; no scale-in now.`);
  }
  if (!obs.activities || !obs.activities.ok) {
    const why = `Recent scaling activities could not be read (${obs.activities && !obs.activities.ok ? obs.activities.error : 'not collected'}), so it cannot be shown that the group has settled; no scale-in without that.`;
    reasoning.push(why);
    return done({ hypothesis: `${name} looks over-provisioned (average ${pct(avg)} < ${pct(s.thresholdCpu)}), but whether it has settled since its last scaling is unknown.`, risk: 'medium', candidate: null, otherHypotheses: others,
      alternatives: [keep(why), replace(group), escalate] }, conf * 0.8);
  }
  const history = scalingHistory(obs.activities.value);
  const recent = endedWithin(history, s.settleMinutes);
  const busy = history.unfinished[0] ?? recent.find((a) => a.kind === 'scale-out') ?? recent[0];
  if (busy) {
    const out = busy.kind === 'scale-out' || busy.kind === 'launch';
    return noAction(`A scaling activity ${busy.finished ? `ended within the ${s.settleMinutes}-minute settle time` : 'is still in progress'}: ${describeActivity(busy)}. ${out ? 'Capacity was just added for a reason; removing it now would oscillate.' : 'The group is still settling; scaling in again now could oscillate.'}`,
      `${name} looks over-provisioned (average ${pct(avg)} < ${pct(s.thresholdCpu)}), but it scaled within the last ${s.settleMinutes} minutes; no scale-in until it settles.`);
  }
  reasoning.push(`No scaling activity is unfinished or ended in the last ${s.settleMinutes} minutes (${plural(history.activities.length, 'activity', 'activities')} in the last ${history.windowMinutes} min): the group has settled.`);

  const allowed = req.candidates.includes(ACTION);
  const policy = allowed ? req.bounds(ACTION, name) : null;
  // Sized for the busiest minute, not the mean, and so that the hottest per-minute peak would stay
  // under the saturation line: a scale-in that saturates the group at its next peak is no saving.
  const forPeak = instancesFor(group.desired, max, PEAK_CEILING_CPU);
  const sz = sizeScaleIn(group, busiest, s.targetCpu, policy, forPeak);
  reasoning.push(`Sizing: ceil(${group.desired} × ${pct(busiest)} busiest minute / ${pct(s.targetCpu)} target) = ${plural(instancesFor(group.desired, busiest, s.targetCpu), 'instance')}; the ${pct(max)} peak needs ceil(${group.desired} × ${pct(max)} / ${pct(PEAK_CEILING_CPU)}) = ${plural(forPeak, 'instance')} to stay under ${pct(PEAK_CEILING_CPU)}; so ${plural(sz.raw, 'instance')} would carry the load.`);
  if (sz.raw >= group.desired) {
    // The load needs every instance: sizeScaleIn leaves the size as it is; say why.
    return noAction(`The load needs all ${plural(group.desired, 'instance')} at the ${pct(s.targetCpu)} target: one fewer would push CPU over it.`,
      `${name} has low CPU (${pct(avg)}) but needs every one of its ${plural(group.desired, 'instance')} at the ${pct(s.targetCpu)} target; no action recommended.`);
  }
  reasoning.push(...sz.clamps);
  if (sz.conflict) {
    reasoning.push(sz.conflict, 'The bounds contradict each other; a human must fix the group or the policy.');
    return done({ hypothesis: `${name} is over-provisioned (average ${pct(avg)} < ${pct(s.thresholdCpu)}), but no size satisfies every bound.`, risk: 'medium', candidate: null, otherHypotheses: others,
      alternatives: [keep(sz.conflict), replace(group), escalate] });
  }
  if (sz.proposed >= group.desired) {
    return noAction(`The group cannot shrink below ${group.desired}: ${sz.ceiling.join(' and ')} ${sz.ceiling.length > 1 ? 'are' : 'is'} reached.`,
      `${name} has low CPU (${pct(avg)}) but is already at its floor of ${plural(group.desired, 'instance')}; no action recommended.`);
  }
  const step = sz.proposed - group.desired;
  const expected = r1((avg * group.desired) / sz.proposed);
  const peak = r1((max * group.desired) / sz.proposed);
  const effect = `${plural(sz.proposed, 'instance')} should bring average CPU to ~${pct(expected)}`;
  reasoning.push(`Setting desired capacity from ${group.desired} to ${sz.proposed} (${step}): with load spread evenly, ${effect}, and the ${pct(max)} peak to ~${pct(peak)}.`);
  const hypothesis = `${name} is over-provisioned: average CPU ${pct(avg)} over ${CPU_WINDOW} is under ${pct(s.thresholdCpu)} on ${plural(group.desired, 'healthy instance')}; ${plural(sz.proposed, 'instance')} can carry the load.`;
  const doNothing: Alternative = { option: 'do-nothing', summary: 'Leave capacity as it is', whyNot: `Keeps paying for ${plural(group.desired - sz.proposed, 'instance')} the load does not need (average ${pct(avg)} on ${group.desired}).` };

  if (!allowed || !policy) {
    const why = !allowed
      ? `${ACTION} is not among the actions policy allows for this alert (${req.candidates.join(', ') || 'none'}).`
      : `Policy does not whitelist ${name} as a ${ACTION} target.`;
    reasoning.push(`${why} The bot proposes nothing; a human may make this change by hand.`);
    return done({ hypothesis: `${hypothesis.replace(/\.$/, '')}, but the bot may not scale it.`, risk: 'low', candidate: null, otherHypotheses: others,
      alternatives: [keep(why), doNothing, replace(group), escalate] });
  }
  const change = capacityChangeRisk(step, group.desired);
  return done({
    hypothesis, risk: change.level, riskFactors: change.factors, otherHypotheses: others,
    // `observed` lets execution refuse if the group changed between proposal and approval.
    candidate: { action: ACTION, target: name, params: { desiredCapacity: sz.proposed }, expectedEffect: effect,
      observed: { desiredCapacity: group.desired, minSize: group.min, maxSize: group.max } },
    alternatives: [doNothing, replace(group), { ...escalate, whyNot: `A bounded scale-in (never below MinSize ${group.min} or the policy minimum ${policy.min}, at most ${policy.maxStep} at once) is a whitelisted, reversible fix; a human still approves it.` }],
  });
}

/** Other explanations of low CPU, most likely first; the second is why scaling in can be wrong. */
function otherCauses(avg: number | null, nearIdle: boolean): Hypothesis[] {
  return [
    { statement: 'Traffic dropped (time of day, weekend) and the group has no scale-in policy, or one too cautious to act.', confidence: nearIdle ? 0.35 : 0.5 },
    // Near-idle CPU is what instances show when nothing reaches them: scaling in would hide an outage.
    { statement: 'A broken upstream (load balancer, DNS, a failed deploy upstream) sends no traffic: scaling in would hide an outage.', confidence: nearIdle ? 0.45 : avg !== null ? 0.15 : 0.3 },
    { statement: 'Capacity is held on purpose for an expected peak (a launch, a scheduled event).', confidence: 0.2 },
  ];
}

export const lowUtilisation: DiagnosisRule<LowUtilisationObservations> = {
  name: NAME,
  async collect(ctx, req) {
    const s = lowUtilisationSettings(req.settings); // a bad setting fails before any AWS call
    const asgName = asgTarget(req.alert.labels);
    if (!asgName) return { asgName: null, group: null, cpu: null, activities: null };
    const windowMinutes = Math.max(ACTIVITY_WINDOW_MINUTES, s.settleMinutes);
    const [group, cpu, activities] = await Promise.all([
      ctx.run('DescribeAutoScalingGroups', (abortSignal) => describeAsg(ctx.autoscaling, asgName, { abortSignal })),
      ctx.run('CloudWatch GetMetricData', (abortSignal) => getAsgCpu(ctx.cloudwatch, asgName, { now: ctx.now, abortSignal })),
      ctx.run('DescribeScalingActivities', (abortSignal) => describeRecentActivities(ctx.autoscaling, asgName, { now: ctx.now, windowMinutes, abortSignal })),
    ]);
    return { asgName, group, cpu, activities };
  },
  diagnose: diagnoseLowUtilisation,
};
