import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSourceRegistry } from '../../src/ingest/registry.ts';
import { webhookHandler } from '../../src/ingest/webhook-route.ts';
import { e2ePolicy } from '../helpers/context.ts';
import { createLogger } from '../../src/log.ts';
import { createDb } from '../../src/store/db.ts';
import { verifyAuditChain } from '../../src/store/audit.ts';
import { startTestBot, WEBHOOK_TOKEN, type TestBot } from '../helpers/bot.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import {
  alarmMessage,
  fixture,
  genericHeaders,
  grafanaHeaders,
  postRaw,
  signSns,
  snsConfirmation,
  snsNotification,
  startSnsPeer,
  TOPIC_ARN,
  type SnsPeer,
} from '../helpers/webhook-signers.ts';

const GRAFANA_SECRET = 'grafana-test-secret-0123456789';
const GENERIC_SECRET = 'generic-test-secret-0123456789';
const TIMESTAMP_HEADER = 'X-Grafana-Alerting-Timestamp';

describe('CloudWatch via SNS, Grafana and generic webhooks on the bot\'s HTTP server', () => {
  let t: TestDatabase;
  let slack: FakeSlack;
  let peer: SnsPeer;
  let bot: TestBot;
  const countAlerts = async (source: string) =>
    Number((await t.db.selectFrom('alerts').where('source', '=', source).select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const postSns = (fields: Record<string, string>, version: '1' | '2' = '2') =>
    // SNS posts JSON as text/plain.
    postRaw(bot.baseUrl, 'sns', JSON.stringify(signSns(fields, { version, certUrl: peer.certUrl })), { 'content-type': 'text/plain; charset=UTF-8' });

  beforeAll(async () => {
    t = await createTestDatabase();
    slack = await startFakeSlack();
    peer = await startSnsPeer();
    bot = await startTestBot({
      databaseUrl: t.url,
      slackApiUrl: slack.url,
      env: {
        SNS_TOPIC_ARNS: `${TOPIC_ARN}=staging`,
        SNS_EXTRA_TRUSTED_ORIGINS: peer.origin,
        GRAFANA_WEBHOOK_SECRET: GRAFANA_SECRET,
        GRAFANA_WEBHOOK_TIMESTAMP_HEADER: TIMESTAMP_HEADER,
        GENERIC_WEBHOOK_SECRET: GENERIC_SECRET,
      },
    });
  });
  afterAll(async () => {
    await bot?.stop();
    await peer?.close();
    await slack?.close();
    await t?.drop();
  });

  describe('/webhooks/sns', () => {
    it('refuses forged, foreign and malformed messages with a reason and stores nothing', async () => {
      const signed = signSns(snsNotification(alarmMessage()), { version: '2', certUrl: peer.certUrl });
      const tampered = await postRaw(bot.baseUrl, 'sns', JSON.stringify({ ...signed, Message: JSON.stringify(alarmMessage({ AlarmName: 'other' })) }));
      expect(tampered).toEqual({ status: 401, json: { error: expect.stringMatching(/SNS signature \(SignatureVersion 2\) does not verify/) } });
      const foreignTopic = await postSns(snsNotification(alarmMessage(), { topicArn: 'arn:aws:sns:us-east-1:999999999999:elsewhere' }));
      expect(foreignTopic).toEqual({ status: 403, json: { error: expect.stringMatching(/topic arn:aws:sns:us-east-1:999999999999:elsewhere is not accepted here/) } });
      const foreignHost = signSns(snsNotification(alarmMessage()), { version: '2', certUrl: 'https://certs.example.com/SimpleNotificationService-x.pem' });
      expect(await postRaw(bot.baseUrl, 'sns', JSON.stringify(foreignHost))).toMatchObject({ status: 401, json: { error: expect.stringMatching(/SigningCertURL https:\/\/certs\.example\.com is not an SNS host/) } });
      expect(await postRaw(bot.baseUrl, 'sns', '{"Type":')).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^body is not valid JSON/) } });
      expect(await postRaw(bot.baseUrl, 'sns', '{"Type":"Notification"}')).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^not an SNS message: MessageId/) } });
      const notAlarm = await postSns(snsNotification({ hello: 'world' }));
      expect(notAlarm).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^Message is not a CloudWatch alarm: AlarmName: /) } });
      expect(await countAlerts('sns')).toBe(0);
    });

    it('confirms a subscription for an allowed topic and acknowledges an unsubscribe, storing nothing', async () => {
      const confirmed = await postSns(snsConfirmation('SubscriptionConfirmation', peer.subscribeUrl));
      expect(confirmed).toEqual({ status: 200, json: { confirmed: TOPIC_ARN } });
      expect(peer.confirmations).toEqual([TOPIC_ARN]);
      const foreign = await postSns(snsConfirmation('SubscriptionConfirmation', peer.subscribeUrl, 'arn:aws:sns:us-east-1:999999999999:elsewhere'));
      expect(foreign.status).toBe(403);
      expect(peer.confirmations).toHaveLength(1);
      expect(await postSns(snsConfirmation('UnsubscribeConfirmation', peer.subscribeUrl), '1')).toEqual({ status: 200, json: { unsubscribed: TOPIC_ARN } });
      expect(peer.confirmations).toHaveLength(1);
      expect(await countAlerts('sns')).toBe(0);
    });

    it('opens an incident on ALARM (either signature version), is idempotent, ignores INSUFFICIENT_DATA and resolves on OK', async () => {
      const alarm = snsNotification(alarmMessage());
      const first = await postSns(alarm, '1');
      expect(first).toMatchObject({ status: 200, json: { stored: 1, duplicates: 0 } });
      expect(first.json.openedIncidents).toHaveLength(1);
      // SNS retries the same message; a second delivery of the same state change is the same alert.
      expect((await postSns(alarm, '1')).json).toMatchObject({ stored: 0, duplicates: 1, openedIncidents: [] });
      expect((await postSns(snsNotification(alarmMessage()), '2')).json).toMatchObject({ stored: 0, duplicates: 1 });
      const incident = await t.db.selectFrom('incidents').selectAll().where('source', '=', 'sns').executeTakeFirstOrThrow();
      expect(incident).toMatchObject({ status: 'open', title: 'web-asg-cpu-high on web-asg', group_key: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:web-asg-cpu-high' });
      const row = await t.db.selectFrom('alerts').selectAll().where('source', '=', 'sns').executeTakeFirstOrThrow();
      expect(row.labels).toMatchObject({ env: 'staging', autoscaling_group: 'web-asg', alertname: 'web-asg-cpu-high', metric: 'CPUUtilization' });

      const noData = await postSns(snsNotification(alarmMessage({ NewStateValue: 'INSUFFICIENT_DATA', OldStateValue: 'ALARM', StateChangeTime: '2026-11-21T19:10:00.000+0000' })));
      expect(noData).toEqual({ status: 200, json: { stored: 0, ignored: expect.stringMatching(/INSUFFICIENT_DATA: neither firing nor resolved/) } });
      expect((await t.db.selectFrom('incidents').select('status').where('id', '=', incident.id).executeTakeFirstOrThrow()).status).toBe('open');

      const ok = await postSns(snsNotification(alarmMessage({ NewStateValue: 'OK', OldStateValue: 'INSUFFICIENT_DATA', StateChangeTime: '2026-11-21T19:20:00.000+0000' })));
      expect(ok).toMatchObject({ status: 200, json: { stored: 1, resolved: 1, resolvedIncidents: [incident.id] } });
      const statuses = await t.db.selectFrom('alerts').select('status').where('source', '=', 'sns').execute();
      expect(statuses.map((s) => s.status)).toEqual(['resolved', 'resolved']);
      expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
    });
  });

  describe('/webhooks/grafana', () => {
    const body = JSON.stringify(fixture('grafana/webhook-example.json').body);

    it('refuses stale, unsigned or wrongly signed requests and malformed bodies, storing nothing', async () => {
      const stale = grafanaHeaders(GRAFANA_SECRET, body, { timestampHeader: TIMESTAMP_HEADER, timestamp: Math.floor(Date.now() / 1000) - 600 });
      expect(await postRaw(bot.baseUrl, 'grafana', body, stale)).toMatchObject({ status: 401, json: { error: expect.stringMatching(/X-Grafana-Alerting-Timestamp is \d+ s away/) } });
      expect(await postRaw(bot.baseUrl, 'grafana', body)).toMatchObject({ status: 401, json: { error: expect.stringMatching(/^missing X-Grafana-Alerting-Signature header/) } });
      const wrong = grafanaHeaders('not-the-secret-0123456789', body, { timestampHeader: TIMESTAMP_HEADER });
      expect(await postRaw(bot.baseUrl, 'grafana', body, wrong)).toMatchObject({ status: 401, json: { error: expect.stringMatching(/does not match/) } });
      const malformed = JSON.stringify({ ...JSON.parse(body), version: '2', alerts: 'none' });
      const bad = await postRaw(bot.baseUrl, 'grafana', malformed, grafanaHeaders(GRAFANA_SECRET, malformed, { timestampHeader: TIMESTAMP_HEADER }));
      expect(bad).toEqual({ status: 400, json: { error: 'version: unsupported Grafana webhook version (expected "1"); alerts: Invalid input: expected array, received string' } });
      expect(await countAlerts('grafana')).toBe(0);
    });

    it('stores the documented example once, however often Grafana repeats it', async () => {
      const first = await postRaw(bot.baseUrl, 'grafana', body, grafanaHeaders(GRAFANA_SECRET, body, { timestampHeader: TIMESTAMP_HEADER }));
      expect(first).toMatchObject({ status: 200, json: { stored: 2, duplicates: 0 } });
      expect(first.json.openedIncidents).toHaveLength(1);
      const again = await postRaw(bot.baseUrl, 'grafana', body, grafanaHeaders(GRAFANA_SECRET, body, { timestampHeader: TIMESTAMP_HEADER }));
      expect(again.json).toMatchObject({ stored: 0, duplicates: 2, openedIncidents: [] });
      const rows = await t.db.selectFrom('alerts').select(['fingerprint', 'link']).where('source', '=', 'grafana').orderBy('fingerprint').execute();
      expect(rows).toEqual([
        { fingerprint: 'bc97ff14869b13e3', link: 'https://play.grafana.org/alerting/d1rdpdv7k/edit' },
        { fingerprint: 'c6eadffa33fcdf37', link: 'https://play.grafana.org/alerting/1afz29v7z/edit' },
      ]);
    });
  });

  describe('/webhooks/generic', () => {
    const body = JSON.stringify(fixture('generic/webhook-example.json').body);

    it('refuses bad signatures and malformed bodies with a reason, storing nothing', async () => {
      const wrong = genericHeaders('not-the-secret-0123456789', body);
      expect(await postRaw(bot.baseUrl, 'generic', body, wrong)).toMatchObject({ status: 401, json: { error: expect.stringMatching(/X-Infra-Agent-Signature does not match/) } });
      const old = genericHeaders(GENERIC_SECRET, body, Math.floor(Date.now() / 1000) - 3600);
      expect(await postRaw(bot.baseUrl, 'generic', body, old)).toMatchObject({ status: 401, json: { error: expect.stringMatching(/replayed request or clock skew/) } });
      const malformed = JSON.stringify({ alerts: [{ name: 'X', status: 'on fire', startsAt: '2026-11-21T10:00:00Z' }] });
      const bad = await postRaw(bot.baseUrl, 'generic', malformed, genericHeaders(GENERIC_SECRET, malformed));
      expect(bad).toMatchObject({ status: 400, json: { error: expect.stringMatching(/^alerts\.0\.status: /) } });
      expect(await countAlerts('generic')).toBe(0);
    });

    it('stores a signed alert once and resolves it', async () => {
      const first = await postRaw(bot.baseUrl, 'generic', body, genericHeaders(GENERIC_SECRET, body));
      expect(first).toMatchObject({ status: 200, json: { stored: 1, duplicates: 0 } });
      expect((await postRaw(bot.baseUrl, 'generic', body, genericHeaders(GENERIC_SECRET, body))).json).toMatchObject({ stored: 0, duplicates: 1 });
      const payload = fixture('generic/webhook-example.json').body;
      payload.alerts[0] = { ...payload.alerts[0], status: 'resolved', endsAt: '2026-11-21T19:30:00Z' };
      const resolvedBody = JSON.stringify(payload);
      const resolved = await postRaw(bot.baseUrl, 'generic', resolvedBody, genericHeaders(GENERIC_SECRET, resolvedBody));
      expect(resolved.json).toMatchObject({ resolved: 1, resolvedIncidents: [expect.any(String)] });
      expect(await countAlerts('generic')).toBe(1);
    });
  });
});

describe('optional sources left unconfigured', () => {
  let server: Server;
  const db = createDb('postgres://nobody@127.0.0.1:1/none', 1);
  beforeAll(async () => {
    const handler = webhookHandler({
      db,
      sources: createSourceRegistry({ webhookToken: WEBHOOK_TOKEN }),
      jobs: { enqueueDiagnosis: async () => undefined, enqueueExecution: async () => undefined, scheduleExpiry: async () => undefined, enqueueResolution: async () => undefined, enqueueActivity: async () => undefined },
      log: createLogger('silent'),
      policy: { current: await e2ePolicy() },
    });
    server = createServer((req, res) => {
      const source = new URL(req.url ?? '/', 'http://x').pathname.split('/').pop() ?? '';
      void handler(Object.assign(req, { params: { source } }), res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    server.close();
    await db.destroy();
  });

  it('answers 404 naming the setting that enables each one', async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const [source, setting] of [['sns', 'SNS_TOPIC_ARNS'], ['grafana', 'GRAFANA_WEBHOOK_SECRET'], ['generic', 'GENERIC_WEBHOOK_SECRET']]) {
      const res = await postRaw(base, source!, '{}');
      expect(res).toEqual({ status: 404, json: { error: `alert source '${source}' is not enabled on this server (set ${setting}); enabled: alertmanager` } });
    }
    expect((await postRaw(base, 'nagios', '{}')).json).toEqual({ error: "unknown alert source 'nagios' (known: alertmanager)" });
  });
});
