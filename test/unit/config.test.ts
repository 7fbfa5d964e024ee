import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

const valid = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'secret', WEBHOOK_TOKEN: 'a-long-enough-token' };

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig(valid);
    expect(c).toMatchObject({ PORT: 3000, POLICY_PATH: './policies', LOG_LEVEL: 'info', DATA_DIR: './data', AWS_REGION: 'us-east-1' });
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.SLACK_APP_TOKEN).toBeUndefined();
  });

  it('reports every problem at once, naming each variable', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', WEBHOOK_TOKEN: 'short', LOG_LEVEL: 'loud', SLACK_API_URL: 'not a url', DATABASE_URL: 'nope' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'SLACK_BOT_TOKEN', 'WEBHOOK_TOKEN', 'LOG_LEVEL', 'SLACK_API_URL', 'DATABASE_URL', 'SLACK_SIGNING_SECRET']) {
      expect(problems).toContain(name);
    }
    expect((error as ConfigError).message).toMatch(/^invalid configuration:/);
  });

  it('accepts Socket Mode without a signing secret, and checks the app token shape', () => {
    expect(loadConfig({ ...valid, SLACK_SIGNING_SECRET: '', SLACK_APP_TOKEN: 'xapp-1-abc' }).SLACK_APP_TOKEN).toBe('xapp-1-abc');
    expect(() => loadConfig({ ...valid, SLACK_APP_TOKEN: 'xoxb-wrong' })).toThrow(/SLACK_APP_TOKEN must be an app-level token/);
  });

  it('leaves the optional alert sources off unless their settings are given', () => {
    const c = loadConfig(valid);
    expect(c.SNS_TOPIC_ARNS).toBeUndefined();
    expect(c.SNS_EXTRA_TRUSTED_ORIGINS).toBeUndefined();
    expect(c.GRAFANA_WEBHOOK_SECRET).toBeUndefined();
    expect(c.GRAFANA_WEBHOOK_SIGNATURE_HEADER).toBe('X-Grafana-Alerting-Signature');
    expect(c.GRAFANA_WEBHOOK_TIMESTAMP_HEADER).toBeUndefined();
    expect(c.GENERIC_WEBHOOK_SECRET).toBeUndefined();
    expect(loadConfig({ ...valid, SNS_TOPIC_ARNS: ' , ' }).SNS_TOPIC_ARNS).toBeUndefined();
  });

  it('reads the alert sources\' settings: comma-separated topics with an optional env, origins reduced to their origin', () => {
    const c = loadConfig({
      ...valid,
      SNS_TOPIC_ARNS: ' arn:aws:sns:us-east-1:123456789012:ops-alarms=prod , arn:aws-cn:sns:cn-north-1:123456789012:orders.fifo,',
      SNS_EXTRA_TRUSTED_ORIGINS: 'http://127.0.0.1:8443/',
      GRAFANA_WEBHOOK_SECRET: 'grafana-secret-0123456789',
      GRAFANA_WEBHOOK_TIMESTAMP_HEADER: 'X-Grafana-Alerting-Timestamp',
      GENERIC_WEBHOOK_SECRET: 'generic-secret-0123456789',
    });
    expect(c.SNS_TOPIC_ARNS).toEqual([{ arn: 'arn:aws:sns:us-east-1:123456789012:ops-alarms', env: 'prod' }, { arn: 'arn:aws-cn:sns:cn-north-1:123456789012:orders.fifo' }]);
    expect(c.SNS_EXTRA_TRUSTED_ORIGINS).toEqual(['http://127.0.0.1:8443']);
    expect(c).toMatchObject({ GRAFANA_WEBHOOK_TIMESTAMP_HEADER: 'X-Grafana-Alerting-Timestamp', GENERIC_WEBHOOK_SECRET: 'generic-secret-0123456789' });
  });

  it('names each bad alert source setting, and each bad list entry, at once', () => {
    let error: unknown;
    try {
      loadConfig({
        ...valid,
        SNS_TOPIC_ARNS: 'arn:aws:sns:us-east-1:123456789012:ok,ops-alarms,arn:aws:sns:us-east-1:123456789012:x=pro d',
        SNS_EXTRA_TRUSTED_ORIGINS: 'http://127.0.0.1:8443/certs,ftp://x',
        GRAFANA_WEBHOOK_SECRET: 'short',
        GRAFANA_WEBHOOK_TIMESTAMP_HEADER: 'X Timestamp',
        GENERIC_WEBHOOK_SECRET: 'short',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      "SNS_TOPIC_ARNS 'ops-alarms' is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>[=<env>])",
      "SNS_TOPIC_ARNS 'arn:aws:sns:us-east-1:123456789012:x=pro d' has an env that is not a plain word (letters, digits, _ . -)",
      "SNS_EXTRA_TRUSTED_ORIGINS 'http://127.0.0.1:8443/certs' must be an origin only (scheme://host[:port], no path)",
      "SNS_EXTRA_TRUSTED_ORIGINS 'ftp://x' must be an http(s) origin",
      'GRAFANA_WEBHOOK_SECRET must be at least 16 characters',
      'GRAFANA_WEBHOOK_TIMESTAMP_HEADER must be an HTTP header name',
      'GENERIC_WEBHOOK_SECRET must be at least 16 characters',
    ]);
  });
});
