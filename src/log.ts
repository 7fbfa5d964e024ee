import { pino, type Logger } from 'pino';

// Tokens and secrets must never reach logs, whatever object they ride in on.
export const redactPaths = [
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'req.headers.authorization',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'WEBHOOK_TOKEN',
  'DATABASE_URL',
  'GRAFANA_WEBHOOK_SECRET',
  'GENERIC_WEBHOOK_SECRET',
  '*.SLACK_BOT_TOKEN',
  '*.SLACK_SIGNING_SECRET',
  '*.SLACK_APP_TOKEN',
  '*.WEBHOOK_TOKEN',
  '*.DATABASE_URL',
  '*.GRAFANA_WEBHOOK_SECRET',
  '*.GENERIC_WEBHOOK_SECRET',
  'secret',
  '*.secret',
  'password',
  '*.password',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' } }, destination);
}

export type { Logger };
