// The DescribeAlarms collector against a real moto_server through the real CloudWatch client.
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { describeAlarm } from '../../src/diagnosis/collectors/alarms.ts';
import { runDiagnosis, type AlertEpisode, type AlertHistoryReader } from '../../src/diagnosis/engine.ts';
import { awsClientConfig, startMoto } from '../helpers/moto.ts';
import { freePort } from '../helpers/ports.ts';
import { diagnoseRequest, testAlert } from '../helpers/diagnose-request.ts';

const moto = await startMoto();
const skip = 'skip' in moto ? moto.skip : false;
const REF = { name: 'HighCPU-web', region: 'us-east-1' };

describe.skipIf(skip)(`DescribeAlarms collector against moto_server${skip ? ` — ${skip}` : ''}`, () => {
  const url = 'url' in moto ? moto.url : '';
  const cloudwatch = new CloudWatchClient(awsClientConfig(url));

  beforeEach(async () => {
    if ('reset' in moto) await moto.reset();
  });
  afterAll(async () => {
    cloudwatch.destroy();
    if ('stop' in moto) await moto.stop();
  });

  it('reads the evaluation settings and state of an alarm', async () => {
    await cloudwatch.send(new PutMetricAlarmCommand({
      AlarmName: 'HighCPU-web', Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Statistic: 'Average',
      Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'web-asg' }], Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 2,
      Threshold: 80, ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching',
    }));
    await cloudwatch.send(new PutMetricAlarmCommand({ // another alarm must not leak in
      AlarmName: 'HighCPU-web-2', Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Statistic: 'Maximum',
      Period: 300, EvaluationPeriods: 1, Threshold: 95, ComparisonOperator: 'GreaterThanThreshold',
    }));
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: 'HighCPU-web', StateValue: 'ALARM', StateReason: 'test' }));
    const before = Date.now();
    const a = await describeAlarm(cloudwatch, REF);
    expect(a).toMatchObject({
      name: 'HighCPU-web', namespace: 'AWS/EC2', metric: 'CPUUtilization', dimensions: [{ name: 'AutoScalingGroupName', value: 'web-asg' }],
      statistic: 'Average', period: 60, evaluationPeriods: 3, datapointsToAlarm: 2, threshold: 80, comparison: 'GreaterThanThreshold',
      treatMissingData: 'notBreaching', state: 'ALARM', mathQueries: 0,
    });
    expect(a?.stateUpdatedAt).toBeInstanceOf(Date);
    expect(Math.abs(a!.stateUpdatedAt!.getTime() - before)).toBeLessThan(60_000);
  });

  it('takes an extended statistic, and EvaluationPeriods when DatapointsToAlarm is unset', async () => {
    await cloudwatch.send(new PutMetricAlarmCommand({
      AlarmName: 'HighCPU-web', Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', ExtendedStatistic: 'p99',
      Period: 300, EvaluationPeriods: 2, Threshold: 90, ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    }));
    expect(await describeAlarm(cloudwatch, REF)).toMatchObject({ statistic: 'p99', period: 300, evaluationPeriods: 2, datapointsToAlarm: 2, state: 'OK' });
  });

  it('answers null for an alarm that does not exist', async () => {
    expect(await describeAlarm(cloudwatch, REF)).toBeNull();
  });

  it('refuses to look for an alarm of another region rather than report it missing', async () => {
    await expect(describeAlarm(cloudwatch, { name: 'HighCPU-web', region: 'eu-west-1' })).rejects.toThrow('alarm HighCPU-web is in eu-west-1, but the CloudWatch client reads us-east-1');
  });

  it('turns a dead CloudWatch endpoint into unavailable alarm signals, the diagnosis still made', async () => {
    const now = new Date();
    const ep = (minAgo: number, minutes: number | null): AlertEpisode => {
      const startsAt = new Date(now.getTime() - minAgo * 60_000);
      return { startsAt, endsAt: minutes === null ? null : new Date(startsAt.getTime() + minutes * 60_000), status: minutes === null ? 'firing' : 'resolved', timesSeen: 1 };
    };
    const episodes = [ep(50, 3), ep(38, 3), ep(26, 3), ep(14, 3), ep(2, null)];
    const history: AlertHistoryReader = { episodes: async () => episodes };
    const dead = new CloudWatchClient({ ...awsClientConfig(`http://127.0.0.1:${await freePort()}`), requestHandler: { connectionTimeout: 1000, requestTimeout: 1000 } });
    const alert = testAlert({
      source: 'sns', name: 'HighCPU-web', startsAt: episodes[4]!.startsAt,
      labels: { alertname: 'HighCPU-web', alarm_arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:HighCPU-web', region: 'us-east-1' },
    });
    try {
      const d = await runDiagnosis({ autoscaling: {} as AutoScalingClient, cloudwatch: dead, history, now: () => now }, diagnoseRequest({ alert }));
      expect(d.rule).toBe('flapping');
      for (const id of ['alarm-evaluation', 'alarm-threshold', 'alarm-state-age']) {
        expect(d.signals.find((s) => s.id === id)).toMatchObject({ value: null, error: expect.stringMatching(/^CloudWatch DescribeAlarms: /) });
      }
      expect(d.reasoning.join(' ')).toMatch(/settings of CloudWatch alarm HighCPU-web could not be read/);
      expect(d.recommendation).toBe('no-action'); // the history alone still shows the flapping
      expect(d.confidence).toBeLessThanOrEqual(0.6);
      expect(d.riskFactors).toContain('3 signals unavailable');
    } finally {
      dead.destroy();
    }
  });
});
