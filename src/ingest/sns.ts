import { boundedGet, type HttpGet } from './bounded-get.ts';
import { CloudWatchAlarm, normalizeCloudWatchAlarm } from './cloudwatch-alarm.ts';
import { checkSnsUrl, createCertificateStore } from './sns-certificates.ts';
import { SnsMessage, verifySnsSignature } from './sns-message.ts';
import type { AlertSource, AuthResult, ParseResult, Reply } from './source.ts';
import { zodMessage } from './zod-message.ts';

// CloudWatch alarms delivered by SNS to an HTTP(S) subscription. Trust comes from the message
// signature and the topic allow list, never from headers: the x-amz-sns-* headers are not signed
// (and some senders, moto among them, omit them).
export interface SnsTopic {
  arn: string;
  /** Label `env` for every alarm from this topic: CloudWatch alarms name no environment. */
  env?: string | undefined;
}

export interface SnsSettings {
  /** Only these topics are accepted (SNS_TOPIC_ARNS); `env` labels every alarm from the topic. */
  topics: readonly SnsTopic[];
  /** Exact origins trusted besides the SNS hosts (SNS_EXTRA_TRUSTED_ORIGINS; tests). */
  extraOrigins?: readonly string[];
  get?: HttpGet;
  now?: () => number;
}

type Envelope = { ok: true; message: SnsMessage } | { ok: false; reason: string };

function readEnvelope(body: unknown): Envelope {
  const parsed = SnsMessage.safeParse(body);
  if (!parsed.success) return { ok: false, reason: `not an SNS message: ${zodMessage(parsed.error)}` };
  return { ok: true, message: parsed.data };
}

function parseJson(text: string, what: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, reason: `${what} is not valid JSON: ${(err as Error).message}` };
  }
}

function parseNotification(message: string, topic: SnsTopic | undefined): ParseResult {
  const json = parseJson(message, 'Message');
  if (!json.ok) return { ok: false, reason: `${json.reason} (expected a CloudWatch alarm)` };
  const alarm = CloudWatchAlarm.safeParse(json.value);
  if (!alarm.success) return { ok: false, reason: `Message is not a CloudWatch alarm: ${zodMessage(alarm.error)}` };
  const outcome = normalizeCloudWatchAlarm(alarm.data, topic?.env ? { env: topic.env } : {});
  if (outcome.kind === 'alert') return { ok: true, alerts: [outcome.alert] };
  return { ok: true, control: async () => ({ status: 200, body: { stored: 0, ignored: outcome.reason }, note: outcome.reason }) };
}

export function snsSource(settings: SnsSettings): AlertSource {
  const extraOrigins = settings.extraOrigins ?? [];
  const get = settings.get ?? boundedGet();
  const certificates = createCertificateStore({ extraOrigins, get, now: settings.now ?? Date.now });
  const topicOf = (arn: string) => settings.topics.find((t) => t.arn === arn);

  async function confirm(topicArn: string, subscribeUrl: string): Promise<Reply> {
    const checked = checkSnsUrl(subscribeUrl, 'SubscribeURL', extraOrigins);
    if (!checked.ok) return { status: 400, body: { error: checked.reason }, note: `subscription to ${topicArn} not confirmed: ${checked.reason}` };
    const res = await get(checked.url);
    const failure = !res.ok ? res.reason : res.status !== 200 ? `GET SubscribeURL answered HTTP ${res.status}` : null;
    if (failure) {
      // 502, not 200: the subscription stays pending; subscribing again sends a new confirmation.
      return { status: 502, body: { error: `could not confirm the subscription to ${topicArn}: ${failure}` }, note: `subscription to ${topicArn} not confirmed: ${failure}`, level: 'error' };
    }
    return { status: 200, body: { confirmed: topicArn }, note: `confirmed the SNS subscription to ${topicArn}` };
  }

  return {
    name: 'sns',
    async authenticate({ rawBody }): Promise<AuthResult> {
      const json = parseJson(rawBody.toString('utf8'), 'body');
      if (!json.ok) return { ok: false, status: 400, reason: json.reason };
      const envelope = readEnvelope(json.value);
      if (!envelope.ok) return { ok: false, status: 400, reason: envelope.reason };
      const m = envelope.message;
      // Checked before the signature: a foreign topic costs no certificate fetch.
      if (!topicOf(m.TopicArn)) {
        return { ok: false, status: 403, reason: `topic ${m.TopicArn} is not accepted here (add it to SNS_TOPIC_ARNS)` };
      }
      const key = await certificates.publicKey(m.SigningCertURL);
      if (!key.ok) return { ok: false, status: key.retryable ? 503 : 401, reason: `cannot verify the SNS signature: ${key.reason}` };
      if (!verifySnsSignature(m, key.key)) {
        return { ok: false, reason: `SNS signature (SignatureVersion ${m.SignatureVersion}) does not verify against ${m.SigningCertURL}` };
      }
      return { ok: true };
    },
    parse(body) {
      const envelope = readEnvelope(body);
      if (!envelope.ok) return envelope;
      const m = envelope.message;
      switch (m.Type) {
        case 'Notification':
          return parseNotification(m.Message, topicOf(m.TopicArn));
        case 'SubscriptionConfirmation':
          return { ok: true, control: () => confirm(m.TopicArn, m.SubscribeURL) };
        case 'UnsubscribeConfirmation':
          // Not re-subscribed: someone unsubscribed on purpose, or the topic was deleted.
          return {
            ok: true,
            control: async () => ({ status: 200, body: { unsubscribed: m.TopicArn }, note: `SNS unsubscribed this endpoint from ${m.TopicArn}; alarms on it no longer arrive`, level: 'warn' }),
          };
      }
    },
  };
}
