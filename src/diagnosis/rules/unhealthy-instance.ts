// unhealthy-instance: is ONE instance of an Auto Scaling group at fault — Unhealthy per Auto Scaling,
// or running far hotter than its peers — and should it be replaced? Or is the whole group busy (a
// scale-out, not a replacement), or is nothing wrong? `collect` reads the group's members, the CPU of
// each in-service instance and the group's traffic; `diagnose` is pure.
//
// Replace or wait? Auto Scaling replaces an instance it marks Unhealthy by itself unless
// ReplaceUnhealthy or Terminate is suspended (AWS EC2 Auto Scaling User Guide, "Health checks" and
// "How suspended processes affect other processes"). So for an instance Auto Scaling already calls
// Unhealthy the bot recommends waiting — a second replacement would race Auto Scaling's — and proposes
// one only when those processes are suspended. An instance Auto Scaling calls Healthy but that runs
// far above its peers (or fails load balancer checks the group does not use) will never be replaced
// by Auto Scaling, so there the bot proposes the replacement itself.
import type { Alternative, Hypothesis, RiskLevel, RuleDiagnosis } from '../../domain/diagnosis.ts';
import { CPU_WINDOW } from '../collectors/cloudwatch.ts';
import { describeAsgDetail, getInstanceCpu, type AsgDetail, type AsgMember, type InstanceCpu } from '../collectors/instances.ts';
import { collectTraffic, trafficSignals, type TrafficObservations } from '../collectors/traffic-signals.ts';
import type { Collected, DiagnoseRequest, DiagnosisRule } from '../engine.ts';
import { pct, r2 } from './format.ts';
import { asgTarget, percentSetting } from './inputs.ts';
import { cpuSpread, type PeerComparison } from './instance-spread.ts';
import { cpuSentences, cpuSignals, groupSentences, groupSignals, ids, lifecycleNote, selfHealOf, zoneHypothesis } from './unhealthy-instance-signals.ts';

const NAME = 'unhealthy-instance';
const ACTION = 'replace-instance';
/** EC2 instance ids: i- and 8 or 17 hex digits. Prometheus `instance` labels are usually host:port. */
const EC2_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

export interface UnhealthyInstanceObservations {
  /** From the alert label `autoscaling_group`; null = the alert names no group (nothing collected). */
  asgName: string | null;
  /** From the alert label `instance_id`, or `instance` when it is an EC2 id; null = none named. */
  instanceId: string | null;
  /** ok with value null = the group does not exist. */
  group: Collected<AsgDetail | null> | null;
  /** CPU of every in-service instance; null = not read (no group, or nothing in service). */
  cpu: Collected<Record<string, InstanceCpu>> | null;
  traffic: TrafficObservations | null;
}

export interface InstanceSettings { thresholdCpu: number; outlierDelta: number }

/** Throws on a bad setting: a misconfigured rule must fail loudly, not diagnose with a guessed number. */
export function instanceSettings(settings: DiagnoseRequest['settings']): InstanceSettings {
  // outlier_delta is in percentage points, so the same (0, 100] range applies.
  return { thresholdCpu: percentSetting(NAME, settings, 'threshold_cpu', 80), outlierDelta: percentSetting(NAME, settings, 'outlier_delta', 30) };
}

export function instanceOf(labels: Record<string, string>): string | null {
  const id = labels['instance_id']?.trim();
  if (id) return id;
  const inst = labels['instance']?.trim();
  return inst && EC2_ID.test(inst) ? inst : null;
}

/**
 * The rule's view of replacing one instance. The new instance is in service before the old one is
 * terminated, so capacity never drops; what can go wrong is the new instance failing the same way or
 * the swap disturbing the connections of the old one — which matters more the larger the share of
 * the group being swapped: 1 of 3 or more is low, 1 of 2 medium, the only instance high.
 */
export function replacementRisk(inService: number): { level: RiskLevel; factors: string[] } {
  const level: RiskLevel = inService >= 3 ? 'low' : inService === 2 ? 'medium' : 'high';
  return { level, factors: [`replacing 1 of ${inService} in-service instance${inService === 1 ? '' : 's'} (${Math.round(100 / Math.max(inService, 1))}%); the new one is launched before the old one is terminated`] };
}

export function diagnoseUnhealthyInstance(obs: UnhealthyInstanceObservations, req: DiagnoseRequest): RuleDiagnosis {
  const s = instanceSettings(req.settings);
  const name = obs.asgName;
  const reasoning: string[] = req.alert.status === 'resolved' ? ['The alert is already marked resolved at its source.'] : [];
  const doNothing = (whyNot: string): Alternative => ({ option: 'do-nothing', summary: 'Wait and watch', whyNot });
  const escalate = (whyNot: string): Alternative => ({ option: 'escalate', summary: 'Page a human instead', whyNot });
  const replaceAlt = (x: string | null, whyNot: string): Alternative => ({ option: ACTION, summary: x ? `Replace ${x}` : 'Replace one instance', whyNot });
  if (!name) {
    return {
      rule: NAME, candidate: null, signals: [], confidence: 0.1, risk: 'medium',
      hypothesis: 'No instance can be checked: the alert names no Auto Scaling group.',
      reasoning: [...reasoning, `The alert "${req.alert.name}" has no autoscaling_group label, so there is no group whose instances could be read.`, 'No action is proposed; a human has to identify the affected group.'],
      alternatives: [replaceAlt(obs.instanceId, 'No target: a replacement goes through the instance\'s Auto Scaling group, and the alert names none.'), doNothing('The alert is firing and nothing has been checked yet.')],
    };
  }

  const g = obs.group?.ok ? obs.group.value : null;
  const groupErr = obs.group && !obs.group.ok ? obs.group.error : obs.group?.ok && !g ? `no Auto Scaling group named ${name}` : undefined;
  const inService = g?.members.filter((m) => m.lifecycleState === 'InService') ?? [];
  const unhealthy = inService.filter((m) => m.healthStatus !== 'Healthy');
  const cpuMap = obs.cpu?.ok ? obs.cpu.value : null;
  const spread = cpuSpread(inService.map((m) => ({ id: m.instanceId, cpu: cpuMap?.[m.instanceId]?.average ?? null, datapoints: cpuMap?.[m.instanceId]?.datapoints ?? 0 })), s);
  const named = obs.instanceId;
  const subject = named ?? (unhealthy.length === 1 ? unhealthy[0]!.instanceId : null) ?? (spread.outliers.length === 1 ? spread.outliers[0]!.id : null);
  const traffic = obs.traffic ? trafficSignals(obs.traffic) : null;
  const signals = [...groupSignals(name, g, groupErr), ...(g ? cpuSignals(g.members, obs.cpu, spread, s.outlierDelta, subject) : []), ...(traffic?.signals ?? [])];
  type Verdict = Omit<RuleDiagnosis, 'rule' | 'signals' | 'reasoning' | 'confidence'>;
  const done = (d: Verdict, c: number): RuleDiagnosis => ({ rule: NAME, signals, reasoning, ...d, confidence: r2(c * (traffic?.confidenceFactor ?? 1)) });

  if (!g) {
    reasoning.push(...(traffic?.reasoning ?? []));
    if (obs.group?.ok) {
      reasoning.push(`DescribeAutoScalingGroups found no group named ${name}: the alert label may be wrong or the group was deleted.`, 'No action is proposed for a group that does not exist.');
      return done({ hypothesis: `Auto Scaling group ${name} was not found, so none of its instances can be checked.`, risk: 'medium', candidate: null, alternatives: [
        replaceAlt(named, `DescribeAutoScalingGroups returned no group named ${name}.`),
        doNothing('An alert points at a group that does not exist; someone should fix the alert or find the group.'),
      ] }, 0.5);
    }
    reasoning.push(`The group's instances could not be read (${groupErr}), so no instance can be judged healthy or not.`, 'No action is proposed without knowing the group\'s members.');
    return done({ hypothesis: `Instance health in ${name} could not be checked: Auto Scaling could not be read.`, risk: 'medium', candidate: null, alternatives: [
      replaceAlt(named, 'Without the group\'s members and capacity there is no evidence against any instance, and no way to check that a replacement keeps capacity.'),
      doNothing('The alert is firing and the data that would explain it is missing.'),
    ] }, 0.2);
  }

  const N = inService.length;
  reasoning.push(...groupSentences(name, g, unhealthy.length), ...cpuSentences(obs.cpu, spread, s.thresholdCpu, inService), ...(traffic?.reasoning ?? []));
  const heal = selfHealOf(g);
  const pm = (c: PeerComparison) => (c.peers === 1 ? `its only peer's ${pct(c.peersMedian)}` : `its ${c.peers} peers' median of ${pct(c.peersMedian)}`);
  const distance = (c: PeerComparison) => `${Math.abs(c.excess)} points ${c.excess >= 0 ? 'above' : 'below'} ${pm(c)}`;

  if (N === 0) {
    reasoning.push(`Nothing is in service (desired ${g.desired}): there is no instance to compare or replace, and users are not being served by this group.`, 'Escalating to a human.');
    return done({ hypothesis: `${name} has no instance in service (desired capacity ${g.desired}); this is not a one-instance problem.`, risk: 'high', candidate: null, recommendation: 'escalate', alternatives: [
      replaceAlt(named, 'There is no in-service instance to replace.'),
      { option: 'scale-asg', summary: `Scale ${name} out`, whyNot: 'Instances are not reaching service at the current size; more of them would most likely fail the same way.' },
      doNothing(`Desired capacity is ${g.desired} and nothing is in service.`),
    ] }, 0.8);
  }

  const member = named ? g.members.find((m) => m.instanceId === named) : undefined;
  if (named && !member) {
    const others = unhealthy.length ? ` Meanwhile ${ids(unhealthy)} ${unhealthy.length === 1 ? 'is' : 'are'} Unhealthy in the group.` : '';
    reasoning.push(`${named} is not a member of ${name}: it may already have been replaced (Auto Scaling replaces Unhealthy instances), or the alert names another group.${others}`);
    return done({ hypothesis: `${named} is no longer in ${name}; there is nothing of it left to replace.`, risk: unhealthy.length ? 'medium' : 'low', candidate: null,
      recommendation: unhealthy.length ? 'escalate' : 'no-action', otherHypotheses: [{ statement: `The alert's labels point at the wrong group for ${named}.`, confidence: 0.3 }], alternatives: [
        replaceAlt(named, `${named} is not among the ${g.members.length} members of ${name}.`),
        escalate(unhealthy.length ? 'Recommended: another instance is Unhealthy while the alert names one that is gone.' : 'Nothing in the group is Unhealthy; the alert is about an instance that is already gone.'),
      ] }, 0.6);
  }
  if (member && member.lifecycleState !== 'InService') {
    const doing = lifecycleNote(member);
    reasoning.push(`${named} is ${member.lifecycleState}: ${doing}. No action is proposed while that is under way.`);
    return done({ hypothesis: `${named} is ${member.lifecycleState}, not in service: ${doing}.`, risk: 'low', candidate: null, recommendation: 'no-action', alternatives: [
      replaceAlt(named, `${named} is not in service (${member.lifecycleState}); replacing it now would interfere with what is already happening to it.`),
      escalate('Auto Scaling (or a person) is already acting on this instance.'),
    ] }, 0.8);
  }

  if (unhealthy.length > 1) {
    const healing = heal.kind === 'replaces' ? 'Auto Scaling is replacing them by itself, but new instances may fail the same way' : heal.kind === 'blocked' ? `${heal.process} is suspended, so they stay in service while Unhealthy` : 'Launch is suspended, so Auto Scaling would terminate them without replacements';
    reasoning.push(`${unhealthy.length} of ${N} in-service instances are Unhealthy (${ids(unhealthy)}): a shared cause — a bad deploy, a failing dependency, a zone problem — is more likely than ${unhealthy.length} bad hosts. ${healing}.`, 'Escalating to a human to find the common cause.');
    return done({ hypothesis: `${unhealthy.length} of ${N} in-service instances of ${name} are Unhealthy: a shared cause, not one bad instance.`, risk: 'high', candidate: null, recommendation: 'escalate',
      otherHypotheses: [{ statement: `${unhealthy.length} instances of ${name} failed independently (bad hosts).`, confidence: 0.15 }, ...zoneHypothesis(unhealthy, inService)], alternatives: [
        replaceAlt(null, `Replacing one of ${unhealthy.length} Unhealthy instances treats a symptom; replacements from the same launch template would likely fail the same way.`),
        { option: 'scale-asg', summary: `Scale ${name} out`, whyNot: 'More instances of the same kind would likely fail the same health checks.' },
        doNothing(`${healing}; someone should find why several instances fail at once.`),
      ] }, 0.8);
  }

  if (unhealthy.length === 1 && (!named || named === unhealthy[0]!.instanceId)) {
    const x = unhealthy[0]!;
    const cmp = spread.comparisons[x.instanceId];
    const others: Hypothesis[] = [
      { statement: `A bad deploy or configuration that will make the replacement fail the same way.`, confidence: 0.2 },
      ...(spread.groupWide ? [{ statement: `Group-wide load (median CPU ${pct(spread.median ?? 0)}) overloaded ${x.instanceId} until it failed its health checks.`, confidence: 0.4 }] : []),
    ];
    if (cmp) reasoning.push(`${x.instanceId} averaged ${pct(cmp.cpu)} CPU against ${pm(cmp)}.`);
    if (spread.groupWide) reasoning.push(`The rest of the group is busy too (${spread.hot} of ${spread.withCpu} instances above ${pct(s.thresholdCpu)}): capacity may be short as well as ${x.instanceId} failing.`);
    if (heal.kind === 'replaces') {
      reasoning.push(`Auto Scaling will replace ${x.instanceId} by itself; a replacement from the bot would race it and could briefly launch one instance too many. Recommended: wait. If ${x.instanceId} is still InService and Unhealthy in 10 minutes, something blocks Auto Scaling and a human should look.`);
      return done({ hypothesis: `${x.instanceId} in ${name} is Unhealthy according to Auto Scaling, which will replace it by itself; no action from the bot is needed.`, risk: 'low', candidate: null, recommendation: 'no-action', otherHypotheses: others, alternatives: [
        replaceAlt(x.instanceId, `Auto Scaling replaces Unhealthy instances itself (ReplaceUnhealthy is not suspended); a second replacement would race it.`),
        { option: 'scale-asg', summary: `Scale ${name} out`, whyNot: spread.groupWide ? `The group is busy (median ${pct(spread.median ?? 0)}); if it stays so after the replacement, scale out — but one instance failing is the first thing to fix.` : `${N - 1} other instances are Healthy; the group needs ${x.instanceId} replaced, not more instances.` },
        escalate(`Auto Scaling is handling it; escalate only if ${x.instanceId} is still Unhealthy and in service after about 10 minutes.`),
      ] }, 0.9);
    }
    if (heal.kind === 'no-launch') return noLaunch(x, others);
    reasoning.push(`${heal.process} is suspended, so ${x.instanceId} stays in service while Unhealthy until someone replaces it. Someone may have suspended it on purpose (debugging, a maintenance window): the approver should know why before approving.`);
    return propose(x, `${x.instanceId} in ${name} is Unhealthy according to Auto Scaling and will not be replaced automatically because ${heal.process} is suspended.`, 0.85, others,
      [`${heal.process} is suspended on ${name}, possibly on purpose`], [
        { option: 'scale-asg', summary: `Scale ${name} out`, whyNot: `Adding instances leaves ${x.instanceId} Unhealthy and in service; it needs replacing.` },
      ], `${heal.process} is suspended, so Auto Scaling will not replace ${x.instanceId}: waiting leaves it in service while Unhealthy.`, null);
  }

  if (named && unhealthy.length === 1) reasoning.push(`${unhealthy[0]!.instanceId} is Unhealthy according to Auto Scaling, but the alert names ${named}; this diagnosis is about ${named}.`);
  if (!cpuMap) {
    reasoning.push(named
      ? `${named} is Healthy according to Auto Scaling, and without per-instance CPU it cannot be compared with its peers. No action is proposed.`
      : 'No in-service instance is Unhealthy according to Auto Scaling, and without per-instance CPU an overloaded instance cannot be told apart. No action is proposed.');
    return done({ hypothesis: named
      ? `Nothing shows that ${named} is at fault: Auto Scaling reports it Healthy and per-instance CPU is unavailable.`
      : `No unhealthy instance in ${name} could be confirmed: Auto Scaling reports all Healthy and per-instance CPU is unavailable.`, risk: 'medium', candidate: null, alternatives: [
      replaceAlt(named, 'Nothing shows that any one instance is at fault.'),
      doNothing('The alert is firing and the metrics that would explain it are missing.'),
    ] }, 0.3);
  }

  if (spread.groupWide) {
    reasoning.push(`${spread.hot} of ${spread.withCpu} in-service instances average above ${pct(s.thresholdCpu)} (median ${pct(spread.median ?? 0)}): the whole group is busy, not one instance. That calls for more capacity (scale out), which this diagnosis does not size; escalating.`);
    return done({ hypothesis: `${name} is saturated as a whole (${spread.hot} of ${spread.withCpu} instances above ${pct(s.thresholdCpu)}, median ${pct(spread.median ?? 0)}); it needs more capacity, not a replacement.`, risk: 'high', candidate: null, recommendation: 'escalate',
      otherHypotheses: [{ statement: `One bad instance among busy ones${subject ? ` (${subject})` : ''}.`, confidence: 0.15 }], alternatives: [
        replaceAlt(subject, `${spread.hot} of ${spread.withCpu} instances are above ${pct(s.thresholdCpu)}: a replacement adds no capacity and the new instance would be just as busy.`),
        { option: 'scale-asg', summary: `Scale ${name} out instead`, whyNot: `This is the fix that fits, but the unhealthy-instance diagnosis does not size a scale-out: scale ${name} by hand, or route this alert to the cpu-saturation diagnosis.` },
        doNothing(`Median CPU ${pct(spread.median ?? 0)} is above the ${pct(s.thresholdCpu)} threshold; waiting leaves users on a saturated group.`),
      ] }, 0.8 * dp(minDatapoints(cpuMap, inService)));
  }

  if (spread.outliers.length > 1) {
    const list = spread.outliers.map((o) => `${o.id} ${pct(o.cpu)}`).join(', ');
    reasoning.push(`${spread.outliers.length} instances run more than ${s.outlierDelta} points above their peers (${list}) while the median is ${pct(spread.median ?? 0)}: uneven load balancing (sticky sessions, long-lived connections, zone imbalance) is more likely than ${spread.outliers.length} bad hosts. Escalating.`);
    return done({ hypothesis: `Load on ${name} is uneven: ${spread.outliers.length} instances run far above the rest (${list}).`, risk: 'medium', candidate: null, recommendation: 'escalate',
      otherHypotheses: [{ statement: `${spread.outliers.length} bad hosts or noisy neighbours at once.`, confidence: 0.15 }], alternatives: [
        replaceAlt(named ?? spread.outliers[0]!.id, 'Several instances are hot; replacing one leaves the pattern, and its cause, in place.'),
        { option: 'scale-asg', summary: `Scale ${name} out`, whyNot: `The median is ${pct(spread.median ?? 0)}, under ${pct(s.thresholdCpu)}: the group has capacity, it is unevenly used.` },
        doNothing('Some instances stay hot while others idle; the users they serve see it.'),
      ] }, 0.6);
  }

  const outlier = named ? spread.comparisons[named] : spread.outliers[0];
  if (outlier?.outlier) {
    const x = inService.find((m) => m.instanceId === outlier.id)!;
    const c = cpuMap[x.instanceId]!;
    reasoning.push(`${x.instanceId} averaged ${pct(outlier.cpu)} CPU over the last ${CPU_WINDOW} (${c.datapoints} datapoint${c.datapoints === 1 ? '' : 's'}), ${distance(outlier)}; outlier_delta is ${s.outlierDelta} and the peers are under the ${pct(s.thresholdCpu)} threshold.`);
    reasoning.push(`Auto Scaling reports ${x.instanceId} Healthy, so it will not replace it by itself.`);
    if (c.datapoints < 3) reasoning.push(`Only ${c.datapoints} datapoint${c.datapoints === 1 ? ' was' : 's were'} available for ${x.instanceId}, so confidence is reduced.`);
    if (outlier.peers < 3) reasoning.push(`Only ${outlier.peers} peer${outlier.peers === 1 ? '' : 's'} to compare with, so confidence is reduced.`);
    const conf = 0.85 * dp(c.datapoints) * (outlier.peers === 1 ? 0.7 : outlier.peers === 2 ? 0.85 : 1) * (outlier.excess - s.outlierDelta < 5 ? 0.85 : 1) * (spread.withCpu < N ? 0.9 : 1);
    return propose(x, `${x.instanceId} in ${name} is a bad host (degraded instance, noisy neighbour or stuck process): it runs at ${pct(outlier.cpu)} CPU against ${pm(outlier)}.`, conf, [
      { statement: `Uneven load balancing sends ${x.instanceId} more work than its peers (sticky sessions, long-lived connections).`, confidence: 0.3 },
      { statement: `A runaway process on ${x.instanceId} that a replacement would clear but that may come back with the next deploy.`, confidence: 0.25 },
      { statement: `Group-wide saturation starting on ${x.instanceId} first.`, confidence: r2(Math.min(0.3, Math.max(0.05, outlier.peersMedian / s.thresholdCpu - 0.5))) },
    ], [], [
      { option: 'scale-asg', summary: `Scale ${name} out`, whyNot: `The peers run at ${pct(outlier.peersMedian)} (median), under the ${pct(s.thresholdCpu)} threshold: the group has spare capacity, and more instances would leave ${x.instanceId} as hot as it is.` },
    ], `${x.instanceId} has run ${outlier.excess} points above its peers for the last ${CPU_WINDOW}; waiting leaves the requests it serves on a struggling host.`, outlier);
  }

  // Nothing points at one instance.
  const top = named ? spread.comparisons[named] : Object.values(spread.comparisons).sort((a, b) => b.excess - a.excess)[0];
  if (named && !top) {
    const c = cpuMap[named];
    if (!c || c.datapoints === 0) {
      reasoning.push(`${named} is Healthy according to Auto Scaling but has no CPU datapoints in the last ${CPU_WINDOW}, so it cannot be compared with its peers. No action is proposed.`);
      return done({ hypothesis: `Nothing shows that ${named} is at fault: Auto Scaling reports it Healthy and its CPU is unavailable.`, risk: 'medium', candidate: null, alternatives: [
        replaceAlt(named, `No evidence against ${named}: Healthy per Auto Scaling, and no CPU datapoints.`),
        doNothing('The alert is firing and the metric that would explain it is missing.'),
      ] }, 0.3);
    }
  }
  // An instance far above its peers that is still no outlier: the peers are at or above the threshold too.
  const busyPeers = top !== undefined && top.excess > s.outlierDelta;
  const who = top ? `${named ? '' : 'the furthest above its peers, '}${top.id} at ${pct(top.cpu)}, is ${distance(top)}` : '';
  const line = !top ? 'it has no peer with CPU datapoints to compare with'
    : busyPeers ? `${who}, but the peers are not under the ${pct(s.thresholdCpu)} threshold themselves, so it is one busy instance among busy ones`
      : `${who} (an outlier needs more than ${s.outlierDelta} points above)`;
  const elsewhere = named ? spread.outliers.find((o) => o.id !== named) : undefined;
  const concern = elsewhere !== undefined || busyPeers;
  reasoning.push(`${named ? `${named} is Healthy according to Auto Scaling and` : 'Every in-service instance is Healthy according to Auto Scaling;'} ${line}. Nothing marks ${named ?? 'any instance'} as a bad instance.`);
  if (elsewhere) reasoning.push(`However ${elsewhere.id} runs at ${pct(elsewhere.cpu)}, ${distance(elsewhere)}: the alert may name the wrong instance. Escalating.`);
  else if (busyPeers) reasoning.push('Escalating: the group looks short of capacity, which a replacement does not fix and this diagnosis does not size.');
  else reasoning.push('No action is recommended.');
  return done({ hypothesis: busyPeers && top
    ? `${top.id} runs ${top.excess} points above its peers, but they are busy too (median ${pct(top.peersMedian)}): ${name} is short of capacity rather than hosting one bad instance.`
    : named
      ? `Nothing is wrong with ${named} that a replacement would fix: it is Healthy and within ${s.outlierDelta} points of its peers.`
      : `No instance of ${name} is unhealthy or an outlier: all ${N} in-service instances are Healthy, median CPU ${pct(spread.median ?? 0)}.`,
  risk: concern ? 'medium' : 'low', candidate: null, recommendation: concern ? 'escalate' : 'no-action',
  otherHypotheses: [{ statement: 'The problem was transient and has already cleared.', confidence: 0.4 }, { statement: 'The alert measures something these signals do not (the application, a dependency).', confidence: 0.3 }],
  alternatives: [
    replaceAlt(named ?? top?.id ?? null, busyPeers && top ? `Its peers are busy too (median ${pct(top.peersMedian)}): a new instance would be about as busy.` : top ? `No instance stands out: ${line}.` : 'No instance stands out.'),
    { option: 'scale-asg', summary: `Scale ${name} out`, whyNot: busyPeers && top
      ? `Possibly the right fix — the peers' median ${pct(top.peersMedian)} is not under ${pct(s.thresholdCpu)} — but this diagnosis does not size a scale-out.`
      : (spread.median ?? 0) > s.thresholdCpu
        ? `${spread.hot} of ${spread.withCpu} instances are above ${pct(s.thresholdCpu)} (median ${pct(spread.median ?? 0)}); if more join them the group needs a scale-out, which this diagnosis does not size.`
        : `Median CPU ${pct(spread.median ?? 0)} is under the ${pct(s.thresholdCpu)} threshold.` },
    escalate(elsewhere ? `Recommended: ${elsewhere.id}, not ${named}, looks like the bad instance.` : busyPeers ? 'Recommended: a human should decide on capacity.' : 'Nothing abnormal was found; if the alert keeps firing, check what it measures or tune it.'),
  ] }, 0.7 * (spread.withCpu < N ? 0.8 : 1));

  /** The candidate path: whitelisted, a launch is possible, capacity kept. */
  function propose(x: AsgMember, hypothesis: string, conf: number, others: Hypothesis[], extraFactors: string[], extraAlts: Alternative[],
    waitWhyNot: string, cmp: PeerComparison | null): RuleDiagnosis {
    const gg = g!;
    const allowed = req.candidates.includes(ACTION);
    // Bounds only whitelist the target here: a replacement never changes the capacity they bound.
    const whitelisted = allowed && req.bounds(ACTION, name!) !== null;
    const wait = doNothing(waitWhyNot);
    if (selfHealOf(gg).kind === 'no-launch') return noLaunch(x, others);
    if (!whitelisted) {
      const why = !allowed
        ? `${ACTION} is not among the actions policy allows for this alert (${req.candidates.join(', ') || 'none'}).`
        : `Policy does not whitelist ${name} as a ${ACTION} target.`;
      reasoning.push(`${why} The bot proposes nothing; a human may replace ${x.instanceId} by hand.`);
      return done({ hypothesis, risk: 'medium', candidate: null, recommendation: 'escalate', otherHypotheses: others,
        alternatives: [replaceAlt(x.instanceId, why), ...extraAlts, wait] }, conf);
    }
    const change = replacementRisk(N);
    const factors = [...change.factors, ...extraFactors];
    if (gg.desired >= gg.max) {
      reasoning.push(`${name} is at its MaxSize (${gg.max}), so launching the replacement first needs room for one instance above MaxSize for a few minutes.`);
      factors.push(`${name} is at MaxSize ${gg.max}`);
    }
    const how = `a new instance is launched and in service before ${x.instanceId} is terminated, so in-service stays at ${N}${cmp ? `; the new instance should run near its peers' median of ${pct(cmp.peersMedian)}` : ''}`;
    const effect = `${x.instanceId} is replaced: ${how}`;
    reasoning.push(`Replacing ${x.instanceId}: ${how}.`);
    return done({ hypothesis, risk: change.level, riskFactors: factors, otherHypotheses: others,
      // `observed` lets execution refuse if the group changed between proposal and approval.
      candidate: { action: ACTION, target: name!, params: { instanceId: x.instanceId, capacityNeverBelow: N }, expectedEffect: effect,
        observed: { desiredCapacity: gg.desired, inService: N } },
      alternatives: [...extraAlts, wait, escalate(`One instance of ${N} is at fault and a replacement keeps in-service capacity at ${N}; this is the whitelisted fix, not a judgement call.`)] }, conf);
  }

  function noLaunch(x: AsgMember, others: Hypothesis[]): RuleDiagnosis {
    reasoning.push(`Launch is suspended on ${name}: no new instance can start, so neither Auto Scaling nor the bot can replace ${x.instanceId} without lowering capacity. Escalating to a human.`);
    return done({ hypothesis: `${x.instanceId} in ${name} needs replacing, but Launch is suspended on the group; a human must decide.`, risk: 'high', candidate: null, recommendation: 'escalate', otherHypotheses: others, alternatives: [
      replaceAlt(x.instanceId, `Launch is suspended: the new instance could not start, so a replacement would only remove ${x.instanceId} and lower capacity to ${N - 1}.`),
      { option: 'wait', summary: 'Wait for Auto Scaling', whyNot: `With Launch suspended, Auto Scaling terminates Unhealthy instances without replacements, leaving ${N - 1} in service.` },
      doNothing(`${x.instanceId} keeps serving badly until someone resumes Launch or replaces it.`),
    ] }, 0.8);
  }
}

const minDatapoints = (cpu: Record<string, { datapoints: number }>, ms: AsgMember[]) => Math.min(...ms.map((m) => cpu[m.instanceId]?.datapoints ?? 0).filter((n) => n > 0), 3);
/** Basic monitoring gives ~3 datapoints per 15 minutes; fewer means the average rests on less. */
const dp = (n: number) => (n >= 3 ? 1 : n === 2 ? 0.8 : 0.6);

export const unhealthyInstance: DiagnosisRule<UnhealthyInstanceObservations> = {
  name: NAME,
  async collect(ctx, req) {
    instanceSettings(req.settings); // a bad setting fails before any AWS call
    const asgName = asgTarget(req.alert.labels);
    const instanceId = instanceOf(req.alert.labels);
    if (!asgName) return { asgName: null, instanceId, group: null, cpu: null, traffic: null };
    const [group, traffic] = await Promise.all([
      ctx.run('DescribeAutoScalingGroups', (abortSignal) => describeAsgDetail(ctx.autoscaling, asgName, { abortSignal })),
      collectTraffic(ctx, req, asgName),
    ]);
    // Per-instance CPU needs the members first; only in-service instances are compared.
    const inService = group.ok && group.value ? group.value.members.filter((m) => m.lifecycleState === 'InService').map((m) => m.instanceId) : [];
    const cpu = inService.length
      ? await ctx.run('CloudWatch GetMetricData (instance CPU)', (abortSignal) => getInstanceCpu(ctx.cloudwatch, inService, { now: ctx.now, abortSignal }))
      : null;
    return { asgName, instanceId, group, cpu, traffic };
  },
  diagnose: diagnoseUnhealthyInstance,
};
