// The pipeline watchdog against Postgres and pg-boss: the real bot's heartbeat makes /readyz 200
// and leaves nothing behind but its timestamp; a broken stage or a stalled job makes /readyz 503
// with the reason, and the admins are told once per stall.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { healthRoutes } from '../../src/http/health.ts';
import { startJobs, type RunningJobs } from '../../src/jobs/queue.ts';
import { createLogger } from '../../src/log.ts';
import { startWatchdog, type Watchdog, type WatchdogSettings } from '../../src/watchdog/schedule.ts';
import { startTestBot, type TestBot } from '../helpers/bot.ts';
import { buildTestContext } from '../helpers/context.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { eventually } from '../helpers/eventually.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';

const ADMIN = 'U0CCC0003';
const POLICY = path.resolve(import.meta.dirname, '../fixtures/policies/e2e');

async function readyz(baseUrl: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`${baseUrl}/readyz`);
  return { status: res.status, body: await res.json() };
}

describe('watchdog in the real bot', () => {
  let t: TestDatabase;
  let slack: FakeSlack;
  let bot: TestBot;
  beforeAll(async () => {
    t = await createTestDatabase();
    slack = await startFakeSlack();
    bot = await startTestBot({ databaseUrl: t.url, slackApiUrl: slack.url, env: { WATCHDOG_INTERVAL_SECONDS: '1' } });
  });
  afterAll(async () => {
    await bot?.stop();
    await slack?.close();
    await t?.drop();
  });

  it('heartbeats go through, /readyz is 200, and nothing but the heartbeat row is written or posted', async () => {
    const row = await eventually(() => t.db.selectFrom('watchdog_state').selectAll().where('last_ok_at', 'is not', null).executeTakeFirst(), 10_000, 'a successful heartbeat');
    expect(row.last_error).toBeNull();
    const r = await readyz(bot.baseUrl);
    expect(r).toMatchObject({ status: 200, body: { ok: true, database: 'up', pipeline: { ok: true } } });
    // Several intervals later it keeps beating; still no alert, incident, proposal, execution or Slack post.
    const first = new Date(row.last_ok_at as Date).getTime();
    await eventually(async () => {
      const again = await t.db.selectFrom('watchdog_state').select('last_ok_at').executeTakeFirstOrThrow();
      return new Date(again.last_ok_at as Date).getTime() > first ? true : undefined;
    }, 10_000, 'a later heartbeat');
    for (const table of ['alerts', 'incidents', 'proposals', 'executions', 'evidence'] as const) {
      expect(await t.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(), table).toEqual({ n: '0' });
    }
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage')).toEqual([]);
    expect(await t.db.selectFrom('watchdog_state').select('id').execute()).toEqual([{ id: 'pipeline' }]);
  });
});

describe('watchdog stalls (pg-boss, Postgres, fake Slack)', () => {
  let t: TestDatabase;
  let slack: FakeSlack;
  let jobs: RunningJobs;
  let server: Server;
  let baseUrl: string;
  let watchdog: Watchdog | null = null;

  beforeAll(async () => {
    t = await createTestDatabase();
    slack = await startFakeSlack();
    jobs = await startJobs(t.url, createLogger('silent'));
    const routes = healthRoutes(t.db, () => (watchdog ? watchdog.readiness() : Promise.resolve(null)));
    const route = routes.find((r) => r.path === '/readyz');
    server = createServer((req, res) => void route?.handler(req as never, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await watchdog?.stop();
    await new Promise((resolve) => server?.close(resolve));
    await jobs?.stop();
    await slack?.close();
    await t?.drop();
  });

  async function start(settings: Partial<WatchdogSettings>): Promise<void> {
    await watchdog?.stop();
    await t.db.deleteFrom('watchdog_state').execute();
    slack.calls.length = 0;
    const { ctx } = await buildTestContext({ db: t.db, policyPath: POLICY, slackApiUrl: slack.url });
    watchdog = await startWatchdog(ctx, jobs.boss, { intervalSeconds: 1, staleSeconds: 2, pollingIntervalSeconds: 0.5, ...settings });
  }
  const stallDms = () => slack.calls.filter((c) => c.method === 'chat.postMessage' && c.body.channel === ADMIN && String(c.body.text).includes('pipeline watchdog'));

  it('a broken renderer makes /readyz 503 naming the stage, and the admins are told once', async () => {
    await start({ render: () => { throw new Error('renderer exploded'); } });
    const failed = await eventually(async () => {
      const r = await readyz(baseUrl);
      return r.status === 503 ? r : undefined;
    }, 10_000, '/readyz 503');
    expect(failed.body.pipeline.reason).toContain('failed: render: renderer exploded');
    await eventually(() => (stallDms().length > 0 ? true : undefined), 10_000, 'the admin DM');
    // More failing heartbeats and stall checks: still one DM for this stall.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(stallDms()).toHaveLength(1);
    expect(String(stallDms()[0]?.body.text)).toContain('renderer exploded');
  });

  it('a heartbeat job that never runs makes /readyz 503 after the stall threshold, told once', async () => {
    await start({ work: false });
    expect((await readyz(baseUrl)).status).toBe(200);
    const stalled = await eventually(async () => {
      const r = await readyz(baseUrl);
      return r.status === 503 ? r : undefined;
    }, 10_000, '/readyz 503');
    expect(stalled.body.pipeline.reason).toContain('no successful pipeline heartbeat since this process started');
    await eventually(() => (stallDms().length > 0 ? true : undefined), 10_000, 'the admin DM');
    await new Promise((r) => setTimeout(r, 2_500));
    expect(stallDms()).toHaveLength(1);
  });

  it('recovers: a working heartbeat makes /readyz 200 again', async () => {
    await start({});
    await eventually(async () => ((await readyz(baseUrl)).status === 200 ? true : undefined), 10_000, '/readyz 200');
  });
});
