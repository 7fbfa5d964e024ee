// The flapping rule's view of the alert's own definition: a CloudWatch alarm's evaluation settings
// as signals and a sentence, and concrete tuning advice per source (DatapointsToAlarm and
// EvaluationPeriods for CloudWatch, `for:` and `keep_firing_for:` for Prometheus …). Pure.
import type { NormalizedAlert } from '../../domain/alert.ts';
import type { Signal } from '../../domain/signal.ts';
import { alarmQuery, comparisonSymbol, type AlarmRef, type AlarmSettings } from '../collectors/alarms.ts';
import type { Collected } from '../engine.ts';
import { humanMs, median, type FlapVerdict } from '../flap-check.ts';

/** CloudWatch refuses an alarm whose EvaluationPeriods × Period exceeds a day (for periods of a minute or more). */
const MAX_EVALUATION_SECONDS = 86_400;

function metricText(a: AlarmSettings): string {
  if (!a.metric) return `metric math (${a.mathQueries} quer${a.mathQueries === 1 ? 'y' : 'ies'})`;
  const dims = a.dimensions.length ? ` {${a.dimensions.map((d) => `${d.name}=${d.value}`).join(', ')}}` : '';
  return `${a.namespace ?? '?'} ${a.metric}${dims}`;
}

function evaluationText(a: AlarmSettings): string {
  return `${a.datapointsToAlarm ?? '?'} of ${a.evaluationPeriods ?? '?'} datapoints of ${a.period ?? '?'} s`;
}

/** One sentence on the alarm for the reasoning. */
export function alarmLine(ref: AlarmRef, got: Collected<AlarmSettings | null> | null): string {
  if (!got) return `The settings of CloudWatch alarm ${ref.name} were not read.`;
  if (!got.ok) return `The settings of CloudWatch alarm ${ref.name} could not be read (${got.error}).`;
  const a = got.value;
  if (!a) return `DescribeAlarms found no alarm named ${ref.name} in ${ref.region}: it may have been deleted or renamed since it fired.`;
  const op = comparisonSymbol(a.comparison) ?? a.comparison ?? '?';
  // It returns to OK only when none of the last EvaluationPeriods datapoints breaches: one clean
  // datapoint clears it only when it evaluates a single period.
  const single = a.datapointsToAlarm === 1 ? `: a single breaching datapoint trips it${a.evaluationPeriods === 1 ? ', and a single clean one clears it' : ''}` : '';
  const state = a.state ? ` Its state now is ${a.state}${a.stateUpdatedAt ? ` (since ${a.stateUpdatedAt.toISOString()})` : ''}.` : '';
  return `CloudWatch alarm ${ref.name} fires when ${evaluationText(a)} breach (${a.statistic ?? '?'} of ${metricText(a)} ${op} ${a.threshold ?? '?'})${single}.${state}`;
}

export function alarmSignals(ref: AlarmRef, got: Collected<AlarmSettings | null> | null, now: Date): Signal[] {
  const a = got?.ok ? got.value : null;
  const error = !got ? 'not read' : !got.ok ? got.error : !a ? `no CloudWatch alarm named ${ref.name} in ${ref.region}` : undefined;
  const sig = (id: string, label: string, field: string, value: number | null, unit: string): Signal => ({
    id, label, source: 'cloudwatch', query: alarmQuery(ref, field), window: 'now',
    value: error !== undefined ? null : value, unit, threshold: null, comparison: null, breached: null,
    ...(error !== undefined ? { error } : {}),
  });
  const op = a ? comparisonSymbol(a.comparison) ?? a.comparison ?? '?' : '';
  const age = a?.stateUpdatedAt ? Math.round((now.getTime() - a.stateUpdatedAt.getTime()) / 6000) / 10 : null;
  return [
    // The card shows "1 of 1 datapoints" after this label; units are cut at 20 characters there.
    sig('alarm-evaluation', a ? `Alarm evaluation (datapoints of ${a.period ?? '?'} s)` : 'Alarm evaluation', 'DatapointsToAlarm, EvaluationPeriods, Period',
      a?.datapointsToAlarm ?? null, a ? `of ${a.evaluationPeriods ?? '?'} datapoints` : 'datapoints'),
    sig('alarm-threshold', a ? `Alarm threshold: ${a.statistic ?? '?'} of ${metricText(a)} ${op}` : 'Alarm threshold',
      'Threshold, ComparisonOperator, Statistic, Namespace, MetricName, Dimensions', a?.threshold ?? null, ''),
    sig('alarm-state-age', a ? `Alarm state ${a.state ?? '?'} for` : 'Alarm state', 'StateValue, StateUpdatedTimestamp', age, 'min'),
  ];
}

export interface TuningAdvice {
  /** What to change, concretely, for this alert's source. */
  text: string;
  /** Set when the alarm's own settings show an evaluation window too short to ride out an episode. */
  shortWindow: string | null;
}

export function tuningAdvice(alert: NormalizedAlert, ref: AlarmRef | null, a: AlarmSettings | null, v: FlapVerdict): TuningAdvice {
  const medianMs = v.medianMs ?? 0;
  const med = humanMs(medianMs);
  if (ref && a && a.period && a.evaluationPeriods && a.datapointsToAlarm) {
    const p = a.period;
    // A breach must outlast a typical episode: one datapoint more than the median episode spans.
    const m = Math.max(a.datapointsToAlarm + 1, Math.ceil(medianMs / 1000 / p) + 1);
    const n = Math.max(a.evaluationPeriods, m + Math.ceil(m / 2));
    const breachS = a.datapointsToAlarm * p;
    const shortWindow = a.datapointsToAlarm === 1 || breachS * 1000 <= medianMs
      ? `The alarm's evaluation window is too short: ${evaluationText(a)}${a.datapointsToAlarm === 1 ? ' — a single datapoint trips it' : ` — ${humanMs(breachS * 1000)} of breach trips it, less than the median episode (~${med})`}.`
      : null;
    const fits = n * p <= MAX_EVALUATION_SECONDS;
    const text = fits
      ? `on CloudWatch alarm ${ref.name}, raise DatapointsToAlarm/EvaluationPeriods from ${a.datapointsToAlarm} of ${a.evaluationPeriods} to ${m} of ${n} (datapoints of ${p} s), so that a breach must last ~${humanMs(m * p * 1000)}, longer than the median episode (~${med}), before it fires; or move the threshold (${a.threshold ?? '?'}) further from normal load.`
      : `on CloudWatch alarm ${ref.name}, use a longer Period than ${p} s with more DatapointsToAlarm, so that a breach must outlast the median episode (~${med}); ${m} of ${n} datapoints of ${p} s would exceed CloudWatch's one-day evaluation limit.`;
    return { text, shortWindow };
  }
  if (ref) return { text: `on CloudWatch alarm ${ref.name}, raise DatapointsToAlarm/EvaluationPeriods so that a breach must last longer than the median episode (~${med}) before it fires.`, shortWindow: null };
  const forMin = Math.max(1, Math.ceil((medianMs * 1.5) / 60_000));
  const quiet = quietMs(v);
  const bridge = quiet !== null ? Math.max(1, Math.ceil((quiet * 1.5) / 60_000)) : null;
  if (alert.source === 'alertmanager') {
    return { shortWindow: null, text: `give the Prometheus alerting rule for ${alert.name} a longer \`for:\` (at least ${forMin}m, longer than the median episode of ~${med})${bridge !== null ? `, and \`keep_firing_for: ${bridge}m\` so that the short quiet gaps (~${humanMs(quiet!)} median) do not resolve and re-fire it` : ''}.` };
  }
  if (alert.source === 'grafana') {
    return { shortWindow: null, text: `give the Grafana alert rule ${alert.name} a longer pending period (at least ${forMin}m, longer than the median episode of ~${med})${bridge !== null ? ` and a "keep firing for" of ${bridge}m to ride out the quiet gaps (~${humanMs(quiet!)} median)` : ''}.` };
  }
  return { shortWindow: null, text: `make the alert require its condition for longer than the median episode (~${med}) before it fires, or add hysteresis (clear it below a lower threshold than the one that fires it).` };
}

/** Median time between an episode's end and the next one's start. */
function quietMs(v: FlapVerdict): number | null {
  const gaps: number[] = [];
  for (let i = 0; i + 1 < v.episodes.length; i++) {
    const end = v.episodes[i]!.endsAt;
    if (end) gaps.push(Math.max(0, v.episodes[i + 1]!.startsAt.getTime() - end.getTime()));
  }
  return median(gaps);
}
