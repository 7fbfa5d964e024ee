// flapping: an alert that keeps firing and clearing itself. The engine runs this rule instead of the
// named one when the alert's history shows it (src/diagnosis/flap-check.ts); a policy rule may also
// name it. It never proposes a change: noise is answered by tuning the alert, and episodes getting
// longer or closer together — a real fault coming back, such as a crash loop — by a human.
// `collect` reads the alert store and, for CloudWatch alarms, DescribeAlarms; `diagnose` is pure.
import type { NormalizedAlert } from '../../domain/alert.ts';
import type { Alternative, RuleDiagnosis } from '../../domain/diagnosis.ts';
import { compare, type Comparison, type Signal } from '../../domain/signal.ts';
import { describeAlarm, type AlarmRef, type AlarmSettings } from '../collectors/alarms.ts';
import type { AlertEpisode, Collected, DiagnoseRequest, DiagnosisRule } from '../engine.ts';
import {
  FLAPPING, flapSettings, flapVerdict, historyQuery, humanMs, readHistory, TREND_FACTOR, type FlapSettings, type FlapVerdict,
} from '../flap-check.ts';
import { alarmLine, alarmSignals, tuningAdvice } from './flapping-alarm.ts';

export interface FlappingObservations {
  /** null = the diagnosis was given no alert history to read. */
  history: Collected<AlertEpisode[]> | null;
  /** null = the alert is not a CloudWatch alarm; ok with null = no alarm of that name. */
  alarm: Collected<AlarmSettings | null> | null;
  /** The diagnosis's fixed clock, so `diagnose` stays a function of its inputs. */
  now: Date;
}

/** CloudWatch alarms arrive through SNS (src/ingest/sns.ts); the ARN is signed, so name and region come from it. */
const CLOUDWATCH_ALARM_SOURCE = 'sns';
const ALARM_ARN = /^arn:[a-z-]+:cloudwatch:([a-z0-9-]+):\d{12}:alarm:(.+)$/;

export function alarmOf(alert: NormalizedAlert): AlarmRef | null {
  if (alert.source !== CLOUDWATCH_ALARM_SOURCE) return null;
  const m = ALARM_ARN.exec(alert.labels['alarm_arn'] ?? '');
  return m ? { region: m[1]!, name: m[2]! } : null;
}

// The store is the bot's own record of the alerts it received, not an AWS service.
const HISTORY_SOURCE: Signal['source'] = 'alert-history';

export function diagnoseFlapping(obs: FlappingObservations, req: DiagnoseRequest): RuleDiagnosis {
  const s = flapSettings(req.settings);
  const alert = req.alert;
  const name = alert.name;
  const since = new Date(obs.now.getTime() - s.windowMs);
  const alarm = alarmOf(alert);
  const v = obs.history?.ok ? flapVerdict(obs.history.value, alert, obs.now, s) : null;
  const historyErr = !obs.history ? 'no alert history was available to this diagnosis' : !obs.history.ok ? obs.history.error : undefined;
  const signals = [...historySignals(alert, since, s, v, historyErr), ...(alarm ? alarmSignals(alarm, obs.alarm, obs.now) : [])];
  const settings = alarm && obs.alarm?.ok ? obs.alarm.value : null;
  const alarmNote = alarm ? [alarmLine(alarm, obs.alarm)] : [];

  if (!v) {
    return {
      rule: FLAPPING, signals, confidence: 0.2, risk: 'medium', candidate: null,
      hypothesis: `Whether ${name} is flapping cannot be told: its alert history could not be read.`,
      reasoning: [`The alert history of ${name} could not be read (${historyErr}), so its past episodes cannot be counted.`, ...alarmNote, 'No action is proposed; a human should look at the alert.'],
      alternatives: [
        ...req.candidates.map((c) => ({ option: c, summary: actionSummary(c, req), whyNot: 'Without the history it is unknown whether the signal oscillates; a change could chase noise.' })),
        { option: 'do-nothing', summary: 'Ignore the alert', whyNot: 'Nothing has been checked: the alert may be real.' },
      ],
    };
  }
  const reasoning = [episodesLine(alert, s, v, obs.now), ...(v.truncated ? [`Only the newest ${v.episodes.length} episodes in the window were read.`] : [])];
  if (!v.flapping) {
    reasoning.push(v.unresolved
      ? `${v.unresolved} earlier episode${v.unresolved === 1 ? '' : 's'} never resolved, so the alert is stuck rather than oscillating.`
      : `That is fewer than the ${s.episodes} episodes in ${s.window} (flap_episodes) that make an alert flapping.`);
    reasoning.push(...alarmNote, 'The alert is not noise by its history; a human should look at it.');
    return {
      rule: FLAPPING, signals, reasoning, confidence: 0.8, risk: 'medium', candidate: null,
      hypothesis: v.unresolved
        ? `${name} is not flapping: ${v.unresolved} of its earlier episodes in ${s.window} never resolved.`
        : `${name} is not flapping: it fired ${v.count} time${v.count === 1 ? '' : 's'} in ${s.window}, fewer than ${s.episodes}.`,
      alternatives: [
        { option: 'tune-alert', summary: 'Treat the alert as noise and tune it', whyNot: `It fired ${v.count} time${v.count === 1 ? '' : 's'} in ${s.window}${v.unresolved ? ' and did not clear itself' : ''}: nothing shows it oscillating.` },
      ],
    };
  }

  const med = humanMs(v.medianMs ?? 0);
  reasoning.push(`Each of the ${v.count - 1} earlier episodes resolved at the source (ends_at set); the median episode lasted ~${med}${rangeOf(v)}.`);
  reasoning.push(...trendLines(v, s));
  reasoning.push(...alarmNote);
  const advice = tuningAdvice(alert, alarm, settings, v);
  const worse = worseningWords(v);
  const acts = req.candidates.length ? req.candidates.join(', ') : 'any action';
  const fired = `fired ${v.count} times in ${s.window}, each episode lasting ~${med} (median)`;
  const times = `${v.count} times in ${s.window}`;
  const actionAlts: Alternative[] = req.candidates.map((c) => ({
    option: c, summary: actionSummary(c, req),
    whyNot: worse
      ? `The signal still oscillates (it fired ${times}); ${c} would answer one episode of a fault whose cause is unknown. A human should find the cause first.`
      : `The signal oscillates: ${name} fired ${times} and cleared itself each time (median episode ~${med}). Acting on an oscillating signal would oscillate capacity: ${c} on one episode, stale or reversed by the next.`,
  }));

  if (worse) {
    reasoning.push(`Escalating: episodes ${worse} mean a fault coming back more often or for longer, not noise; tuning the alert would hide it.`);
    return {
      rule: FLAPPING, signals, reasoning, candidate: null, recommendation: 'escalate', risk: 'high', confidence: 0.7,
      riskFactors: [`episodes ${worse}`],
      hypothesis: `The alert ${name} is flapping and getting worse: ${fired}, with episodes ${worse}. That is how a real intermittent fault such as a crash loop looks, not noise; escalate.`,
      otherHypotheses: [
        { statement: 'Noise from a threshold close to normal load, with load drifting upward.', confidence: 0.3 },
        { statement: `The evaluation window is too short${settings ? ` (${settings.datapointsToAlarm ?? '?'} of ${settings.evaluationPeriods ?? '?'} datapoints of ${settings.period ?? '?'} s)` : ''}, and the episodes' growth is chance.`, confidence: 0.2 },
      ],
      alternatives: [
        ...actionAlts,
        { option: 'do-nothing', summary: 'Change nothing; tune the alert', whyNot: `The episodes are ${worse}: tuning the alert would hide a fault that is getting worse.` },
        { option: 'escalate', summary: 'Page a human', whyNot: `Chosen: episodes ${worse} are what a real intermittent fault, such as a crash loop, looks like.` },
      ],
    };
  }

  reasoning.push(`No action is recommended: ${acts} on an oscillating signal would chase noise. Tune the alert instead: ${advice.text}`);
  return {
    rule: FLAPPING, signals, reasoning, candidate: null, recommendation: 'no-action', risk: 'low',
    confidence: Math.min(0.9, 0.7 + 0.05 * (v.count - s.episodes)),
    riskFactors: [`${name} fired ${v.count} times in ${s.window} and cleared itself each time`],
    hypothesis: `The alert ${name} is flapping: ${fired}.`,
    otherHypotheses: [
      { statement: `The threshold is too close to normal load: the metric hovers around it, and every small swing crosses it.`, confidence: 0.5 },
      { statement: advice.shortWindow ?? 'The evaluation window is too short: a brief spike is enough to fire the alert.', confidence: advice.shortWindow ? 0.55 : 0.35 },
      { statement: `A real intermittent fault, such as a crash loop (fail, restart, recover, fail again). This is the dangerous misread; it shows as episodes getting longer or closer together, which these are not.`, confidence: 0.2 },
    ],
    alternatives: [
      ...actionAlts,
      { option: 'escalate', summary: 'Page a human', whyNot: v.longer || v.closer
        ? `If the episodes were getting longer or closer together this would not be noise and a human should look; they are not (${trendSummary(v)}).`
        : `If the episodes get longer or closer together this is not noise and a human should look; ${v.count} episodes are too few to show a trend yet.` },
      { option: 'do-nothing', summary: 'Change nothing; tune the alert', whyNot: `Chosen: ${advice.text}` },
    ],
  };
}

function actionSummary(action: string, req: DiagnoseRequest): string {
  return req.rule !== FLAPPING ? `${action}, as ${req.rule} would propose` : action;
}

function episodesLine(alert: NormalizedAlert, s: FlapSettings, v: FlapVerdict, now: Date): string {
  const shown = v.episodes.slice(-8);
  const stamp = (d: Date) => (s.windowMs > 24 * 3600_000 ? d.toISOString().slice(5, 16).replace('T', ' ') : d.toISOString().slice(11, 16)) + 'Z';
  const one = (e: AlertEpisode) => e.endsAt && e.status === 'resolved'
    ? `${stamp(e.startsAt)} for ${humanMs(e.endsAt.getTime() - e.startsAt.getTime())}`
    : `${stamp(e.startsAt)}, still firing (${humanMs(Math.max(0, now.getTime() - e.startsAt.getTime()))} so far)`;
  const more = v.episodes.length > shown.length ? `${v.episodes.length - shown.length} earlier, then ` : '';
  return `${alert.name} (${alert.source} series ${alert.fingerprint}) fired ${v.count} time${v.count === 1 ? '' : 's'} in the last ${s.window} (flap_episodes ${s.episodes})${v.count ? `: ${more}${shown.map(one).join('; ')}` : ''}.`;
}

function rangeOf(v: FlapVerdict): string {
  const d = v.episodes.filter((e) => e.endsAt && e.status === 'resolved').map((e) => e.endsAt!.getTime() - e.startsAt.getTime());
  return d.length > 1 ? ` (shortest ~${humanMs(Math.min(...d))}, longest ~${humanMs(Math.max(...d))})` : '';
}

function trendLines(v: FlapVerdict, s: FlapSettings): string[] {
  const x = (r: number) => String(Math.round(r * 100) / 100);
  const lines = [
    v.longer
      ? `Episode durations: earlier half ~${humanMs(v.longer.earlierMs)}, later half ~${humanMs(v.longer.laterMs)} (median each): ${v.longer.ratio >= TREND_FACTOR ? 'getting longer' : 'not getting longer'} (later ÷ earlier = ${x(v.longer.ratio)}; ${TREND_FACTOR} or more is a trend).`
      : 'Too few resolved episodes to tell whether they are getting longer.',
    v.closer
      ? `Time between starts: earlier half ~${humanMs(v.closer.earlierMs)}, later half ~${humanMs(v.closer.laterMs)} (median each): ${v.closer.ratio >= TREND_FACTOR ? 'getting closer together' : 'not getting closer together'} (earlier ÷ later = ${x(v.closer.ratio)}; ${TREND_FACTOR} or more is a trend).`
      : `Too few episodes in ${s.window} to tell whether they are getting closer together.`,
  ];
  if (v.ongoingLonger && v.ongoingMs !== null) lines.push(`The current episode has been firing for ~${humanMs(v.ongoingMs)}, already ${TREND_FACTOR}× or more the longest earlier one.`);
  return lines;
}

/** "getting longer and closer together", or null when neither (nor the current episode) says worse. */
function worseningWords(v: FlapVerdict): string | null {
  if (!v.worsening) return null;
  const parts = [
    (v.longer && v.longer.ratio >= TREND_FACTOR) || v.ongoingLonger ? 'getting longer' : null,
    v.closer && v.closer.ratio >= TREND_FACTOR ? 'closer together' : null,
  ].filter((p): p is string => p !== null);
  return parts.length === 2 ? 'getting longer and closer together' : parts[0] === 'closer together' ? 'getting closer together' : parts[0]!;
}

function trendSummary(v: FlapVerdict): string {
  return [
    v.longer ? `median duration ~${humanMs(v.longer.earlierMs)} then ~${humanMs(v.longer.laterMs)}` : null,
    v.closer ? `starts every ~${humanMs(v.closer.earlierMs)} then every ~${humanMs(v.closer.laterMs)}` : null,
  ].filter((p): p is string => p !== null).join('; ');
}

function historySignals(alert: NormalizedAlert, since: Date, s: FlapSettings, v: FlapVerdict | null, error: string | undefined): Signal[] {
  const query = historyQuery(alert, since);
  const sig = (id: string, label: string, value: number | null, unit: string, threshold: number | null, comparison: Comparison | null): Signal => {
    const val = error !== undefined ? null : value;
    const breached = val !== null && threshold !== null && comparison ? compare(val, comparison, threshold) : null;
    return { id, label, source: HISTORY_SOURCE, query, window: s.window, value: val, unit, threshold, comparison, breached, ...(error !== undefined ? { error } : {}) };
  };
  const minutes = (ms: number | null) => (ms === null ? null : Math.round(ms / 6000) / 10);
  const ratio = (r: number | undefined) => (r === undefined ? null : Math.round(r * 100) / 100);
  return [
    sig('flap-episodes', `Episodes of ${alert.name} in the last ${s.window}`, v?.count ?? null, 'episodes', s.episodes, '>='),
    sig('episode-median', 'Median episode duration', minutes(v?.medianMs ?? null), 'min', null, null),
    sig('episode-duration-trend', 'Later vs earlier episode duration', ratio(v?.longer?.ratio), '×', TREND_FACTOR, '>='),
    sig('episode-gap-trend', 'Earlier vs later time between episodes', ratio(v?.closer?.ratio), '×', TREND_FACTOR, '>='),
  ];
}

export const flapping: DiagnosisRule<FlappingObservations> = {
  name: FLAPPING,
  async collect(ctx, req) {
    const s = flapSettings(req.settings); // a bad setting fails before any read
    const ref = alarmOf(req.alert);
    const [history, alarm] = await Promise.all([
      readHistory(ctx, req.alert, s),
      ref ? ctx.run('CloudWatch DescribeAlarms', (abortSignal) => describeAlarm(ctx.cloudwatch, ref, { abortSignal })) : null,
    ]);
    return { history, alarm, now: ctx.now };
  },
  diagnose: diagnoseFlapping,
};
