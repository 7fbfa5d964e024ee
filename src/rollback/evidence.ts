// Pure: the frozen evidence of a rollback proposal. A rollback is not diagnosed: it restores the
// pre-state an execution recorded, so its evidence says what ran, what it recorded and who (or
// which failed verification) asked for the undo — the card and thread answers render from this.
import type { EvidenceSnapshot } from '../domain/evidence.ts';
import type { PolicyDecision } from '../policy/decision.ts';
import type { RollbackPlan } from './repo.ts';

export interface RollbackEvidenceInput {
  takenAt: Date;
  incidentId: string;
  original: { id: string; action: string; target: string; params: Record<string, unknown>; outcome: string | null };
  originalEvidence: EvidenceSnapshot;
  plan: RollbackPlan;
  observed: Record<string, number> | undefined;
  /** Why: 'requested by U…' or the failed verification, in words. */
  why: string;
  channel: string;
  decision: PolicyDecision;
  blocked: string[];
  actionDescription: string | null;
}

export function rollbackEvidence(i: RollbackEvidenceInput): EvidenceSnapshot {
  const o = i.original;
  const ev = i.originalEvidence;
  const ran = o.outcome ? `${o.outcome}` : `${o.action} on ${o.target}`;
  return {
    takenAt: i.takenAt.toISOString(),
    incidentId: i.incidentId,
    alert: { ...ev.alert, name: `Rollback: ${ev.alert.name}`, summary: `Undo proposal ${o.id} (${ran}): ${i.why}` },
    environment: ev.environment,
    channel: i.channel,
    rule: 'rollback',
    diagnosis: {
      rule: 'rollback',
      hypothesis: `The change of proposal ${o.id} is to be undone: ${i.why}.`,
      confidence: 1,
      hypotheses: [{ statement: `The change of proposal ${o.id} is to be undone`, confidence: 1 }],
      risk: ev.diagnosis.risk,
      riskFactors: ['restores the state recorded just before the original change'],
      signals: ev.diagnosis.signals,
      reasoning: [
        `Proposal ${o.id} ran: ${ran}.`,
        `Its executor recorded the undo: ${i.plan.action} on ${i.plan.target} with ${JSON.stringify(i.plan.params)}.`,
        `Why now: ${i.why}.`,
        'The rollback goes through the same whitelist, bounds and last-moment checks as any change.',
      ],
      alternatives: [{ option: 'do-nothing', summary: 'keep the change', whyNot: i.why }],
      candidate: {
        action: i.plan.action,
        target: i.plan.target,
        params: i.plan.params,
        expectedEffect: `${i.plan.target} is back to its state before proposal ${o.id}`,
        ...(i.observed ? { observed: i.observed } : {}),
      },
    },
    action: {
      name: i.plan.action,
      description: i.actionDescription,
      blastRadius: ev.action?.blastRadius ?? 'n/a',
      rollback: `re-apply the original change (proposal ${o.id}) as a new proposal`,
    },
    policy: {
      requirement: i.decision.ok ? i.decision.requirement : 'advisory',
      approvers: i.decision.ok ? [...i.decision.approvers.users, ...i.decision.approvers.usergroups] : [],
      trace: i.decision.trace,
      refusals: i.decision.ok ? [] : i.decision.reasons,
      blocked: i.blocked,
      freeze: i.decision.ok && i.decision.freeze ? { ...i.decision.freeze, from: i.decision.freeze.from.toISOString(), until: i.decision.freeze.until.toISOString() } : null,
    },
  };
}

/**
 * What the rollback expects to find, so the executor refuses when someone changed the target
 * since: for a capacity change, the desired capacity the original execution left behind.
 */
export function expectedAfter(plan: RollbackPlan, postState: unknown): Record<string, number> | undefined {
  const desired = (postState as { desired?: unknown } | null)?.desired;
  return 'desiredCapacity' in plan.params && typeof desired === 'number' ? { desiredCapacity: desired } : undefined;
}
