// The Slack write pacer (src/slack/pacer.ts) against real Postgres, with two connection pools
// standing in for two replicas, and the fake Slack refusing writes faster than its per-channel
// limit the way Slack does (HTTP 429 ratelimited).
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paced, reserve, reserveSlot } from '../../src/slack/pacer.ts';
import { createDb, type Db } from '../../src/store/db.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';

// What the fake tolerates: a write may land up to 300 ms sooner than a full second after the
// previous one (network, timer and load jitter between the reserved slot and the request's
// arrival); unpaced writes arrive milliseconds apart.
const FAKE_INTERVAL_MS = 700;

describe('Slack write pacing', () => {
  let t: TestDatabase;
  let replica: Db;
  let slack: FakeSlack;
  let client: WebClient;

  beforeAll(async () => {
    t = await createTestDatabase();
    replica = createDb(t.url);
    slack = await startFakeSlack({ channelIntervalMs: FAKE_INTERVAL_MS });
    // As the bot's client would be if it trusted the pacer: no retry hides a 429 from this test.
    client = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  });
  afterAll(async () => {
    await replica?.destroy();
    await slack?.close();
    await t?.drop();
  });

  it('gives concurrent writers from two replicas slots one interval apart, per channel', async () => {
    // The slots as the database reserved them: exact, whatever the load on this machine (the
    // waits derived from them are measured against a clock that moves while the test runs).
    const slots = await Promise.all([
      ...Array.from({ length: 5 }, () => reserve(t.db, 'C0SLOTS01')),
      ...Array.from({ length: 5 }, () => reserve(replica, 'C0SLOTS01')),
    ]);
    const other = await reserveSlot(replica, 'C0SLOTS02');
    const at = slots.map((s) => s.slotAtMs).sort((a, b) => a - b);
    for (let i = 1; i < at.length; i++) {
      // Never closer than a full interval, whoever reserved it.
      expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(1000);
    }
    // The first writer goes at once; the others wait for their slots.
    expect(slots.filter((s) => s.waitMs === 0).length).toBeLessThanOrEqual(1);
    // Another channel has its own pace.
    expect(other).toBeLessThan(200);
  });

  it('an unpaced burst draws 429 from the fake; the same burst paced from two replicas draws none', async () => {
    const burst = await Promise.allSettled([1, 2, 3].map((i) => client.chat.postMessage({ channel: 'C0BURST01', text: `unpaced ${i}` })));
    expect(burst.filter((r) => r.status === 'rejected')).toHaveLength(2);
    expect(slack.rateLimited).toHaveLength(2);
    expect(slack.rateLimited[0]?.status).toBe(429);

    const before = slack.rateLimited.length;
    const posts = [t.db, replica, t.db, replica].map((db, i) => paced(db, 'C0PACED01', () => client.chat.postMessage({ channel: 'C0PACED01', text: `paced ${i}` })));
    const dm = paced(replica, 'U0DM00001', () => client.chat.postMessage({ channel: 'U0DM00001', text: 'a DM is paced on its own' }));
    const results = await Promise.all([...posts, dm]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(slack.rateLimited.length).toBe(before);
    const times = slack.writesTo('C0PACED01').map((c) => c.at);
    expect(times).toHaveLength(4);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(FAKE_INTERVAL_MS);
    expect(slack.maxWritesPerWindow('C0PACED01', FAKE_INTERVAL_MS)).toBe(1);
  });
});
