import path from 'node:path';
import { Config } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { startBot, type RunningBot } from '../../src/main.ts';

export const SIGNING_SECRET = 'test-signing-secret-0123456789abcdef';
export const WEBHOOK_TOKEN = 'test-webhook-token-0123456789';
export const BOT_TOKEN = 'xoxb-test';
export const SHIPPED_POLICY = path.resolve(import.meta.dirname, '../../policies');
// The shipped policy minus its weekend freeze (which would fail approvals every weekend).
export const E2E_POLICY = path.resolve(import.meta.dirname, '../fixtures/policies/e2e');

export interface TestBot extends RunningBot {
  baseUrl: string;
}

/** The real composition root, pointed at test peers (fake Slack, moto, a test database). */
export async function startTestBot(opts: {
  databaseUrl: string;
  slackApiUrl: string;
  awsEndpoint?: string;
  policyPath?: string;
  /** Extra environment variables for Config (e.g. the optional alert sources' settings). */
  env?: Record<string, string>;
}): Promise<TestBot> {
  // The AWS SDK reads credentials from the standard chain; moto accepts any.
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  const config = Config.parse({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: opts.databaseUrl,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: opts.slackApiUrl,
    POLICY_PATH: opts.policyPath ?? E2E_POLICY,
    WEBHOOK_TOKEN,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: opts.awsEndpoint ?? 'http://127.0.0.1:1',
    JOB_POLL_INTERVAL_SECONDS: '0.5',
    ...opts.env,
  });
  const bot = await startBot(config, createLogger(config.LOG_LEVEL));
  return { ...bot, baseUrl: `http://127.0.0.1:${bot.port}` };
}

export async function postWebhook(baseUrl: string, body: unknown, opts: { token?: string | null; source?: string; raw?: string } = {}): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = opts.token === undefined ? WEBHOOK_TOKEN : opts.token;
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${baseUrl}/webhooks/${opts.source ?? 'alertmanager'}`, { method: 'POST', headers, body: opts.raw ?? JSON.stringify(body) });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: res.status, json };
}
