import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GetResult, HttpGet } from '../../src/ingest/bounded-get.ts';
import { SnsMessage, stringToSign } from '../../src/ingest/sns-message.ts';
import { snsSource, type SnsSettings } from '../../src/ingest/sns.ts';
import type { AlertSource, ParseResult, Reply } from '../../src/ingest/source.ts';
import { alarmMessage, fixture, signSns, snsConfirmation, snsNotification, startSnsPeer, TOPIC_ARN, type SnsPeer } from '../helpers/webhook-signers.ts';

const request = (body: unknown) => ({ headers: {}, rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)) });

async function runControl(parsed: ParseResult): Promise<Reply> {
  if (!parsed.ok || !('control' in parsed)) throw new Error(`expected a control message, got ${JSON.stringify(parsed)}`);
  return parsed.control();
}

/** An HttpGet that answers from a table and records every URL asked for. */
function tableGet(table: Record<string, GetResult>): HttpGet & { calls: string[] } {
  const calls: string[] = [];
  const get = async (url: URL) => {
    calls.push(url.href);
    return table[url.href] ?? { ok: true as const, status: 404, body: '' };
  };
  return Object.assign(get, { calls });
}

describe('SNS string to sign', () => {
  it('lists the documented keys in order, Subject only when present', () => {
    const base = { MessageId: 'm', TopicArn: 't', Message: 'hello\nworld', Timestamp: 'ts', SignatureVersion: '2', Signature: 's', SigningCertURL: 'u' };
    const n = SnsMessage.parse({ ...base, Type: 'Notification' });
    expect(stringToSign(n)).toBe('Message\nhello\nworld\nMessageId\nm\nTimestamp\nts\nTopicArn\nt\nType\nNotification\n');
    const withSubject = SnsMessage.parse({ ...base, Type: 'Notification', Subject: 'ALARM' });
    expect(stringToSign(withSubject)).toContain('MessageId\nm\nSubject\nALARM\nTimestamp\n');
    const c = SnsMessage.parse({ ...base, Type: 'SubscriptionConfirmation', Token: 'tok', SubscribeURL: 'https://x' });
    expect(stringToSign(c)).toBe('Message\nhello\nworld\nMessageId\nm\nSubscribeURL\nhttps://x\nTimestamp\nts\nToken\ntok\nTopicArn\nt\nType\nSubscriptionConfirmation\n');
  });
});

describe('SNS source with a locally served test certificate', () => {
  let peer: SnsPeer;
  let sns: AlertSource;
  const settings = (): SnsSettings => ({ topics: [{ arn: TOPIC_ARN }], extraOrigins: [peer.origin] });

  beforeAll(async () => {
    peer = await startSnsPeer();
    sns = snsSource(settings());
  });
  afterAll(async () => peer?.close());

  it.each(['1', '2'] as const)('accepts SignatureVersion %s (SHA%s with RSA) and parses the alarm', async (version) => {
    const signed = signSns(snsNotification(alarmMessage()), { version, certUrl: peer.certUrl });
    expect(await sns.authenticate(request(signed))).toEqual({ ok: true });
    const parsed = sns.parse(signed);
    expect(parsed).toMatchObject({ ok: true, alerts: [{ source: 'sns', name: 'web-asg-cpu-high', status: 'firing' }] });
  });

  it("labels alarms with their topic's env and accepts only listed topics", async () => {
    const second = 'arn:aws:sns:eu-west-1:123456789012:staging-alarms';
    const source = snsSource({ topics: [{ arn: TOPIC_ARN, env: 'prod' }, { arn: second, env: 'staging' }], extraOrigins: [peer.origin] });
    for (const [topicArn, env] of [[TOPIC_ARN, 'prod'], [second, 'staging']] as const) {
      const signed = signSns(snsNotification(alarmMessage(), { topicArn }), { version: '2', certUrl: peer.certUrl });
      expect(await source.authenticate(request(signed))).toEqual({ ok: true });
      expect(source.parse(signed)).toMatchObject({ ok: true, alerts: [{ labels: { env } }] });
    }
  });

  it('accepts a signed Subject and fetches the certificate once for many messages', async () => {
    const fresh = snsSource(settings());
    const before = peer.certRequests();
    for (let i = 0; i < 3; i++) {
      const signed = signSns(snsNotification(alarmMessage(), { subject: 'ALARM: "web-asg-cpu-high" in US East (N. Virginia)' }), { version: '2', certUrl: peer.certUrl });
      expect(await fresh.authenticate(request(signed))).toEqual({ ok: true });
    }
    expect(peer.certRequests() - before).toBe(1);
  });

  it('refuses a tampered message, an added Subject and another key with 401', async () => {
    const signed = signSns(snsNotification(alarmMessage()), { version: '2', certUrl: peer.certUrl });
    const tampered = { ...signed, Message: JSON.stringify(alarmMessage({ NewStateValue: 'OK' })) };
    const result = await sns.authenticate(request(tampered));
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/SNS signature \(SignatureVersion 2\) does not verify/) });
    expect((result as { status?: number }).status ?? 401).toBe(401);
    expect(await sns.authenticate(request({ ...signed, Subject: 'injected' }))).toMatchObject({ ok: false });
    expect(await sns.authenticate(request({ ...signed, SignatureVersion: '1' }))).toMatchObject({ ok: false });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const forged = signSns(snsNotification(alarmMessage()), { version: '2', certUrl: peer.certUrl, key: other });
    expect(await sns.authenticate(request(forged))).toMatchObject({ ok: false, reason: expect.stringMatching(/does not verify/) });
    expect(await sns.authenticate(request({ ...signed, Signature: '' }))).toMatchObject({ ok: false, status: 400 });
  });

  it('refuses a topic that is not allowed with 403, before fetching anything', async () => {
    const get = tableGet({});
    const strict = snsSource({ topics: [{ arn: TOPIC_ARN }], extraOrigins: [peer.origin], get });
    const other = 'arn:aws:sns:us-east-1:123456789012:someone-elses-topic';
    const signed = signSns(snsNotification(alarmMessage(), { topicArn: other }), { version: '2', certUrl: peer.certUrl });
    expect(await strict.authenticate(request(signed))).toEqual({ ok: false, status: 403, reason: `topic ${other} is not accepted here (add it to SNS_TOPIC_ARNS)` });
    expect(get.calls).toEqual([]);
  });

  it.each([
    ['a foreign host', 'https://evil.example.com/SimpleNotificationService-x.pem'],
    ['a look-alike host', 'https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-x.pem'],
    ['user info before the host', 'https://sns.us-east-1.amazonaws.com@evil.example/SimpleNotificationService-x.pem'],
    ['plain http to an SNS host', 'http://sns.us-east-1.amazonaws.com/SimpleNotificationService-x.pem'],
    ['another port on an SNS host', 'https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-x.pem'],
    ['a local origin nobody listed', 'http://127.0.0.1:1/SimpleNotificationService-x.pem'],
    ['something that is not a certificate', 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe'],
    ['not a URL at all', 'sns.us-east-1.amazonaws.com/x.pem'],
  ])('refuses a SigningCertURL on %s without fetching it', async (_what, certUrl) => {
    const get = tableGet({});
    const source = snsSource({ topics: [{ arn: TOPIC_ARN }], get });
    const signed = signSns(snsNotification(alarmMessage()), { version: '2', certUrl });
    const result = await source.authenticate(request(signed));
    expect(result).toMatchObject({ ok: false, status: 401, reason: expect.stringMatching(/^cannot verify the SNS signature: SigningCertURL/) });
    expect(get.calls).toEqual([]);
  });

  it('trusts the SNS hosts of every region and of China by default', async () => {
    for (const host of ['sns.eu-west-1.amazonaws.com', 'sns.cn-north-1.amazonaws.com.cn']) {
      const certUrl = `https://${host}/SimpleNotificationService-abc.pem`;
      const get = tableGet({ [certUrl]: { ok: true, status: 200, body: fixture('sns/moto-5.2.1-notifications.json').notification.cert_pem } });
      const source = snsSource({ topics: [{ arn: TOPIC_ARN }], get });
      await source.authenticate(request(signSns(snsNotification(alarmMessage()), { version: '2', certUrl })));
      expect(get.calls).toEqual([certUrl]);
    }
  });

  it('answers 503 when the certificate cannot be fetched now, 401 when it does not exist; failures are not cached', async () => {
    const down = snsSource({ topics: [{ arn: TOPIC_ARN }], extraOrigins: ['http://127.0.0.1:1'] });
    const unreachable = signSns(snsNotification(alarmMessage()), { version: '2', certUrl: 'http://127.0.0.1:1/SimpleNotificationService-x.pem' });
    expect(await down.authenticate(request(unreachable))).toMatchObject({ ok: false, status: 503, reason: expect.stringMatching(/GET http:\/\/127\.0\.0\.1:1\/SimpleNotificationService-x\.pem failed/) });
    const missing = signSns(snsNotification(alarmMessage()), { version: '2', certUrl: `${peer.origin}/SimpleNotificationService-missing.pem` });
    expect(await sns.authenticate(request(missing))).toMatchObject({ ok: false, status: 401, reason: expect.stringMatching(/answered HTTP 404/) });
    const flaky: GetResult[] = [{ ok: false, reason: 'reset', retryable: true }, { ok: true, status: 200, body: 'not a certificate' }];
    const get: HttpGet = async () => flaky.shift()!;
    const source = snsSource({ topics: [{ arn: TOPIC_ARN }], get });
    const signed = signSns(snsNotification(alarmMessage()), { version: '2', certUrl: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-a.pem' });
    expect(await source.authenticate(request(signed))).toMatchObject({ status: 503 });
    expect(await source.authenticate(request(signed))).toMatchObject({ status: 401, reason: expect.stringMatching(/is not a PEM certificate/) });
  });

  it('refuses a certificate outside its validity period', async () => {
    const late = snsSource({ ...settings(), now: () => Date.parse('2200-01-01T00:00:00Z') });
    const signed = signSns(snsNotification(alarmMessage()), { version: '2', certUrl: peer.certUrl });
    expect(await late.authenticate(request(signed))).toMatchObject({ ok: false, status: 401, reason: expect.stringMatching(/is not valid now/) });
  });

  it('answers 400 for a body that is not an SNS message', async () => {
    expect(await sns.authenticate(request('{"Type": "Notification", '))).toMatchObject({ ok: false, status: 400, reason: expect.stringMatching(/^body is not valid JSON/) });
    const noSignature = await sns.authenticate(request({ Type: 'Notification', TopicArn: TOPIC_ARN }));
    expect(noSignature).toMatchObject({ ok: false, status: 400, reason: expect.stringMatching(/^not an SNS message: .*MessageId.*Signature/) });
    expect(await sns.authenticate(request({ Type: 'Hello' }))).toMatchObject({ status: 400, reason: expect.stringMatching(/Type must be Notification, SubscriptionConfirmation or UnsubscribeConfirmation/) });
    const v3 = signSns(snsNotification(alarmMessage()), { version: '2', certUrl: peer.certUrl });
    expect(await sns.authenticate(request({ ...v3, SignatureVersion: '3' }))).toMatchObject({ status: 400, reason: expect.stringMatching(/unsupported SignatureVersion/) });
  });

  it('refuses a signed notification whose Message is not a CloudWatch alarm, naming the field', () => {
    const signed = (fields: Record<string, string>) => signSns(fields, { version: '2', certUrl: peer.certUrl });
    expect(sns.parse(signed(snsNotification('plain text')))).toMatchObject({ ok: false, reason: expect.stringMatching(/^Message is not valid JSON.*expected a CloudWatch alarm/) });
    const missing = sns.parse(signed(snsNotification(alarmMessage({ AlarmArn: undefined, NewStateValue: 'PANIC' }))));
    expect(missing).toMatchObject({ ok: false, reason: expect.stringMatching(/^Message is not a CloudWatch alarm: AlarmArn: .*; NewStateValue: /) });
  });

  it('confirms a subscription by GETting its SubscribeURL and stores nothing', async () => {
    const signed = signSns(snsConfirmation('SubscriptionConfirmation', peer.subscribeUrl), { version: '2', certUrl: peer.certUrl });
    expect(await sns.authenticate(request(signed))).toEqual({ ok: true });
    const before = peer.confirmations.length;
    const reply = await runControl(sns.parse(signed));
    expect(reply).toMatchObject({ status: 200, body: { confirmed: TOPIC_ARN } });
    expect(peer.confirmations.slice(before)).toEqual([TOPIC_ARN]);
  });

  it('does not visit a SubscribeURL off the SNS hosts, and says so when confirming fails', async () => {
    const get = tableGet({});
    const source = snsSource({ topics: [{ arn: TOPIC_ARN }], get });
    const signed = (fields: Record<string, string>) => signSns(fields, { version: '2', certUrl: peer.certUrl });
    const foreign = await runControl(source.parse(signed(snsConfirmation('SubscriptionConfirmation', 'https://evil.example/?Action=ConfirmSubscription'))));
    expect(foreign).toMatchObject({ status: 400, body: { error: expect.stringMatching(/SubscribeURL https:\/\/evil\.example is not an SNS host/) } });
    expect(get.calls).toEqual([]);
    const failing = await runControl(sns.parse(signed(snsConfirmation('SubscriptionConfirmation', `${peer.origin}/nothing-here`))));
    expect(failing).toMatchObject({ status: 502, body: { error: `could not confirm the subscription to ${TOPIC_ARN}: GET SubscribeURL answered HTTP 404` } });
  });

  it('answers an UnsubscribeConfirmation with 200 and a warning, without re-subscribing', async () => {
    const before = peer.confirmations.length;
    const signed = signSns(snsConfirmation('UnsubscribeConfirmation', peer.subscribeUrl), { version: '1', certUrl: peer.certUrl });
    expect(await sns.authenticate(request(signed))).toEqual({ ok: true });
    const reply = await runControl(sns.parse(signed));
    expect(reply).toMatchObject({ status: 200, body: { unsubscribed: TOPIC_ARN }, level: 'warn' });
    expect(peer.confirmations.length).toBe(before);
  });
});

describe('SNS deliveries captured from moto 5.2.1', () => {
  const captures = fixture('sns/moto-5.2.1-notifications.json');

  function motoSource(capture: { body_raw: string; cert_pem: string }) {
    const body = JSON.parse(capture.body_raw);
    const get = tableGet({ [body.SigningCertURL]: { ok: true, status: 200, body: capture.cert_pem } });
    // moto's certificate is valid for a year from the capture: verify as of the delivery.
    return { body, source: snsSource({ topics: [{ arn: TOPIC_ARN }], get, now: () => Date.parse(body.Timestamp) }) };
  }

  it('verifies a real moto notification against the certificate moto served for it', async () => {
    const { body, source } = motoSource(captures.notification);
    expect(captures.notification.headers['Content-Type']).toBe('text/plain; charset=UTF-8');
    expect(await source.authenticate({ headers: {}, rawBody: Buffer.from(captures.notification.body_raw) })).toEqual({ ok: true });
    expect(source.parse(body)).toMatchObject({ ok: true, alerts: [{ name: 'web-asg-cpu-high', labels: { autoscaling_group: 'web-asg' } }] });
  });

  it("refuses moto's notification with a Subject: moto leaves Subject out of what it signs", async () => {
    const { source } = motoSource(captures.notification_with_subject);
    expect(JSON.parse(captures.notification_with_subject.body_raw).Subject).toMatch(/^ALARM/);
    const result = await source.authenticate({ headers: {}, rawBody: Buffer.from(captures.notification_with_subject.body_raw) });
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/does not verify/) });
  });

  it('parses the shared moto capture (its certificate was never kept, so it cannot be verified)', async () => {
    const capture = fixture('sns/moto-5.2.1-shared-capture.json');
    const source = snsSource({ topics: [{ arn: TOPIC_ARN }], get: tableGet({}) });
    expect(await source.authenticate({ headers: {}, rawBody: Buffer.from(capture.body_raw) })).toMatchObject({ ok: false, status: 401, reason: expect.stringMatching(/answered HTTP 404/) });
    const parsed = source.parse(JSON.parse(capture.body_raw));
    expect(parsed).toMatchObject({ ok: true, alerts: [{ name: 'web-asg-cpu-high', status: 'firing', startsAt: new Date('2026-11-21T19:02:10.123Z') }] });
  });
});
