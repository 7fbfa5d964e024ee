// The GetMetricData helper's batching, pagination and error handling, against a recording fake
// client passed in like the real one (moto cannot cheaply hold 500+ instances).
import type { CloudWatchClient, GetMetricDataCommandInput, GetMetricDataCommandOutput } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { getInstanceCpu } from '../../src/diagnosis/collectors/instances.ts';
import { getMetricData, metricQuery, type MetricQuery } from '../../src/diagnosis/collectors/metric-query.ts';

type Answer = (input: GetMetricDataCommandInput, call: number) => Partial<GetMetricDataCommandOutput>;

function fakeCloudWatch(answer: Answer) {
  const calls: { input: GetMetricDataCommandInput; options: unknown }[] = [];
  const client = {
    async send(command: { input: GetMetricDataCommandInput }, options?: unknown) {
      calls.push({ input: command.input, options });
      return answer(command.input, calls.length);
    },
  } as unknown as CloudWatchClient;
  return { client, calls };
}

/** Every query answers one datapoint whose value is its position in the request. */
const echo: Answer = (input) => ({
  MetricDataResults: (input.MetricDataQueries ?? []).map((q, i) => ({ Id: q.Id, StatusCode: 'Complete', Values: [i], Timestamps: [new Date(0)] })),
});
const cpu = (id: string): MetricQuery['spec'] => ({ namespace: 'AWS/EC2', metric: 'CPUUtilization', dimensions: { InstanceId: id }, stat: 'Average', periodSeconds: 60 });
const now = new Date('2025-01-01T12:00:00Z');

describe('metricQuery', () => {
  it('names namespace, metric, dimensions in order, statistic and period', () => {
    expect(metricQuery({ namespace: 'AWS/ApplicationELB', metric: 'TargetResponseTime', dimensions: { LoadBalancer: 'app/web/1', TargetGroup: 'targetgroup/web-tg/2' }, stat: 'Average', periodSeconds: 60 }))
      .toBe('CloudWatch AWS/ApplicationELB TargetResponseTime {LoadBalancer=app/web/1,TargetGroup=targetgroup/web-tg/2} Average 60s');
  });
});

describe('getMetricData', () => {
  it('sends at most 500 queries per call over [now − window, now]', async () => {
    const { client, calls } = fakeCloudWatch(echo);
    const queries = Array.from({ length: 1001 }, (_, n) => ({ id: `q${n}`, spec: cpu(`i-${n}`) }));
    const out = await getMetricData(client, queries, { now, windowMinutes: 15 });
    expect(calls.map((c) => c.input.MetricDataQueries?.length)).toEqual([500, 500, 1]);
    expect(calls[0]!.input).toMatchObject({ StartTime: new Date('2025-01-01T11:45:00Z'), EndTime: now });
    expect(calls[1]!.input.MetricDataQueries?.[0]).toEqual({
      Id: 'q500', ReturnData: true,
      MetricStat: { Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: 'i-500' }] }, Period: 60, Stat: 'Average' },
    });
    // each id gets its own answer back, whichever batch it travelled in
    expect(out['q0']?.values).toEqual([0]);
    expect(out['q501']?.values).toEqual([1]);
    expect(out['q1000']?.values).toEqual([0]);
  });

  it('follows NextToken and joins the pages; skips non-finite values', async () => {
    const { client, calls } = fakeCloudWatch((_, call) => call === 1
      ? { NextToken: 'page-2', MetricDataResults: [{ Id: 'a', StatusCode: 'PartialData', Values: [1, Number.NaN], Timestamps: [new Date(1), new Date(2)] }] }
      : { MetricDataResults: [{ Id: 'a', StatusCode: 'Complete', Values: [2], Timestamps: [new Date(3)] }, { Id: 'stranger', Values: [9] }] });
    const abort = new AbortController();
    const out = await getMetricData(client, [{ id: 'a', spec: cpu('i-1') }], { now, windowMinutes: 15, abortSignal: abort.signal });
    expect(calls.map((c) => c.input.NextToken)).toEqual([undefined, 'page-2']);
    expect(calls[0]!.options).toEqual({ abortSignal: abort.signal });
    expect(out).toEqual({ a: { values: [1, 2], timestamps: [new Date(1), new Date(3)] } });
  });

  it('throws for a query CloudWatch refused or failed', async () => {
    for (const StatusCode of ['Forbidden', 'InternalError'] as const) {
      const { client } = fakeCloudWatch(() => ({ MetricDataResults: [{ Id: 'a', StatusCode, Messages: [{ Code: 'x', Value: 'not allowed' }] }] }));
      await expect(getMetricData(client, [{ id: 'a', spec: cpu('i-1') }], { now, windowMinutes: 15 })).rejects.toThrow(`GetMetricData a: ${StatusCode} not allowed`);
    }
  });

  it('rejects ids CloudWatch would refuse, before any call', async () => {
    const { client, calls } = fakeCloudWatch(echo);
    await expect(getMetricData(client, [{ id: 'i-0abc', spec: cpu('i-0abc') }], { now, windowMinutes: 15 })).rejects.toThrow(/query id "i-0abc" must start with a lowercase letter/);
    await expect(getMetricData(client, [{ id: 'a', spec: cpu('x') }, { id: 'a', spec: cpu('y') }], { now, windowMinutes: 15 })).rejects.toThrow(/"a" is used twice/);
    expect(calls).toHaveLength(0);
  });
});

describe('getInstanceCpu', () => {
  it('asks once per instance in batches and maps the answers back to instance ids', async () => {
    const { client, calls } = fakeCloudWatch((input) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
        const id = q.MetricStat?.Metric?.Dimensions?.[0]?.Value ?? '';
        // i-7 has no datapoints; the others average their number (n and n + 2 → n + 1)
        return id === 'i-7' ? { Id: q.Id, Values: [] } : { Id: q.Id, Values: [Number(id.slice(2)), Number(id.slice(2)) + 2] };
      }),
    }));
    const ids = Array.from({ length: 600 }, (_, n) => `i-${n}`);
    const out = await getInstanceCpu(client, [...ids, 'i-3'], { now });
    expect(calls.map((c) => c.input.MetricDataQueries?.length)).toEqual([500, 100]); // the duplicate i-3 is asked once
    expect(Object.keys(out)).toHaveLength(600);
    expect(out['i-3']).toEqual({ average: 4, datapoints: 2 });
    expect(out['i-599']).toEqual({ average: 600, datapoints: 2 });
    expect(out['i-7']).toEqual({ average: null, datapoints: 0 });
  });
});
