// cpu-saturation: is an Auto Scaling group short of capacity, and by how much? `collect` reads
// CloudWatch and Auto Scaling; `diagnose` is pure so every branch is testable with plain objects and
// can be re-run on a frozen evidence snapshot. Numbers are rounded to 1 decimal BEFORE any decision,
// so what the card shows is exactly what the verdict was computed from.
import type { Alternative, RuleDiagnosis } from '../../domain/diagnosis.ts';
import { compare, type Signal } from '../../domain/signal.ts';
import { describeAsg, type AsgState } from '../collectors/autoscaling.ts';
import { CPU_WINDOW, getAsgCpu, type CpuStats } from '../collectors/cloudwatch.ts';
import { ACTIVITY_WINDOW_MINUTES, describeRecentActivities, type RecentActivities } from '../collectors/scaling-activities.ts';
import type { Collected, DiagnoseRequest, DiagnosisRule } from '../engine.ts';
import { capacityChangeRisk } from '../risk.ts';
import { addsCapacity, describeActivity, endedWithin, scalingHistory, type ScalingHistory } from '../scaling-history.ts';
import { sizeScaleOut } from '../sizing.ts';
import { ceilingVerdict } from './capacity-ceiling.ts';
import { activitiesSignal, cpuSignals, groupSignals } from './signals.ts';
import { pct, r1, r2 } from './format.ts';
import { collectTraffic, trafficSignals, type TrafficObservations } from '../collectors/traffic-signals.ts';

const NAME = 'cpu-saturation';
const ACTION = 'scale-asg';
/** A scale-out that ended this recently has not shown in CPU yet: AWS's default instance warm-up is 300 s. */
const JUST_ADDED_MINUTES = 5;

export interface CpuSaturationObservations {
  /** From the alert label `autoscaling_group`; null = the alert names no group (nothing collected). */
  asgName: string | null;
  /** ok with value null = the group does not exist. */
  group: Collected<AsgState | null> | null;
  cpu: Collected<CpuStats> | null;
  /** Recent scaling activities; absent in observations frozen before this rule read them. */
  activities?: Collected<RecentActivities> | null;
  /** Network and (when policy names the target group) load balancer metrics: supporting evidence. */
  traffic?: TrafficObservations | null;
}

export interface CpuSettings { thresholdCpu: number; targetCpu: number }

/** Throws on a bad setting: a misconfigured rule must fail loudly, not diagnose with a guessed number. */
export function cpuSettings(settings: DiagnoseRequest['settings']): CpuSettings {
  const pct = (key: string, dflt: number): number => {
    const v = settings[key];
    if (v === undefined) return dflt;
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    if (!Number.isFinite(n) || n <= 0 || n > 100) {
      throw new Error(`${NAME}: setting ${key} must be a percentage in (0, 100], got ${JSON.stringify(v)}`);
    }
    return n;
  };
  return { thresholdCpu: pct('threshold_cpu', 80), targetCpu: pct('target_cpu', 60) };
}

export function targetOf(labels: Record<string, string>): string | null {
  return labels['autoscaling_group']?.trim() || null;
}

export function diagnoseCpuSaturation(obs: CpuSaturationObservations, req: DiagnoseRequest): RuleDiagnosis {
  const s = cpuSettings(req.settings);
  const name = obs.asgName;
  const resolvedNote = req.alert.status === 'resolved' ? ['The alert is already marked resolved at its source.'] : [];
  if (!name) {
    return {
      rule: NAME, candidate: null, signals: [], confidence: 0.1, risk: 'medium',
      hypothesis: 'CPU saturation cannot be diagnosed: the alert names no Auto Scaling group.',
      reasoning: [...resolvedNote, `The alert "${req.alert.name}" has no autoscaling_group label, so there is no group whose CPU or capacity could be read.`, 'No action is proposed; a human has to identify the affected group.'],
      alternatives: [
        { option: ACTION, summary: 'Scale an Auto Scaling group', whyNot: 'No target: the alert does not say which group is affected.' },
        { option: 'do-nothing', summary: 'Ignore the alert', whyNot: 'The alert is firing and nothing has been checked yet.' },
      ],
    };
  }
  const cpu = obs.cpu?.ok && obs.cpu.value.average !== null ? obs.cpu.value : null;
  const group = obs.group?.ok ? obs.group.value : null;
  const groupErr = obs.group && !obs.group.ok ? obs.group.error : null;
  const signals = buildSignals(name, obs, s);
  const avg = cpu ? r1(cpu.average ?? 0) : null;
  const max = cpu?.maximum != null ? r1(cpu.maximum) : null;
  const over = avg !== null && compare(avg, '>', s.thresholdCpu);
  const reasoning: string[] = [...resolvedNote];
  let conf = confidenceOf(cpu, avg, group, s.thresholdCpu);

  if (cpu && avg !== null) {
    reasoning.push(`Average CPU of ${name} was ${pct(avg)} over the last ${CPU_WINDOW} (${cpu.datapoints} datapoint${cpu.datapoints === 1 ? '' : 's'} at 60 s), ${over ? 'above' : 'not above'} the ${pct(s.thresholdCpu)} threshold.`);
    const low = cpu.minAverage !== null ? r1(cpu.minAverage) : null;
    if (over && low !== null) reasoning.push(low > s.thresholdCpu
      ? `Every datapoint was above the threshold (lowest ${pct(low)}), so the load is sustained, not a spike.`
      : `The lowest datapoint was ${pct(low)}, so CPU was not above the threshold for the whole window.`);
    if (max !== null) reasoning.push(`The highest per-minute Maximum was ${pct(max)}.`);
    if (cpu.datapoints < 3) reasoning.push(`Only ${cpu.datapoints} datapoint${cpu.datapoints === 1 ? ' was' : 's were'} available, so confidence is reduced.`);
  } else {
    const why = obs.cpu && !obs.cpu.ok ? `could not be read (${obs.cpu.error})` : `has no datapoints in the last ${CPU_WINDOW}`;
    reasoning.push(`CPUUtilization for ${name} ${why}, so saturation cannot be confirmed.`);
  }
  if (group) {
    reasoning.push(`The group has desired capacity ${group.desired} (MinSize ${group.min}, MaxSize ${group.max}); ${group.inService} instance${group.inService === 1 ? ' is' : 's are'} in service and ${group.healthy} of those ${group.healthy === 1 ? 'is' : 'are'} healthy.`);
    if (group.inService < group.desired) {
      reasoning.push(`Only ${group.inService} of ${group.desired} desired instances are in service: capacity is still catching up, which may lower CPU without any change.`);
      conf *= 0.8;
    }
  } else if (groupErr) {
    reasoning.push(`The group's capacity could not be read (${groupErr}).`);
  } else if (obs.group?.ok) {
    reasoning.push(`DescribeAutoScalingGroups found no group named ${name}: the alert label may be wrong or the group was deleted.`);
  }
  const history: Collected<ScalingHistory> | null = obs.activities ? (obs.activities.ok ? { ok: true, value: scalingHistory(obs.activities.value) } : obs.activities) : null;
  if (history && !history.ok) {
    reasoning.push(`Recent scaling activities could not be read (${history.error}), so it is unknown whether capacity is already being added.`);
  } else if (history?.ok) {
    const h = history.value;
    const adding = h.addingNow[0] ?? endedWithin(h, JUST_ADDED_MINUTES).find((a) => addsCapacity(a) && a.statusCode === 'Successful');
    if (adding) {
      // The new instances' share of the load is not in the 15-minute average yet: the verdict may be stale.
      reasoning.push(`A scale-out is ${adding.finished ? `only ${adding.minutesAgo} min old` : 'in progress'} (${describeActivity(adding)}): capacity is already being added, so CPU may fall without another change.`);
      conf *= 0.7;
    } else {
      reasoning.push(`No scale-out is in progress or ended in the last ${JUST_ADDED_MINUTES} minutes (${h.activities.length} scaling ${h.activities.length === 1 ? 'activity' : 'activities'} in the last ${h.windowMinutes} min).`);
    }
  }

  if (obs.traffic) {
    // What users see (5xx, response time) and what the network carries: context for the verdict,
    // never the verdict itself; a failed read only lowers confidence.
    const t = trafficSignals(obs.traffic);
    signals.push(...t.signals);
    reasoning.push(...t.reasoning);
    conf *= t.confidenceFactor;
  }

  const base = { rule: NAME, signals, reasoning };
  const done = (d: Omit<RuleDiagnosis, 'rule' | 'signals' | 'reasoning' | 'confidence'>, c = conf): RuleDiagnosis =>
    ({ ...base, ...d, confidence: r2(c) });
  const replace = replaceWhyNot(group, avg, max, over);
  const doNothing: Alternative = { option: 'do-nothing', summary: 'Wait and watch', whyNot: `Average CPU was ${pct(avg ?? 0)} over the last ${CPU_WINDOW}, above the ${pct(s.thresholdCpu)} threshold; waiting leaves users on a saturated group.` };

  if (obs.group?.ok && group === null) {
    reasoning.push('No action is proposed for a group that does not exist.');
    return done({ hypothesis: `Auto Scaling group ${name} was not found, so the alert cannot be acted on.`, risk: 'medium', candidate: null, alternatives: [
      { option: ACTION, summary: `Scale ${name}`, whyNot: `DescribeAutoScalingGroups returned no group named ${name}.` },
      { option: 'do-nothing', summary: 'Ignore the alert', whyNot: 'An alert points at a group that does not exist; someone should fix the alert or find the group.' },
    ] });
  }
  if (avg === null) {
    reasoning.push('No action is proposed without a CPU reading; a human should check the metrics.');
    return done({ hypothesis: `CPU saturation of ${name} could not be confirmed: its CPU metrics are unavailable.`, risk: 'medium', candidate: null, alternatives: [
      { option: ACTION, summary: `Scale ${name}`, whyNot: 'Without CPU datapoints the new size cannot be computed and the need is unproven.' },
      { option: 'do-nothing', summary: 'Ignore the alert', whyNot: 'The alert is firing and the metrics that would disprove it are missing.' },
    ] }, Math.min(conf, 0.2));
  }
  if (!over) {
    if (max !== null && max > s.thresholdCpu) reasoning.push(`The ${pct(max)} peak shows short spikes that the average does not sustain.`);
    reasoning.push('CPU is back under the threshold, so no action is recommended; the alert looks stale or noisy.');
    return done({ hypothesis: `CPU of ${name} is back under threshold (average ${pct(avg)} ≤ ${pct(s.thresholdCpu)} over ${CPU_WINDOW}); no action recommended.`, risk: 'low', candidate: null, alternatives: [
      { option: ACTION, summary: `Scale ${name} out`, whyNot: `Average CPU of ${pct(avg)} is under the ${pct(s.thresholdCpu)} threshold; more instances would cost money without relieving anything.` },
      replace,
      { option: 'escalate', summary: 'Page a human', whyNot: `Nothing is currently above threshold; if the alert keeps flapping, tune it rather than page.` },
    ] });
  }
  if (!group) {
    reasoning.push('Without the current desired capacity no safe new size can be computed; escalate to a human.');
    return done({ hypothesis: `${name} looks CPU-saturated (average ${pct(avg)} > ${pct(s.thresholdCpu)}), but its capacity could not be read.`, risk: 'high', candidate: null, alternatives: [
      { option: ACTION, summary: `Scale ${name} out`, whyNot: 'The current desired capacity and limits are unknown, so a new size would be a guess.' }, replace, doNothing,
    ] });
  }

  const allowed = req.candidates.includes(ACTION);
  const policy = allowed ? req.bounds(ACTION, name) : null;
  const sz = sizeScaleOut(group, avg, s.targetCpu, policy);
  reasoning.push(`Sizing: ceil(${group.desired} × ${pct(avg)} / ${pct(s.targetCpu)} target) = ${sz.raw} instance${sz.raw === 1 ? '' : 's'}${sz.raw < group.desired + 1 ? `, raised to ${group.desired + 1} so that a breach always adds at least one` : ''}.`);
  reasoning.push(...sz.clamps);
  const scaleAlt = (whyNot: string): Alternative => ({ option: ACTION, summary: `Scale ${name} out`, whyNot });
  const notAllowed = !allowed
    ? `${ACTION} is not among the actions policy allows for this alert (${req.candidates.join(', ') || 'none'}).`
    : !policy ? `Policy does not whitelist ${name} as a ${ACTION} target.` : null;

  if (sz.conflict) {
    reasoning.push(sz.conflict, 'Escalating to a human: the bounds contradict each other, so the group or the policy needs fixing first.');
    return done({ hypothesis: `${name} is CPU-saturated (average ${pct(avg)} > ${pct(s.thresholdCpu)}), but no size satisfies every bound; escalate to a human.`, risk: 'high', candidate: null,
      recommendation: 'escalate', alternatives: [scaleAlt(sz.conflict), replace, doNothing] });
  }
  if (sz.proposed <= group.desired) {
    // The same verdict the capacity-ceiling rule gives, so both cards say the same thing.
    const v = ceilingVerdict({ name, group, policy, policyNote: notAllowed, thresholdCpu: s.thresholdCpu, history,
      cpu: { average: avg, maximum: max, minAverage: cpu?.minAverage != null ? r1(cpu.minAverage) : null } });
    reasoning.push(...v.reasoning);
    return done({ hypothesis: v.hypothesis, risk: v.risk, candidate: null, recommendation: v.recommendation, alternatives: v.alternatives, otherHypotheses: v.otherHypotheses });
  }
  const step = sz.proposed - group.desired;
  const expected = group.desired > 0 ? r1((avg * group.desired) / sz.proposed) : null;
  const effect = expected !== null ? `${sz.proposed} instances should bring average CPU to ~${pct(expected)}` : `${sz.proposed} instances should add capacity`;
  reasoning.push(`Setting desired capacity from ${group.desired} to ${sz.proposed} (+${step}): with load spread evenly, ${effect}.`);
  if (expected !== null && expected > s.thresholdCpu) reasoning.push(`That is still above the ${pct(s.thresholdCpu)} threshold because of the clamps; expect a second step or an escalation after verification.`);

  if (!allowed || !policy) {
    const why = notAllowed ?? `Policy does not whitelist ${name} as a ${ACTION} target.`;
    reasoning.push(`${why} The bot proposes nothing; a human may make this change by hand.`);
    return done({ hypothesis: `${name} is CPU-saturated (average ${pct(avg)} > ${pct(s.thresholdCpu)}) and needs about ${sz.proposed} instances, but the bot may not scale it.`, risk: 'high', candidate: null,
      alternatives: [scaleAlt(why), replace, doNothing] });
  }
  const change = capacityChangeRisk(step, group.desired);
  return done({
    hypothesis: `${name} is CPU-saturated: average ${pct(avg)} over ${CPU_WINDOW} is above ${pct(s.thresholdCpu)} with ${group.healthy} of ${group.inService} in-service instances healthy; it needs more capacity.`,
    risk: change.level,
    riskFactors: change.factors,
    // `observed` lets execution refuse if the group changed between proposal and approval.
    candidate: { action: ACTION, target: name, params: { desiredCapacity: sz.proposed }, expectedEffect: effect,
      observed: { desiredCapacity: group.desired, minSize: group.min, maxSize: group.max } },
    alternatives: [replace, doNothing, { option: 'escalate', summary: 'Page a human instead', whyNot: `Headroom remains: desired ${group.desired} may grow to ${Math.min(group.max, policy.max)} within MaxSize ${group.max} and the policy maximum ${policy.max}, so this is a whitelisted fix.` }],
  });
}

function replaceWhyNot(g: AsgState | null, avg: number | null, max: number | null, over: boolean): Alternative {
  const alt = (whyNot: string): Alternative => ({ option: 'replace-unhealthy-instance', summary: 'Replace one instance', whyNot });
  if (!g) return alt('Instance health could not be read, so there is no evidence that one instance is at fault.');
  if (!over) return alt(`CPU is under threshold, so there is nothing for a replacement to relieve${g.healthy < g.inService ? `; the ${g.inService - g.healthy} unhealthy instance(s) are a separate concern` : ''}.`);
  if (g.healthy < g.inService) return alt(`${g.inService - g.healthy} of ${g.inService} in-service instances are unhealthy, but replacing one restores at most one instance of capacity while the whole group averages ${pct(avg ?? 0)}.`);
  // The group's Maximum vs Average gap is the only per-instance skew CloudWatch gives at group level.
  const skewed = max !== null && avg !== null && max - avg > 20;
  const spread = max !== null && avg !== null ? ` and the peak (${pct(max)}) is ${skewed ? 'well above' : 'close to'} the average (${pct(avg)})` : '';
  return alt(`All ${g.inService} in-service instances are healthy${spread}; ${skewed ? 'load is uneven, but ' : ''}the average itself is over threshold, so ${skewed ? 'most instances are busy' : 'every instance is busy'} and a replacement adds no capacity.`);
}

function confidenceOf(cpu: CpuStats | null, avg: number | null, g: AsgState | null, threshold: number): number {
  if (!cpu || avg === null) return 0.2;
  let c = 0.9;
  if (cpu.datapoints < 3) c *= cpu.datapoints === 2 ? 0.8 : 0.6; // basic monitoring gives 3 per 15 min
  if (Math.abs(avg - threshold) < 5) c *= 0.8; // near the line, noise could flip the verdict
  if (cpu.minAverage !== null && avg > threshold && cpu.minAverage <= threshold) c *= 0.85; // not sustained
  if (!g) c *= 0.6;
  return c;
}

// The shared signal builders (rules/signals.ts): the same facts read the same on every rule's card.
function buildSignals(name: string, obs: CpuSaturationObservations, s: CpuSettings): Signal[] {
  return [
    ...cpuSignals(name, obs.cpu, { threshold: s.thresholdCpu, comparison: '>' }, null),
    ...groupSignals(name, obs.group),
    ...(obs.activities ? [activitiesSignal(name, obs.activities, ACTIVITY_WINDOW_MINUTES)] : []),
  ];
}

export const cpuSaturation: DiagnosisRule<CpuSaturationObservations> = {
  name: NAME,
  async collect(ctx, req) {
    cpuSettings(req.settings); // a bad setting fails before any AWS call
    const asgName = targetOf(req.alert.labels);
    if (!asgName) return { asgName: null, group: null, cpu: null, activities: null, traffic: null };
    const [group, cpu, activities, traffic] = await Promise.all([
      ctx.run('DescribeAutoScalingGroups', (abortSignal) => describeAsg(ctx.autoscaling, asgName, { abortSignal })),
      ctx.run('CloudWatch GetMetricData', (abortSignal) => getAsgCpu(ctx.cloudwatch, asgName, { now: ctx.now, abortSignal })),
      ctx.run('DescribeScalingActivities', (abortSignal) => describeRecentActivities(ctx.autoscaling, asgName, { now: ctx.now, abortSignal })),
      collectTraffic(ctx, req, asgName),
    ]);
    return { asgName, group, cpu, activities, traffic };
  },
  diagnose: diagnoseCpuSaturation,
};
