import { App, type CustomRoute } from '@slack/bolt';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { boltLogger } from './bolt-logger.ts';

export interface SlackAppOptions {
  config: Pick<Config, 'SLACK_BOT_TOKEN' | 'SLACK_SIGNING_SECRET' | 'SLACK_APP_TOKEN' | 'SLACK_API_URL' | 'PORT'>;
  log: Logger;
  routes: CustomRoute[];
}

/**
 * One HTTP server serves Slack (signed requests, verified by Bolt) and the alert webhooks
 * (custom routes). With SLACK_APP_TOKEN set, Slack traffic arrives over Socket Mode instead
 * and the custom routes are served on PORT by the Socket Mode receiver.
 */
export function createSlackApp({ config, log, routes }: SlackAppOptions): App {
  const clientOptions = {
    ...(config.SLACK_API_URL ? { slackApiUrl: config.SLACK_API_URL } : {}),
    // Short, bounded retries: a card must not hang a job for the default ~30 minutes.
    retryConfig: { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
  };
  const common = { token: config.SLACK_BOT_TOKEN, logger: boltLogger(log), clientOptions, customRoutes: routes };
  if (config.SLACK_APP_TOKEN) {
    return new App({ ...common, socketMode: true, appToken: config.SLACK_APP_TOKEN, installerOptions: { port: config.PORT } });
  }
  return new App({ ...common, signingSecret: config.SLACK_SIGNING_SECRET! });
}

