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
});
