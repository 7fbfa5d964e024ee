// The flap check end to end: episodes stored through the real ingest path (recordAlerts) in a real
// Postgres, read back by the real history adapter, diagnosed by the real engine and rules; for a
// CloudWatch alarm, its evaluation settings read from moto.
import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedAlert } from '../../src/domain/alert.ts';
import type { Diagnosis } from '../../src/domain/diagnosis.ts';
import { runDiagnosis, type DiagnosisDeps } from '../../src/diagnosis/engine.ts';
import { CloudWatchAlarm, normalizeCloudWatchAlarm } from '../../src/ingest/cloudwatch-alarm.ts';
import { alertHistory } from '../../src/store/repos/alert-history.ts';
import { recordAlerts } from '../../src/store/repos/alerts.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { diagnoseRequest } from '../helpers/diagnose-request.ts';
import { awsClientConfig, startMoto } from '../helpers/moto.ts';
import { freePort } from '../helpers/ports.ts';

const moto = await startMoto();
const skip = 'skip' in moto ? moto.skip : false;

const NOW = new Date();
const at = (minAgo: number) => new Date(NOW.getTime() - minAgo * 60_000);
const sig = (d: Diagnosis, id: string) => d.signals.find((s) => s.id === id);
const alt = (d: Diagnosis, option: string) => d.alternatives.find((a) => a.option === option);

/** An Alertmanager alert of one series (fingerprint), as ingest normalises it. */
const amAlert = (fingerprint: string, startsAt: Date, endsAt: Date | null): NormalizedAlert => ({
  source: 'alertmanager', fingerprint, status: endsAt ? 'resolved' : 'firing', name: 'HighCPU', severity: 'critical',
  labels: { alertname: 'HighCPU', autoscaling_group: 'web-asg' }, annotations: {}, startsAt, endsAt, link: null,
  groupKey: `{}:{alertname="HighCPU",fp="${fingerprint}"}`,
});

/** Each episode fires, then (unless it lasts null minutes) resolves: two webhook deliveries, as ingest stores them. */
async function storeEpisodes(t: TestDatabase, make: (startsAt: Date, endsAt: Date | null) => NormalizedAlert, episodes: [minAgo: number, minutes: number | null][]): Promise<NormalizedAlert> {
  let last: NormalizedAlert | undefined;
  for (const [minAgo, minutes] of episodes) {
    const firing = make(at(minAgo), null);
    await t.db.transaction().execute((trx) => recordAlerts(trx, [firing]));
    if (minutes !== null) {
      const resolved = make(at(minAgo), new Date(at(minAgo).getTime() + minutes * 60_000));
      await t.db.transaction().execute((trx) => recordAlerts(trx, [resolved]));
    }
    last = firing;
  }
  return last!;
}

describe('flapping diagnosis from the alert store', () => {
  let t: TestDatabase;
  let deps: DiagnosisDeps;
  // cpu-saturation must not be needed when the alert flaps: its AWS endpoints are dead, so if it ran
  // its signals would show as unavailable.
  let autoscaling: AutoScalingClient;
  let cloudwatch: CloudWatchClient;

  beforeAll(async () => {
    t = await createTestDatabase();
    const dead = `http://127.0.0.1:${await freePort()}`;
    autoscaling = new AutoScalingClient(awsClientConfig(dead));
    cloudwatch = new CloudWatchClient(awsClientConfig(dead));
    deps = { autoscaling, cloudwatch, history: alertHistory(t.db), now: () => NOW, collectorTimeoutMs: 2000 };
  });
  afterAll(async () => {
    autoscaling.destroy();
    cloudwatch.destroy();
    await t.drop();
  });

  it('runs the flapping rule instead of cpu-saturation for a series that fired five times in an hour', async () => {
    // Every 12 minutes for 3 minutes; the newest is firing now. One repeat of a firing notification
    // (Alertmanager resends) must not count as an episode.
    const alert = await storeEpisodes(t, (s, e) => amAlert('flappy', s, e), [[50, 3], [38, 3], [26, 3], [14, 3], [2, null]]);
    await t.db.transaction().execute((trx) => recordAlerts(trx, [alert]));
    // An episode of another series, and one of this series before the window, must not count either.
    await storeEpisodes(t, (s, e) => amAlert('other', s, e), [[20, 3]]);
    await storeEpisodes(t, (s, e) => amAlert('flappy', s, e), [[90, 3]]);

    const d = await runDiagnosis(deps, diagnoseRequest({ alert, candidates: ['scale-asg'] }));
    expect(d).toMatchObject({ rule: 'flapping', candidate: null, recommendation: 'no-action', risk: 'low' });
    expect(d.reasoning[0]).toMatch(/^HighCPU has flapped: it fired 5 times in the last 1h, each episode lasting ~3m \(median\).*cpu-saturation was not run: acting on an oscillating signal/);
    expect(d.hypothesis).toBe('The alert HighCPU is flapping: fired 5 times in 1h, each episode lasting ~3m (median).');
    expect(sig(d, 'flap-episodes')).toMatchObject({ value: 5, threshold: 4, breached: true });
    expect(sig(d, 'episode-median')).toMatchObject({ value: 3 });
    expect(d.signals.some((s) => s.error !== undefined)).toBe(false); // no AWS read was attempted
    expect(alt(d, 'scale-asg')?.whyNot).toMatch(/oscillate capacity/);
    expect(alt(d, 'do-nothing')?.whyNot).toMatch(/`for:`/);
    expect(d.hypotheses.map((h) => h.statement).join('\n')).toMatch(/crash loop/);
  });

  it('gives a query a human can run to see the same episodes', async () => {
    const alert = await storeEpisodes(t, (s, e) => amAlert('requery', s, e), [[45, 2], [35, 2], [25, 2], [15, 2], [5, null]]);
    const d = await runDiagnosis(deps, diagnoseRequest({ alert }));
    const query = sig(d, 'flap-episodes')!.query;
    const rows = await sql.raw<{ starts_at: Date }>(query).execute(t.db);
    expect(rows.rows.map((r) => r.starts_at.getTime())).toEqual([45, 35, 25, 15, 5].map((m) => at(m).getTime()));
  });

  it('escalates when the stored episodes get longer', async () => {
    const alert = await storeEpisodes(t, (s, e) => amAlert('worsening', s, e), [[58, 2], [48, 2], [36, 5], [20, 8], [2, null]]);
    const d = await runDiagnosis(deps, diagnoseRequest({ alert }));
    expect(d).toMatchObject({ rule: 'flapping', candidate: null, recommendation: 'escalate', risk: 'high' });
    expect(d.hypothesis).toMatch(/getting worse.*episodes getting longer/);
  });

  it('runs cpu-saturation when the series has not flapped', async () => {
    const alert = await storeEpisodes(t, (s, e) => amAlert('calm', s, e), [[40, 3], [2, null]]);
    const d = await runDiagnosis(deps, diagnoseRequest({ alert }));
    expect(d.rule).toBe('cpu-saturation');
    expect(d.reasoning.join(' ')).not.toMatch(/flapped/);
  });

  it('runs cpu-saturation for a flapping series when the policy rule opts out', async () => {
    const alert = await storeEpisodes(t, (s, e) => amAlert('opted-out', s, e), [[50, 3], [38, 3], [26, 3], [14, 3], [2, null]]);
    const d = await runDiagnosis(deps, diagnoseRequest({ alert, settings: { flap_check: false } }));
    expect(d.rule).toBe('cpu-saturation');
  });
});

describe.skipIf(skip)(`flapping CloudWatch alarm against moto_server${skip ? ` — ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  let t: TestDatabase;
  const cloudwatch = new CloudWatchClient(awsClientConfig(url));
  const autoscaling = new AutoScalingClient(awsClientConfig(url));
  const ARN = 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:HighCPU-web';

  /** The alert ingest makes of an SNS-delivered alarm state change. */
  const stateChange = (state: 'ALARM' | 'OK', when: Date): NormalizedAlert => {
    const out = normalizeCloudWatchAlarm(CloudWatchAlarm.parse({
      AlarmName: 'HighCPU-web', AWSAccountId: '123456789012', AlarmArn: ARN, NewStateValue: state,
      OldStateValue: state === 'ALARM' ? 'OK' : 'ALARM', NewStateReason: 'Threshold Crossed', StateChangeTime: when.toISOString(), Region: 'US East (N. Virginia)',
      Trigger: { MetricName: 'CPUUtilization', Namespace: 'AWS/EC2', Statistic: 'AVERAGE', ComparisonOperator: 'GreaterThanThreshold', Threshold: 80, Period: 60, EvaluationPeriods: 1, Dimensions: [{ name: 'AutoScalingGroupName', value: 'web-asg' }] },
    }), { env: 'staging' });
    if (out.kind !== 'alert') throw new Error(out.reason);
    return out.alert;
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    if ('reset' in moto) await moto.reset();
  });
  afterAll(async () => {
    cloudwatch.destroy();
    autoscaling.destroy();
    await t.drop();
    if ('stop' in moto) await moto.stop();
  });

  it("shows the alarm's evaluation settings as signals and tunes DatapointsToAlarm", async () => {
    await cloudwatch.send(new PutMetricAlarmCommand({
      AlarmName: 'HighCPU-web', Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Statistic: 'Average',
      Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'web-asg' }], Period: 60, EvaluationPeriods: 1, DatapointsToAlarm: 1,
      Threshold: 80, ComparisonOperator: 'GreaterThanThreshold',
    }));
    // ALARM then OK, every 12 minutes for 3 minutes: an OK resolves the series (ingest ends it by fingerprint).
    const alert = await storeEpisodes(t, (s, e) => stateChange(e ? 'OK' : 'ALARM', e ?? s), [[50, 3], [38, 3], [26, 3], [14, 3], [2, null]]);
    expect(alert.source).toBe('sns');

    const d = await runDiagnosis({ autoscaling, cloudwatch, history: alertHistory(t.db), now: () => NOW }, diagnoseRequest({ alert }));
    expect(d).toMatchObject({ rule: 'flapping', recommendation: 'no-action' });
    // Ingest stores each OK as a row of its own; neither the diagnosis nor its query counts those.
    expect(await t.db.selectFrom('alerts').select('id').where('fingerprint', '=', alert.fingerprint).execute()).toHaveLength(9);
    expect(sig(d, 'flap-episodes')).toMatchObject({ value: 5, breached: true });
    expect((await sql.raw(sig(d, 'flap-episodes')!.query).execute(t.db)).rows).toHaveLength(5);
    expect(sig(d, 'alarm-evaluation')).toMatchObject({ source: 'cloudwatch', value: 1, unit: 'of 1 datapoints', label: 'Alarm evaluation (datapoints of 60 s)', query: expect.stringMatching(/^CloudWatch DescribeAlarms AlarmNames=\[HighCPU-web\] \(us-east-1\)/) });
    expect(sig(d, 'alarm-threshold')).toMatchObject({ value: 80, label: 'Alarm threshold: Average of AWS/EC2 CPUUtilization {AutoScalingGroupName=web-asg} >' });
    expect(sig(d, 'alarm-state-age')).toMatchObject({ label: 'Alarm state OK for' }); // moto: new alarms start OK
    expect(d.reasoning.join('\n')).toMatch(/CloudWatch alarm HighCPU-web fires when 1 of 1 datapoints of 60 s breach .*a single breaching datapoint trips it/);
    expect(d.hypotheses.map((h) => h.statement)).toContain("The alarm's evaluation window is too short: 1 of 1 datapoints of 60 s — a single datapoint trips it.");
    expect(alt(d, 'do-nothing')?.whyNot).toMatch(/raise DatapointsToAlarm\/EvaluationPeriods from 1 of 1 to 4 of 6/);
  });
});
