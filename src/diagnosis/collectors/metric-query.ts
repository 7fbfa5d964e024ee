// One CloudWatch GetMetricData helper for every collector: plain MetricStat queries (no metric math,
// which moto and other CloudWatch-compatible backends do not answer), batched to the API's 500
// queries per call, every page followed (a silently truncated window would skew a mean), and a
// query that CloudWatch could not answer (Forbidden, InternalError) thrown as an error, so the
// collector becomes an unavailable signal instead of a quiet zero.
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { CollectorOptions } from './autoscaling.ts';

export type Statistic = 'Average' | 'Maximum' | 'Minimum' | 'Sum' | 'SampleCount';

/** One metric and statistic at one period: everything a human needs to re-run the query. */
export interface MetricSpec {
  namespace: string;
  metric: string;
  /** In the order they are sent and shown (CloudWatch itself ignores the order; moto does not). */
  dimensions: Record<string, string>;
  stat: Statistic;
  periodSeconds: number;
}

export interface MetricQuery {
  /** GetMetricData query id: a lowercase letter, then letters, digits or `_`; unique per request. */
  id: string;
  spec: MetricSpec;
}

export interface MetricWindowOptions extends CollectorOptions {
  now: Date;
  windowMinutes: number;
}

/** The datapoints one query returned, in the order CloudWatch sent them (newest first by default). */
export interface MetricSeries {
  values: number[];
  timestamps: Date[];
}

/** GetMetricData accepts at most 500 MetricDataQuery structures per call. */
export const MAX_QUERIES_PER_CALL = 500;
const ID = /^[a-z][a-zA-Z0-9_]*$/;

/**
 * Provenance shown on a signal, e.g.
 * `CloudWatch AWS/ApplicationELB TargetResponseTime {LoadBalancer=app/web/1,TargetGroup=targetgroup/web-tg/2} Average 60s`.
 */
export function metricQuery(spec: MetricSpec): string {
  const dims = Object.entries(spec.dimensions).map(([k, v]) => `${k}=${v}`).join(',');
  return `CloudWatch ${spec.namespace} ${spec.metric} {${dims}} ${spec.stat} ${spec.periodSeconds}s`;
}

/** Reads every query over [now − window, now]; the result has one (possibly empty) series per id. */
export async function getMetricData(
  client: CloudWatchClient,
  queries: readonly MetricQuery[],
  opts: MetricWindowOptions,
): Promise<Record<string, MetricSeries>> {
  const out: Record<string, MetricSeries> = {};
  for (const q of queries) {
    // Programming errors, not AWS faults: CloudWatch would reject the whole call for either.
    if (!ID.test(q.id)) throw new Error(`GetMetricData: query id "${q.id}" must start with a lowercase letter and hold only letters, digits and _`);
    if (Object.hasOwn(out, q.id)) throw new Error(`GetMetricData: query id "${q.id}" is used twice`);
    out[q.id] = { values: [], timestamps: [] };
  }
  const start = new Date(opts.now.getTime() - opts.windowMinutes * 60_000);
  for (let i = 0; i < queries.length; i += MAX_QUERIES_PER_CALL) {
    const batch = queries.slice(i, i + MAX_QUERIES_PER_CALL).map(toQuery);
    let nextToken: string | undefined;
    do {
      const res = await client.send(
        new GetMetricDataCommand({ MetricDataQueries: batch, StartTime: start, EndTime: opts.now, NextToken: nextToken }),
        opts.abortSignal ? { abortSignal: opts.abortSignal } : {},
      );
      for (const r of res.MetricDataResults ?? []) collect(out, r);
      nextToken = res.NextToken;
    } while (nextToken);
  }
  return out;
}

function toQuery(q: MetricQuery): MetricDataQuery {
  return {
    Id: q.id,
    MetricStat: {
      Metric: {
        Namespace: q.spec.namespace,
        MetricName: q.spec.metric,
        Dimensions: Object.entries(q.spec.dimensions).map(([Name, Value]) => ({ Name, Value })),
      },
      Period: q.spec.periodSeconds,
      Stat: q.spec.stat,
    },
    ReturnData: true,
  };
}

function collect(into: Record<string, MetricSeries>, r: MetricDataResult): void {
  if (r.StatusCode === 'Forbidden' || r.StatusCode === 'InternalError') {
    throw new Error(`GetMetricData ${r.Id ?? '?'}: ${r.StatusCode} ${r.Messages?.map((m) => m.Value).join('; ') ?? ''}`.trim());
  }
  const series = r.Id && Object.hasOwn(into, r.Id) ? into[r.Id] : undefined;
  if (!series) return;
  const ts = r.Timestamps ?? [];
  (r.Values ?? []).forEach((v, i) => {
    if (!Number.isFinite(v)) return;
    series.values.push(v);
    series.timestamps.push(ts[i] ?? new Date(NaN));
  });
}

/** Aggregates of one series; null when it has no datapoints. */
export const meanOf = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
export const maxOf = (xs: readonly number[]): number | null => (xs.length ? Math.max(...xs) : null);
export const minOf = (xs: readonly number[]): number | null => (xs.length ? Math.min(...xs) : null);
export const sumOf = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
