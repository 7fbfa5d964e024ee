// Later alerts of an incident → one summary in its card's thread, against real Postgres and the
// fake Slack: set-based ingest (recordAlerts) marks what is news, the activity job counts it,
// chains it (one `incident.alerts` audit row covering the new raw alerts by digest) and posts it
// once under the card. Concurrent batches racing the job lose nothing and count nothing twice.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedAlert } from '../../src/domain/alert.ts';
import type { AppContext } from '../../src/context.ts';
import { CARD_WAIT_SECONDS, postIncidentActivity, reportIncidentActivity } from '../../src/incidents/activity.ts';
import { recordIncidentActivity } from '../../src/incidents/record-activity.ts';
import { ACTIVITY_DELAY_SECONDS, QUEUES, startJobs, type ActivityJobs } from '../../src/jobs/queue.ts';
import { createLogger } from '../../src/log.ts';
import { verifyAuditChain } from '../../src/store/audit.ts';
import { recordAlerts, type RecordResult } from '../../src/store/repos/alerts.ts';
import { E2E_POLICY } from '../helpers/bot.ts';
import { buildTestContext } from '../helpers/context.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack.ts';
import { seedProposal } from '../helpers/seed-proposal.ts';

const CHANNEL = 'C0PROD0001';
const STARTS = new Date('2026-11-21T10:00:00.000Z');

describe('incident thread updates', () => {
  let t: TestDatabase;
  let slack: FakeSlack;
  let ctx: AppContext;
  // The job's view of the queue, recorded: whether a diagnosis is under way is the test's to say.
  const jobs: ActivityJobs & { enqueued: { incidentId: string; afterSeconds: number | undefined }[]; pending: boolean } = {
    enqueued: [],
    pending: false,
    async enqueueActivity(_trx, incidentId, afterSeconds) {
      jobs.enqueued.push({ incidentId, afterSeconds });
    },
    async diagnosisPending() {
      return jobs.pending;
    },
  };

  const alert = (groupKey: string, fingerprint: string, over: Partial<NormalizedAlert> = {}): NormalizedAlert => ({
    source: 'test', fingerprint, status: 'firing', name: 'HighCPU', severity: 'critical', labels: { alertname: 'HighCPU', instance: fingerprint },
    annotations: {}, startsAt: STARTS, endsAt: null, link: null, groupKey, ...over,
  });
  const ingest = (alerts: NormalizedAlert[]): Promise<RecordResult> => t.db.transaction().execute((trx) => recordAlerts(trx, alerts));
  const summaries = (incidentId: string) => t.db.selectFrom('incident_activity').selectAll().where('incident_id', '=', incidentId).orderBy('id').execute();
  const threadReplies = (ts: string) => slack.callsTo('chat.postMessage').filter((c) => c.body['thread_ts'] === ts && c.ok);

  /** A seeded incident whose proposal card is (or is not yet) in the channel. */
  async function incidentWithCard(cardTs: string | null): Promise<{ incidentId: string; groupKey: string; proposalId: string }> {
    const proposalId = await seedProposal(t.db, { target: `web-${Math.random().toString(36).slice(2, 8)}`, params: { desiredCapacity: 7 }, state: 'pending' });
    if (cardTs) await t.db.updateTable('proposals').set({ slack_channel: CHANNEL, slack_ts: cardTs }).where('id', '=', proposalId).execute();
    const p = await t.db.selectFrom('proposals').innerJoin('incidents', 'incidents.id', 'proposals.incident_id').select(['incidents.id', 'incidents.group_key']).where('proposals.id', '=', proposalId).executeTakeFirstOrThrow();
    return { incidentId: p.id, groupKey: p.group_key, proposalId };
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    // Rate-limited like Slack, with room for jitter under load (the pacer keeps a full second).
    slack = await startFakeSlack({ channelIntervalMs: 700 });
    ({ ctx } = await buildTestContext({ db: t.db, policyPath: E2E_POLICY, slackApiUrl: slack.url }));
  });
  afterAll(async () => {
    await slack?.close();
    await t?.drop();
  });

  it('the alert that opens an incident is its card, not news; later alerts, repeats and resolutions are', async () => {
    const first = await ingest([alert('g-open', 'a1')]);
    expect(first).toMatchObject({ stored: 1, duplicates: 0, updatedIncidents: [] });
    const [incidentId] = first.openedIncidents;
    expect(await recordIncidentActivity(t.db, incidentId!)).toBe(false);
    const opened = await t.db.selectFrom('audit_log').select('payload').where('kind', '=', 'incident.opened').executeTakeFirstOrThrow();
    const a1 = await t.db.selectFrom('alerts').select(['id', 'reported_seen']).where('fingerprint', '=', 'a1').executeTakeFirstOrThrow();
    expect(opened.payload).toMatchObject({ groupKey: 'g-open', alert: { id: a1.id, fingerprint: 'a1' } });
    expect(a1.reported_seen).toBe(1);

    // One batch: a repeat of the opener, a new alert seen twice, one that fires and resolves.
    const later = await ingest([alert('g-open', 'a1'), alert('g-open', 'a2'), alert('g-open', 'a2'), alert('g-open', 'a3'), alert('g-open', 'a3', { status: 'resolved', endsAt: STARTS })]);
    expect(later).toMatchObject({ stored: 2, duplicates: 3, resolved: 1, openedIncidents: [], resolvedIncidents: [], updatedIncidents: [incidentId] });
    expect(await t.db.selectFrom('alerts').select(['fingerprint', 'times_seen', 'status']).where('incident_id', '=', incidentId!).orderBy('fingerprint').execute()).toEqual([
      { fingerprint: 'a1', times_seen: 2, status: 'firing' },
      { fingerprint: 'a2', times_seen: 2, status: 'firing' },
      { fingerprint: 'a3', times_seen: 2, status: 'resolved' },
    ]);
    expect(await recordIncidentActivity(t.db, incidentId!)).toBe(true);
    // a2 and a3 are new; a1, a2 and a3 were each seen once more; a3 resolved.
    expect(await summaries(incidentId!)).toMatchObject([{ new_alerts: 2, repeats: 3, resolved: 1, firing_now: 2, total_now: 3, incident_status: 'open', posted_at: null }]);
    expect(await recordIncidentActivity(t.db, incidentId!)).toBe(false);
  });

  it('waits for the card while the diagnosis runs, gives up when none will come, and posts once when it is there', async () => {
    const { incidentId, groupKey, proposalId } = await incidentWithCard(null);
    await ingest([alert(groupKey, 'w1'), alert(groupKey, 'w2')]);
    await recordIncidentActivity(t.db, incidentId);

    jobs.pending = true;
    expect(await postIncidentActivity(ctx, jobs, incidentId)).toBe('waiting');
    expect(jobs.enqueued.at(-1)).toEqual({ incidentId, afterSeconds: CARD_WAIT_SECONDS });
    jobs.pending = false;
    expect(await postIncidentActivity(ctx, jobs, incidentId)).toBe('no-card');
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);

    // More alerts meanwhile: a second summary waits beside the first.
    await ingest([alert(groupKey, 'w3')]);
    await recordIncidentActivity(t.db, incidentId);
    await t.db.updateTable('proposals').set({ slack_channel: CHANNEL, slack_ts: '1700000001.000100' }).where('id', '=', proposalId).execute();
    expect(await postIncidentActivity(ctx, jobs, incidentId)).toBe('posted');
    const [reply, ...more] = threadReplies('1700000001.000100');
    expect(more).toEqual([]);
    expect(reply?.body['channel']).toBe(CHANNEL);
    // Both waiting summaries in one reply: 3 new alerts, w1 and w2 named before w3.
    expect(String(reply?.body['text'])).toBe('Incident update: 3 new alerts, 0 repeats, 0 resolved; 3 of 3 firing');
    expect(JSON.stringify(reply?.body['blocks'])).toMatch(/instance=w1.*instance=w2.*instance=w3/);
    expect((await summaries(incidentId)).every((s) => s.posted_at !== null && s.slack_ts !== null)).toBe(true);
    expect(await postIncidentActivity(ctx, jobs, incidentId)).toBe('nothing');
  });

  it('a failed post loses nothing: the summary stays waiting and the next run posts it once', async () => {
    const { incidentId, groupKey } = await incidentWithCard('1700000002.000100');
    await ingest([alert(groupKey, 'f1')]);
    slack.failNext('chat.postMessage', 'internal_error');
    await expect(reportIncidentActivity(ctx, jobs, incidentId)).rejects.toThrow(/internal_error/);
    expect(await summaries(incidentId)).toMatchObject([{ new_alerts: 1, posted_at: null }]);
    await ingest([alert(groupKey, 'f1'), alert(groupKey, 'f2', { status: 'resolved', endsAt: STARTS })]);
    await reportIncidentActivity(ctx, jobs, incidentId);
    const replies = threadReplies('1700000002.000100');
    // f2 arrived already resolved: new, and resolved.
    expect(replies.map((r) => r.body['text'])).toEqual(['Incident update: 2 new alerts, 1 repeats, 1 resolved; 1 of 2 firing']);
  });

  it('tells the thread when the incident resolves', async () => {
    const { incidentId, groupKey } = await incidentWithCard('1700000003.000100');
    await ingest([alert(groupKey, 'r1'), alert(groupKey, 'r2')]);
    await reportIncidentActivity(ctx, jobs, incidentId);
    const resolved = await ingest([alert(groupKey, 'r1', { status: 'resolved', endsAt: STARTS }), alert(groupKey, 'r2', { status: 'resolved', endsAt: STARTS })]);
    expect(resolved).toMatchObject({ resolved: 2, resolvedIncidents: [incidentId], updatedIncidents: [incidentId] });
    await reportIncidentActivity(ctx, jobs, incidentId);
    const last = threadReplies('1700000003.000100').at(-1);
    // Each resolution is also one more delivery of its alert (times_seen counts deliveries).
    expect(String(last?.body['text'])).toBe('Incident update: 0 new alerts, 2 repeats, 2 resolved; resolved');
    expect(JSON.stringify(last?.body['blocks'])).toContain('*Incident resolved:* none of its 2 alerts fires any more.');
  });

  it('batches racing the job: every alert is counted exactly once and covered by the chain', async () => {
    const { incidentId, groupKey } = await incidentWithCard(null);
    let stop = false;
    // The job runs over and over while 12 batches of 50 (with repeats) land, overlapping.
    const runner = (async () => {
      while (!stop) await recordIncidentActivity(t.db, incidentId);
    })();
    await Promise.all(
      Array.from({ length: 12 }, async (_, b) => {
        await new Promise((r) => setTimeout(r, b * 25));
        return ingest(Array.from({ length: 50 }, (_, i) => alert(groupKey, `race-${(b * 50 + i) % 500}`)));
      }),
    );
    stop = true;
    await runner;
    await recordIncidentActivity(t.db, incidentId);
    const rows = await summaries(incidentId);
    const alerts = await t.db.selectFrom('alerts').select(['times_seen', 'reported_seen', 'chained_seq']).where('incident_id', '=', incidentId).execute();
    expect(alerts).toHaveLength(500);
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.reduce((s, r) => s + r.new_alerts, 0)).toBe(500);
    // 600 sightings of 500 alerts: 100 repeats, each counted once.
    expect(rows.reduce((s, r) => s + r.repeats, 0)).toBe(100);
    expect(rows.at(-1)).toMatchObject({ total_now: 500, firing_now: 500 });
    expect(alerts.every((a) => a.reported_seen === a.times_seen && a.chained_seq !== null)).toBe(true);
    const chained = await t.db.selectFrom('audit_log').select(['seq', 'payload']).where('kind', '=', 'incident.alerts').where('subject', '=', `incident:${incidentId}`).execute();
    expect(chained.reduce((s, r) => s + (r.payload as { alerts: { count: number } }).alerts.count, 0)).toBe(500);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
  });

  it('the queue keeps one waiting activity job per incident, and knows whether a diagnosis may still post a card', async () => {
    const queue = await startJobs(t.url, createLogger('silent'));
    try {
      const { incidentId } = await incidentWithCard(null);
      const before = Date.now();
      // A storm's batches each enqueue in their own transaction; all but the first find it waiting.
      for (let i = 0; i < 5; i++) await t.db.transaction().execute((trx) => queue.enqueueActivity(trx, incidentId));
      const waiting = await queue.boss.findJobs(QUEUES.activity, { key: incidentId });
      expect(waiting).toHaveLength(1);
      expect(waiting[0]?.state).toBe('created');
      expect(waiting[0]!.startAfter.getTime()).toBeGreaterThanOrEqual(before + ACTIVITY_DELAY_SECONDS * 1000 - 1000);

      expect(await queue.diagnosisPending(incidentId)).toBe(false);
      await t.db.transaction().execute((trx) => queue.enqueueDiagnosis(trx, incidentId));
      expect(await queue.diagnosisPending(incidentId)).toBe(true);
      const [diagnosis] = await queue.boss.findJobs(QUEUES.diagnose, { key: incidentId });
      await queue.boss.complete(QUEUES.diagnose, diagnosis!.id, undefined, { includeQueued: true });
      expect(await queue.diagnosisPending(incidentId)).toBe(false);
    } finally {
      await queue.stop();
    }
  });

  it('the chain exposes a covered raw alert that was altered or removed', async () => {
    const target = await t.db.selectFrom('alerts').select(['id', 'chained_seq']).where('fingerprint', '=', 'race-7').executeTakeFirstOrThrow();
    await sql`UPDATE alerts SET labels = '{"instance":"somewhere-else"}'::jsonb WHERE id = ${target.id}::bigint`.execute(t.db);
    const altered = await verifyAuditChain(t.db);
    expect(altered).toMatchObject({ ok: false, seq: target.chained_seq });
    expect(altered.ok === false && altered.problem).toMatch(/alerts this row covers no longer match/);
    await sql`DELETE FROM alerts WHERE id = ${target.id}::bigint`.execute(t.db);
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: false, seq: target.chained_seq });
  });
});
