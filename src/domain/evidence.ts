import type { Diagnosis } from './diagnosis.ts';
import type { Requirement } from './proposal.ts';

/**
 * What the bot saw and concluded, frozen when the proposal is made. Cards, thread answers
 * and reviews render from this snapshot, never from a recomputation.
 */
export interface EvidenceSnapshot {
  takenAt: string;
  incidentId: string;
  alert: {
    name: string;
    severity: string | null;
    summary: string | null;
    link: string | null;
    fingerprint: string;
    startsAt: string;
    labels: Record<string, string>;
  };
  environment: string;
  channel: string;
  rule: string;
  diagnosis: Diagnosis;
  action: { name: string; description: string | null; blastRadius: string; rollback: string } | null;
  policy: {
    requirement: Requirement;
    /** Slack user and user group ids who may approve. */
    approvers: string[];
    /** The decision trace, each step citing the policy line that produced it. */
    trace: string[];
    refusals: string[];
    /** Why the change could not run when proposed (pause, budget, cooldown); re-checked on every click. */
    blocked?: string[];
    /** Dry run when proposed (environment or action `dry_run`): no write; re-checked at execution. */
    dryRun?: boolean;
    /** A freeze open when the proposal was made: only admins may approve. */
    freeze?: { name: string; from: string; until: string; reason: string | null } | null;
  };
}
