import type { NormalizedAlert } from '../domain/alert.ts';
import type { Diagnosis } from '../domain/diagnosis.ts';
import type { EvidenceSnapshot } from '../domain/evidence.ts';
import type { PolicyDecision } from '../policy/decision.ts';
import type { Action } from '../policy/schema.ts';

export interface SnapshotInput {
  takenAt: Date;
  incidentId: string;
  alert: NormalizedAlert;
  env: { name: string; channel: string };
  rule: string;
  diagnosis: Diagnosis;
  /** null when the diagnosis proposed no action. */
  decision: PolicyDecision | null;
  /** Why the change could not run when proposed (pause, budget, cooldown). */
  blocked: string[];
  actionDecl: Action | undefined;
  /** The environment's or the action's `dry_run` (src/actions/dry-run.ts). */
  dryRun?: boolean;
}

/** Pure: what the bot saw and concluded, as it will be frozen, hashed and rendered from. */
export function buildSnapshot(i: SnapshotInput): EvidenceSnapshot {
  const { alert, decision, diagnosis } = i;
  const candidate = diagnosis.candidate;
  return {
    takenAt: i.takenAt.toISOString(),
    incidentId: i.incidentId,
    alert: {
      name: alert.name,
      severity: alert.severity,
      summary: alert.annotations.summary ?? alert.annotations.description ?? null,
      link: alert.link,
      fingerprint: alert.fingerprint,
      startsAt: alert.startsAt.toISOString(),
      labels: alert.labels,
    },
    environment: i.env.name,
    channel: i.env.channel,
    rule: i.rule,
    diagnosis,
    action: candidate && i.actionDecl
      ? { name: candidate.action, description: i.actionDecl.description ?? null, blastRadius: i.actionDecl.blast_radius, rollback: i.actionDecl.rollback }
      : null,
    policy: {
      requirement: decision?.ok ? decision.requirement : 'advisory',
      // Named users and user groups, as the cards mention them.
      approvers: decision?.ok ? [...decision.approvers.users, ...decision.approvers.usergroups] : [],
      trace: decision?.trace ?? ['the diagnosis proposes no whitelisted action'],
      refusals: decision && !decision.ok ? decision.reasons : [],
      blocked: i.blocked,
      ...(i.dryRun ? { dryRun: true } : {}),
      freeze: decision?.ok && decision.freeze ? { ...decision.freeze, from: decision.freeze.from.toISOString(), until: decision.freeze.until.toISOString() } : null,
    },
  };
}
