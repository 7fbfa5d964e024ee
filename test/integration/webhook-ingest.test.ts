import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fixture from '../fixtures/alertmanager-0.25-webhook.json' with { type: 'json' };
import { createSourceRegistry } from '../../src/ingest/registry.ts';
import { webhookHandler } from '../../src/ingest/webhook-route.ts';
import { e2ePolicy } from '../helpers/context.ts';
import { createLogger } from '../../src/log.ts';
import { createDb } from '../../src/store/db.ts';
import { verifyAuditChain } from '../../src/store/audit.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { postWebhook, startTestBot, WEBHOOK_TOKEN, type TestBot } from '../helpers/bot.ts';

describe('POST /webhooks/alertmanager on the bot\'s HTTP server', () => {
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  const counts = async () => ({
    alerts: Number((await t.db.selectFrom('alerts').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
    incidents: Number((await t.db.selectFrom('incidents').select((e) => e.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  });

  beforeAll(async () => {
    t = await createTestDatabase();
    slack = await startFakeSlack();
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url });
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await t?.drop();
  });

  it('refuses a missing or wrong bearer token with 401 and stores nothing', async () => {
    expect((await postWebhook(bot.baseUrl, fixture.firing.body, { token: null })).status).toBe(401);
    const wrong = await postWebhook(bot.baseUrl, fixture.firing.body, { token: 'not-the-token-at-all-xx' });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toMatch(/does not match/);
    expect(await counts()).toEqual({ alerts: 0, incidents: 0 });
  });

  it('answers 400 with the zod message for malformed bodies and stores nothing', async () => {
    const notJson = await postWebhook(bot.baseUrl, null, { raw: '{"version": "4", ' });
    expect(notJson.status).toBe(400);
    expect(notJson.json.error).toMatch(/not valid JSON/);
    const bad = structuredClone(fixture.firing.body) as any;
    bad.alerts[0].labels = 'oops';
    bad.alerts.push({ ...bad.alerts[0], labels: { alertname: 'X' }, startsAt: 'yesterday' });
    const res = await postWebhook(bot.baseUrl, bad);
    expect(res.status).toBe(400);
    expect(res.json.error).toContain('alerts.0.labels');
    expect(res.json.error).toContain('alerts.1.startsAt');
    const v3 = await postWebhook(bot.baseUrl, { ...fixture.firing.body, version: '3' });
    expect(v3.json.error).toMatch(/unsupported webhook version/);
    expect(await counts()).toEqual({ alerts: 0, incidents: 0 });
  });

  it('answers 413 past 1 MiB and 404 for an unknown source', async () => {
    const huge = await postWebhook(bot.baseUrl, null, { raw: 'x'.repeat(1024 * 1024 + 1) });
    expect(huge.status).toBe(413);
    const unknown = await postWebhook(bot.baseUrl, fixture.firing.body, { source: 'nagios' });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatch(/unknown alert source 'nagios'/);
  });

  it('is idempotent over retries and groups alerts into one incident per group key', async () => {
    const first = await postWebhook(bot.baseUrl, fixture.firing.body);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ stored: 1, duplicates: 0 });
    expect(first.json.openedIncidents).toHaveLength(1);
    // Alertmanager retries on non-2xx and repeats the group: same alert, same incident.
    const retry = await postWebhook(bot.baseUrl, fixture.firing.body);
    expect(retry.json).toMatchObject({ stored: 0, duplicates: 1, openedIncidents: [] });
    const second = await postWebhook(bot.baseUrl, fixture.firing_second.body);
    expect(second.json).toMatchObject({ stored: 1, duplicates: 1, openedIncidents: [] });
    expect(await counts()).toEqual({ alerts: 2, incidents: 1 });
    const seen = await t.db.selectFrom('alerts').select(['fingerprint', 'times_seen']).orderBy('fingerprint').execute();
    expect(seen).toEqual([
      { fingerprint: '99fd56ffcbcef135', times_seen: 1 },
      { fingerprint: 'dc4efbcf8524e23f', times_seen: 3 },
    ]);
  });

  it('marks alerts resolved and resolves the incident when none fires', async () => {
    const res = await postWebhook(bot.baseUrl, fixture.resolved.body);
    expect(res.json).toMatchObject({ resolved: 2 });
    expect(res.json.resolvedIncidents).toHaveLength(1);
    const statuses = await t.db.selectFrom('alerts').select('status').execute();
    expect(statuses.every((s) => s.status === 'resolved')).toBe(true);
    const incident = await t.db.selectFrom('incidents').selectAll().executeTakeFirstOrThrow();
    expect(incident.status).toBe('resolved');
    // A late repeat of the resolution changes nothing.
    expect((await postWebhook(bot.baseUrl, fixture.resolved.body)).json).toMatchObject({ resolved: 0, stored: 0 });
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });

  it('a late firing repeat after the resolution opens no empty incident that would swallow later alerts', async () => {
    const before = await counts();
    const late = await postWebhook(bot.baseUrl, fixture.firing.body);
    expect(late.status).toBe(200);
    expect(late.json).toMatchObject({ stored: 0, openedIncidents: [] });
    expect(await counts()).toEqual(before);
    expect(await t.db.selectFrom('incidents').select('id').where('status', '=', 'open').execute()).toEqual([]);
  });
});

describe('webhook with the database down', () => {
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
    server = createServer((req, res) => void handler(Object.assign(req, { params: { source: 'alertmanager' } }), res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    server.close();
    await db.destroy();
  });

  it('answers 503 so the sender retries', async () => {
    const port = (server.address() as AddressInfo).port;
    const res = await postWebhook(`http://127.0.0.1:${port}`, fixture.firing.body);
    expect(res.status).toBe(503);
    expect(res.json.error).toMatch(/database unavailable/);
  });
});
