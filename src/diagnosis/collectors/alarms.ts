// Reads one CloudWatch metric alarm: how much breach it takes to fire (DatapointsToAlarm of
// EvaluationPeriods, each Period seconds long) and its state now. That is what tells an alarm tuned
// too tight — one datapoint trips it, one clears it — from a metric that really oscillates.
// A missing alarm is a value (null), not an exception: "not found" is part of the diagnosis.
import { DescribeAlarmsCommand, type CloudWatchClient, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import type { Comparison } from '../../domain/signal.ts';
import type { CollectorOptions } from './autoscaling.ts';

/** Which alarm, where: both come from the alarm's ARN (SNS signs it). */
export interface AlarmRef {
  name: string;
  region: string;
}

export interface AlarmSettings {
  name: string;
  namespace: string | null;
  /** null for a metric-math alarm (see `mathQueries`). */
  metric: string | null;
  dimensions: { name: string; value: string }[];
  /** Statistic, or ExtendedStatistic such as p99. */
  statistic: string | null;
  /** Seconds per datapoint. */
  period: number | null;
  evaluationPeriods: number | null;
  /** AWS's own default when unset: every evaluated datapoint must breach. */
  datapointsToAlarm: number | null;
  threshold: number | null;
  /** ComparisonOperator as AWS names it, e.g. GreaterThanThreshold. */
  comparison: string | null;
  treatMissingData: string | null;
  /** OK | ALARM | INSUFFICIENT_DATA */
  state: string | null;
  stateUpdatedAt: Date | null;
  /** Queries of a metric-math alarm; 0 for a single-metric alarm. */
  mathQueries: number;
}

/** Provenance shown on each alarm signal, so a human can re-run the call. */
export function alarmQuery(ref: AlarmRef, field: string): string {
  return `CloudWatch DescribeAlarms AlarmNames=[${ref.name}] (${ref.region}) → ${field}`;
}

const SYMBOLS: Readonly<Record<string, Comparison>> = {
  GreaterThanThreshold: '>',
  GreaterThanOrEqualToThreshold: '>=',
  LessThanThreshold: '<',
  LessThanOrEqualToThreshold: '<=',
};

/** '>' for GreaterThanThreshold …; null for anomaly-band operators, which have no single threshold. */
export function comparisonSymbol(operator: string | null): Comparison | null {
  return operator !== null && Object.hasOwn(SYMBOLS, operator) ? SYMBOLS[operator]! : null;
}

export async function describeAlarm(client: CloudWatchClient, ref: AlarmRef, opts: CollectorOptions = {}): Promise<AlarmSettings | null> {
  // Alarms are regional: asked in another region, AWS answers "no such alarm", which would be a lie here.
  const reads = await client.config.region();
  if (reads !== ref.region) throw new Error(`alarm ${ref.name} is in ${ref.region}, but the CloudWatch client reads ${reads}`);
  const out = await client.send(
    new DescribeAlarmsCommand({ AlarmNames: [ref.name], AlarmTypes: ['MetricAlarm'] }),
    opts.abortSignal ? { abortSignal: opts.abortSignal } : {},
  );
  // The API filters by name, but match exactly anyway: another alarm's settings would be worse than none.
  const a = (out.MetricAlarms ?? []).find((m) => m.AlarmName === ref.name);
  return a ? settingsOf(ref.name, a) : null;
}

function settingsOf(name: string, a: MetricAlarm): AlarmSettings {
  const math = a.Metrics ?? [];
  // A metric-math alarm has no top-level Period: its returned query carries it.
  const returned = math.find((m) => m.ReturnData) ?? math[0];
  const period = a.Period ?? returned?.MetricStat?.Period ?? returned?.Period ?? null;
  const evaluationPeriods = a.EvaluationPeriods ?? null;
  return {
    name,
    namespace: a.Namespace ?? null,
    metric: a.MetricName ?? null,
    dimensions: (a.Dimensions ?? []).map((d) => ({ name: d.Name ?? '', value: d.Value ?? '' })),
    statistic: a.Statistic ?? a.ExtendedStatistic ?? null,
    period,
    evaluationPeriods,
    datapointsToAlarm: a.DatapointsToAlarm ?? evaluationPeriods,
    threshold: a.Threshold ?? null,
    comparison: a.ComparisonOperator ?? null,
    treatMissingData: a.TreatMissingData ?? null,
    state: a.StateValue ?? null,
    stateUpdatedAt: a.StateUpdatedTimestamp ?? null,
    mathQueries: math.length,
  };
}
