// Inserts an incident, its frozen evidence and a proposal directly, for tests of what happens
// *after* a decision (execution, budgets, the kill switch) without replaying the whole flow.
import { canonicalJson } from '../../src/domain/canonical.ts';
import type { Db } from '../../src/store/db.ts';

export interface SeedProposal {
  action?: string;
  target: string;
  environment?: string;
  params: Record<string, unknown>;
  /** What the diagnosis saw, e.g. { desiredCapacity: 4 }. */
  observed?: Record<string, number>;
  state?: 'pending' | 'approved';
  requirement?: 'auto' | 'one' | 'two';
  decidedBy?: string | null;
  approvers?: string[];
}

export async function seedProposal(db: Db, s: SeedProposal): Promise<string> {
  const action = s.action ?? 'scale-asg';
  const environment = s.environment ?? 'prod';
  const incident = await db
    .insertInto('incidents')
    .values({ group_key: `seed-${s.target}-${Math.random()}`, source: 'test', title: `seeded for ${s.target}`, status: 'open' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const snapshot = {
    takenAt: new Date().toISOString(),
    incidentId: incident.id,
    alert: { name: 'HighCPU', severity: 'critical', summary: null, link: null, fingerprint: 'f', startsAt: new Date().toISOString(), labels: { env: environment } },
    environment,
    channel: 'C0PROD0001',
    rule: 'seeded',
    diagnosis: {
      rule: 'cpu-saturation', hypothesis: 'seeded', confidence: 0.9, hypotheses: [{ statement: 'seeded', confidence: 0.9 }], risk: 'medium', riskFactors: [], signals: [], reasoning: [], alternatives: [],
      candidate: { action, target: s.target, params: s.params, ...(s.observed ? { observed: s.observed } : {}) },
    },
    action: { name: action, description: null, blastRadius: 'resource', rollback: 'restore-previous-capacity' },
    policy: { requirement: s.requirement ?? 'one', approvers: s.approvers ?? ['U0AAA0001'], trace: [], refusals: [] },
  };
  const evidence = await db
    .insertInto('evidence')
    .values({ incident_id: incident.id, hash: 'seed', snapshot: canonicalJson(snapshot) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const state = s.state ?? 'approved';
  const proposal = await db
    .insertInto('proposals')
    .values({
      incident_id: incident.id,
      evidence_id: evidence.id,
      action,
      target: s.target,
      environment,
      params: JSON.stringify(s.params),
      hash: `seed-${incident.id}`,
      requirement: s.requirement ?? 'one',
      approvers: JSON.stringify(s.approvers ?? ['U0AAA0001']),
      state,
      ...(state === 'approved' ? { decided_by: s.decidedBy === undefined ? 'U0AAA0001' : s.decidedBy, decided_at: new Date() } : {}),
    })
    .returning(['id', 'hash'])
    .executeTakeFirstOrThrow();
  // An approved proposal carries the approval that approved it, bound to its hash.
  const decidedBy = s.decidedBy === undefined ? 'U0AAA0001' : s.decidedBy;
  if (state === 'approved' && decidedBy && !decidedBy.startsWith('policy:')) {
    await db.insertInto('approvals').values({ proposal_id: proposal.id, slack_user: decidedBy, proposal_hash: proposal.hash, via: 'named approver' }).execute();
  }
  return proposal.id;
}
