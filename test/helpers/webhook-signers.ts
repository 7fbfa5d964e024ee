// Senders for the signed alert sources, written from the senders' documentation rather than from
// the bot's verifiers, so that a test checks the bot against the documented scheme.
import { createHmac, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:ops-alarms';

/** A test-only key pair (self-signed, CN=sns.test.invalid): trusted only where a test says so. */
export const TEST_SIGNING_KEY = createPrivateKey(readFileSync(path.join(FIXTURES, 'sns/test-signing-key.pem')));
export const TEST_SIGNING_CERT = readFileSync(path.join(FIXTURES, 'sns/test-signing-cert.pem'), 'utf8');

export function fixture<T = any>(relative: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, relative), 'utf8')) as T;
}

/** The real CloudWatch alarm message, with overrides (e.g. NewStateValue, StateChangeTime). */
export function alarmMessage(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...fixture('sns/cloudwatch-alarm-message.json'), ...overrides };
}

const NOTIFICATION_KEYS = ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type'];
const CONFIRMATION_KEYS = ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];

/** Signs an SNS message as AWS documents it: "key\nvalue\n" over the type's keys, in order. */
export function signSns(fields: Record<string, string>, opts: { version: '1' | '2'; certUrl: string; key?: KeyObject }): Record<string, string> {
  const keys = fields.Type === 'Notification' ? NOTIFICATION_KEYS : CONFIRMATION_KEYS;
  const text = keys.filter((k) => fields[k] !== undefined).map((k) => `${k}\n${fields[k]}\n`).join('');
  const signature = sign(opts.version === '1' ? 'sha1' : 'sha256', Buffer.from(text, 'utf8'), opts.key ?? TEST_SIGNING_KEY);
  return { ...fields, SignatureVersion: opts.version, Signature: signature.toString('base64'), SigningCertURL: opts.certUrl };
}

let counter = 0;

export function snsNotification(message: unknown, opts: { topicArn?: string; subject?: string } = {}): Record<string, string> {
  return {
    Type: 'Notification',
    MessageId: `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
    TopicArn: opts.topicArn ?? TOPIC_ARN,
    ...(opts.subject ? { Subject: opts.subject } : {}),
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: new Date().toISOString(),
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe',
  };
}

export function snsConfirmation(type: 'SubscriptionConfirmation' | 'UnsubscribeConfirmation', subscribeUrl: string, topicArn = TOPIC_ARN): Record<string, string> {
  return {
    Type: type,
    MessageId: `00000000-0000-4000-9000-${String(++counter).padStart(12, '0')}`,
    TopicArn: topicArn,
    Token: 'token-0123456789abcdef',
    Message: `You have chosen to subscribe to the topic ${topicArn}.`,
    SubscribeURL: subscribeUrl,
    Timestamp: new Date().toISOString(),
  };
}

export interface SnsPeer {
  /** http://127.0.0.1:<port>: list it in SNS_EXTRA_TRUSTED_ORIGINS. */
  origin: string;
  certUrl: string;
  subscribeUrl: string;
  certRequests: () => number;
  confirmations: string[];
  close(): Promise<void>;
}

/** A local stand-in for sns.<region>.amazonaws.com: serves the test certificate, records confirmations. */
export async function startSnsPeer(): Promise<SnsPeer> {
  let certRequests = 0;
  const confirmations: string[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://peer');
    if (url.pathname === '/SimpleNotificationService-test.pem') {
      certRequests++;
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(TEST_SIGNING_CERT);
    } else if (url.searchParams.get('Action') === 'ConfirmSubscription') {
      confirmations.push(url.searchParams.get('TopicArn') ?? '');
      res.writeHead(200, { 'content-type': 'text/xml' }).end('<ConfirmSubscriptionResponse/>');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    certUrl: `${origin}/SimpleNotificationService-test.pem`,
    subscribeUrl: `${origin}/?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(TOPIC_ARN)}&Token=token-0123456789abcdef`,
    certRequests: () => certRequests,
    confirmations,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const hmac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');

/** Grafana's HMAC: hex HMAC-SHA256 of the body, or of "<timestamp>:<body>" with a timestamp header. */
export function grafanaHeaders(secret: string, body: string, opts: { timestampHeader?: string; timestamp?: number; signatureHeader?: string } = {}): Record<string, string> {
  const signatureHeader = opts.signatureHeader ?? 'X-Grafana-Alerting-Signature';
  if (!opts.timestampHeader) return { [signatureHeader]: hmac(secret, body) };
  const ts = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  return { [opts.timestampHeader]: ts, [signatureHeader]: hmac(secret, `${ts}:${body}`) };
}

/** The generic webhook: v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>. */
export function genericHeaders(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): Record<string, string> {
  return { 'X-Infra-Agent-Timestamp': String(timestamp), 'X-Infra-Agent-Signature': `v1=${hmac(secret, `${timestamp}.${body}`)}` };
}

export async function postRaw(baseUrl: string, source: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${baseUrl}/webhooks/${source}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  try {
    return { status: res.status, json: JSON.parse(text) };
  } catch {
    return { status: res.status, json: text };
  }
}
