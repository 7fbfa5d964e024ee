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
  policy: { requirement: Requirement; approvers: string[]; trace: string[]; refusals: string[] };
}
