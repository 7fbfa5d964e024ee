import { describe, expect, it } from 'vitest';
import { CloudWatchAlarm, normalizeCloudWatchAlarm, type AlarmOutcome } from '../../src/ingest/cloudwatch-alarm.ts';
import { zodMessage } from '../../src/ingest/zod-message.ts';
import { alarmMessage } from '../helpers/webhook-signers.ts';

function normalize(overrides: Record<string, unknown> = {}): AlarmOutcome {
  return normalizeCloudWatchAlarm(CloudWatchAlarm.parse(alarmMessage(overrides)));
}

function alertOf(outcome: AlarmOutcome) {
  if (outcome.kind !== 'alert') throw new Error(`expected an alert, got ${outcome.reason}`);
  return outcome.alert;
}

const trigger = (extra: Record<string, unknown>) => ({ ...(alarmMessage().Trigger as object), ...extra });

describe('CloudWatch alarm messages', () => {
  it('normalizes the real ALARM message so that the rules find the Auto Scaling group', () => {
    const alert = alertOf(normalize());
    expect(alert).toEqual({
      source: 'sns',
      fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      status: 'firing',
      name: 'web-asg-cpu-high',
      severity: null,
      labels: {
        AutoScalingGroupName: 'web-asg',
        autoscaling_group: 'web-asg',
        alertname: 'web-asg-cpu-high',
        alarm_arn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-asg-cpu-high',
        region: 'us-east-1',
        account: '123456789012',
        namespace: 'AWS/EC2',
        metric: 'CPUUtilization',
      },
      annotations: {
        summary: expect.stringMatching(/^Threshold Crossed: 1 out of the last 1 datapoints \[97\.0/),
        state_change: 'OK → ALARM',
        statistic: 'AVERAGE',
        comparison: 'GreaterThanThreshold',
        threshold: '80',
        period_seconds: '60',
        evaluation_periods: '1',
        region_name: 'US East (N. Virginia)',
      },
      // CloudWatch writes "+0000"; the instant is kept to the millisecond.
      startsAt: new Date('2026-11-21T19:02:10.123Z'),
      endsAt: null,
      link: 'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/web-asg-cpu-high',
      groupKey: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-asg-cpu-high',
    });
  });

  it('keeps one fingerprint per alarm ARN; OK resolves it at its own state change time', () => {
    const firing = alertOf(normalize());
    const ok = alertOf(normalize({ NewStateValue: 'OK', OldStateValue: 'ALARM', StateChangeTime: '2026-11-21T19:20:00.000+0000' }));
    expect(ok).toMatchObject({ status: 'resolved', fingerprint: firing.fingerprint, groupKey: firing.groupKey, endsAt: new Date('2026-11-21T19:20:00Z') });
    const other = alertOf(normalize({ AlarmArn: 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:web-asg-cpu-high' }));
    expect(other.fingerprint).not.toBe(firing.fingerprint);
    expect(other.labels.region).toBe('eu-west-1');
  });

  it('stores nothing for INSUFFICIENT_DATA and says why', () => {
    expect(normalize({ NewStateValue: 'INSUFFICIENT_DATA' })).toEqual({
      kind: 'ignored',
      reason: 'alarm web-asg-cpu-high is INSUFFICIENT_DATA: neither firing nor resolved; an open incident stays open',
    });
  });

  it('keeps hostile dimension text as data, and its own labels win over look-alike dimensions', () => {
    const dims = [
      { name: '__proto__', value: 'polluted' },
      { name: 'alertname', value: 'SomethingElse' },
      { name: 'region', value: 'mars-1' },
      { name: 'AutoScalingGroupName', value: '<!channel> web-*' },
    ];
    const alert = alertOf(normalize({ AlarmName: '<@U0ADMIN> *bold* `code`', Trigger: trigger({ Dimensions: dims }) }));
    expect(Object.getPrototypeOf(alert.labels)).toBe(Object.prototype);
    expect(Object.hasOwn(alert.labels, '__proto__')).toBe(true);
    expect(JSON.parse(JSON.stringify(alert.labels)).__proto__).toBe('polluted');
    expect(alert.labels).toMatchObject({ alertname: '<@U0ADMIN> *bold* `code`', region: 'us-east-1', autoscaling_group: '<!channel> web-*' });
    expect(alert.name).toBe('<@U0ADMIN> *bold* `code`');
    expect(alert.link).toContain(encodeURIComponent('<@U0ADMIN> *bold* `code`'));
  });

  it("labels the alarm with its topic's env, over a dimension of that name", () => {
    const dims = [{ name: 'env', value: 'dev' }, { name: 'AutoScalingGroupName', value: 'web-asg' }];
    const alert = alertOf(normalizeCloudWatchAlarm(CloudWatchAlarm.parse(alarmMessage({ Trigger: trigger({ Dimensions: dims }) })), { env: 'prod' }));
    expect(alert.labels).toMatchObject({ env: 'prod', autoscaling_group: 'web-asg' });
    expect(alertOf(normalize({ Trigger: trigger({ Dimensions: dims }) })).labels.env).toBe('dev');
  });

  it('reads dimensions of metric-math alarms, and takes composite alarms without a Trigger', () => {
    const math = trigger({
      MetricName: undefined,
      Namespace: undefined,
      Dimensions: undefined,
      Metrics: [{ Id: 'e1', Expression: 'm1 * 2' }, { Id: 'm1', MetricStat: { Metric: { Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ name: 'AutoScalingGroupName', value: 'api-asg' }] } } }],
    });
    expect(alertOf(normalize({ Trigger: math })).labels).toMatchObject({ autoscaling_group: 'api-asg' });
    const composite = alertOf(normalize({ Trigger: undefined, AlarmRule: 'ALARM(a) OR ALARM(b)' }));
    expect(composite.labels).toEqual({ alertname: 'web-asg-cpu-high', alarm_arn: expect.any(String), region: 'us-east-1', account: '123456789012' });
  });

  it('links China-partition alarms to their own console', () => {
    expect(alertOf(normalize({ AlarmArn: 'arn:aws-cn:cloudwatch:cn-north-1:123456789012:alarm:x' })).link).toBe(
      'https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/web-asg-cpu-high',
    );
    expect(alertOf(normalize({ AlarmArn: 'arn:aws-us-gov:cloudwatch:us-gov-west-1:123456789012:alarm:x' })).link).toBeNull();
  });

  it('reports every malformed field by path', () => {
    const bad = CloudWatchAlarm.safeParse(alarmMessage({ AWSAccountId: 'abc', StateChangeTime: 'yesterday', AlarmArn: 'arn:aws:sns:us-east-1:123456789012:t', Trigger: trigger({ Dimensions: [{ Name: 'x', Value: 'y' }] }) }));
    expect(bad.success).toBe(false);
    const message = zodMessage(bad.error!);
    expect(message).toContain('AWSAccountId: must be a 12-digit account id');
    expect(message).toContain('StateChangeTime: must be an ISO-8601 timestamp');
    expect(message).toContain('AlarmArn: must be a CloudWatch alarm ARN');
    expect(message).toContain('Trigger.Dimensions.0.name');
  });
});
