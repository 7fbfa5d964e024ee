import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestFigures } from '../../src/digest/figures.ts';
import { readDigestRows } from '../../src/digest/read-rows.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { seedProposal } from '../helpers/seed-proposal.ts';

// A seeded week in a real database: the adapter's rows must give the figures worked out by hand.
let tdb: TestDatabase;
beforeAll(async () => { tdb = await createTestDatabase(); });
afterAll(async () => { await tdb.drop(); });

const from = new Date('2026-03-02T00:00:00Z');
const to = new Date('2026-03-09T00:00:00Z');
const t = (s: string) => new Date(`2026-03-${s}Z`);

describe('readDigestRows + digestFigures', () => {
  it('computes the week from Postgres', async () => {
    const db = tdb.db;
    const set = async (id: string, v: Record<string, unknown>) => db.updateTable('proposals').set(v).where('id', '=', id).execute();
    const incidentOf = async (id: string) => (await db.selectFrom('proposals').select('incident_id').where('id', '=', id).executeTakeFirstOrThrow()).incident_id;

    // a: approved by U1 60 s after the card, executed; its incident: alert 09:58, resolved 10:20
    const a = await seedProposal(db, { target: 'asg-a', params: {}, decidedBy: 'U1' });
    await set(a, { state: 'succeeded', created_at: t('02T10:00:00'), posted_at: t('02T10:00:00'), decided_at: t('02T10:01:00') });
    await db.insertInto('executions').values({ proposal_id: a, action: 'scale-asg', target: 'asg-a', params: '{}', status: 'succeeded', started_at: t('02T10:01:01') }).execute();
    const ia = await incidentOf(a);
    await db.updateTable('incidents').set({ opened_at: t('02T09:58:00'), status: 'resolved', resolved_at: t('02T10:20:00') }).where('id', '=', ia).execute();
    await db.insertInto('alerts').values({ source: 'test', fingerprint: 'fa', starts_at: t('02T09:58:00'), status: 'resolved', name: 'HighCPU', severity: null, labels: '{}', annotations: '{}', link: null, incident_id: ia }).execute();
    await db.insertInto('alerts').values({ source: 'test', fingerprint: 'fa2', starts_at: t('02T09:59:00'), status: 'resolved', name: 'HighCPU', severity: null, labels: '{}', annotations: '{}', link: null, incident_id: ia }).execute();

    // b: rejected by U2 after 180 s in staging; incident: alert 08:55, card 09:00, never resolved
    const b = await seedProposal(db, { target: 'asg-b', environment: 'staging', params: {}, state: 'pending' });
    await set(b, { state: 'rejected', decided_by: 'U2', created_at: t('03T09:00:00'), posted_at: t('03T09:00:00'), decided_at: t('03T09:03:00') });
    const ib = await incidentOf(b);
    await db.updateTable('incidents').set({ opened_at: t('03T08:55:00') }).where('id', '=', ib).execute();
    await db.insertInto('alerts').values({ source: 'test', fingerprint: 'fb', starts_at: t('03T08:55:00'), status: 'firing', name: 'DiskFull', severity: null, labels: '{}', annotations: '{}', link: null, incident_id: ib }).execute();

    // outside the window: ignored everywhere
    const old = await seedProposal(db, { target: 'asg-old', params: {}, state: 'pending' });
    await set(old, { created_at: t('01T12:00:00') });
    await db.updateTable('incidents').set({ opened_at: t('01T12:00:00') }).where('id', '=', await incidentOf(old)).execute();

    // Feedback: a was escalated (a click on Escalate) and U1 called it wrong → a false-positive
    // escalation; b was not escalated and U2 says it should have been → a missed escalation.
    await set(a, { escalated_at: t('02T10:00:30'), escalated_by: 'U9' });
    await db.insertInto('feedback').values([
      { proposal_id: a, slack_user: 'U1', verdict: 'wrong' },
      { proposal_id: b, slack_user: 'U2', verdict: 'should_escalate' },
      { proposal_id: b, slack_user: 'U3', verdict: 'right' },
      { proposal_id: old, slack_user: 'U1', verdict: 'wrong' }, // its proposal is outside the window
    ]).execute();

    await db.insertInto('demotions').values({ action: 'scale-asg', environment: 'prod', level: 1, reasons: '[]', created_by: 'breaker', created_at: t('04T00:00:00'), updated_at: t('04T00:00:00') }).execute();

    const rows = await readDigestRows(db, from, to);
    expect(rows.proposals.map((p) => p.target).sort()).toEqual(['asg-a', 'asg-b']);
    expect(rows.proposals.every((p) => p.risk === 'medium')).toBe(true); // from the seeded evidence
    expect(rows.proposals.map((p) => [p.target, p.escalatedAt])).toEqual([['asg-a', t('02T10:00:30')], ['asg-b', null]]);
    expect(rows.feedback.map((f) => [f.proposalId, f.slackUser, f.verdict]).sort()).toEqual([[a, 'U1', 'wrong'], [b, 'U2', 'should_escalate'], [b, 'U3', 'right']].sort());
    const f = digestFigures(rows, { from, to });
    expect(f.proposals.byOutcome).toMatchObject({ succeeded: 1, rejected: 1 });
    expect(f.proposals.byEnvironment).toEqual({ prod: 1, staging: 1 });
    // approved 1 of 2 decided by a person
    expect(f.approval).toEqual({ decidedByPerson: 2, approved: 1, rejected: 1, rate: 0.5 });
    // 60 s, 180 s → median rank 1 = 60 s, p90 rank 2 = 180 s
    expect(f.timeToDecide).toEqual({ count: 2, medianMs: 60_000, p90Ms: 180_000 });
    // bot: 09:58 → card 10:00 = 120 s; → resolved 10:20 = 1 320 s
    expect(f.response.bot).toEqual({ incidents: 1, mttdMs: 120_000, mttdCount: 1, mttrMs: 1_320_000, mttrCount: 1 });
    // human: 08:55 → 09:00 = 300 s; unresolved
    expect(f.response.human).toEqual({ incidents: 1, mttdMs: 300_000, mttdCount: 1, mttrMs: null, mttrCount: 0 });
    expect(f.noisiestAlerts).toEqual([{ name: 'HighCPU', count: 2 }, { name: 'DiskFull', count: 1 }]);
    expect(f.demotions.total).toBe(1);
    // one answer of each kind over 2 proposals; a: escalated + wrong; b: not escalated + should have escalated
    expect(f.decisionQuality).toEqual({ answers: { right: 1, wrong: 1, shouldEscalate: 1 }, proposalsWithFeedback: 2, falsePositiveEscalations: 1, missedEscalations: 1 });
    expect(f.toReview.map((r) => [r.target, r.reasons])).toEqual([['asg-a', ['false-positive escalation']], ['asg-b', ['rejected', 'missed escalation']]]);
  });
});
