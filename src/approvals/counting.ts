import type { Requirement } from '../domain/proposal.ts';
import type { EligibleApprovers } from '../policy/decision.ts';
import type { UsergroupDirectory } from '../slack/usergroups.ts';
import type { DbOrTrx } from '../store/db.ts';
import { liveApprovals } from '../store/repos/approvals.ts';
import type { ProposalRow } from '../store/tables.ts';
import { checkEligibility } from './eligibility.ts';

export function approvalsNeeded(requirement: Requirement): number {
  return requirement === 'two' ? 2 : requirement === 'one' ? 1 : 0;
}

/**
 * Approvals that still count: live, given for this exact hash, never by the requester, and by
 * people who are still eligible now (user groups read now). Checked at the final approval and
 * again at the last moment before executing.
 */
export async function countingApprovals(
  directory: UsergroupDirectory,
  db: DbOrTrx,
  proposal: Pick<ProposalRow, 'id' | 'hash' | 'requested_by'>,
  approvers: EligibleApprovers,
): Promise<string[]> {
  const counting: string[] = [];
  for (const a of await liveApprovals(db, proposal.id, proposal.hash)) {
    if (a.slack_user === proposal.requested_by) continue;
    if ((await checkEligibility(directory, a.slack_user, approvers)).ok) counting.push(a.slack_user);
  }
  return counting;
}
