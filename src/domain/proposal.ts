export type Requirement = 'auto' | 'one' | 'two' | 'advisory';

/** Recorded as the decider when the policy approved a proposal on its own (the `auto` tier). */
export const AUTO_APPROVER = 'policy:auto';
export type BlastRadius = 'resource' | 'service' | 'environment' | 'global';

export const proposalStates = [
  'pending', // waiting for approval
  'approved', // approved, claimed for execution
  'executing',
  'succeeded',
  'failed',
  'rejected',
  'refused', // policy or bounds refused it at execution time
  'advisory', // no execution possible; a human implements
  'expired', // a clock ran out: no decision in the approval window, or no start in the execution window
  'cancelled', // the alert resolved before the change ran
  'superseded', // the target or the evidence changed; its approvals are void and a new proposal follows
] as const;
export type ProposalState = (typeof proposalStates)[number];

export interface ProposalView {
  id: string;
  incidentId: string;
  evidenceId: string;
  action: string;
  target: string;
  environment: string;
  params: Record<string, unknown>;
  hash: string;
  requirement: Requirement;
  approvers: string[];
  state: ProposalState;
  decidedBy: string | null;
  decidedAt: Date | null;
  outcome: string | null;
}
