// The second human gate: Confirm fixed / Not fixed — roll back on the verdict message. Each click
// is authorised on the server like an approval of the original action (its approvers or the
// admins, read now), recorded allowed or denied, audited, and decided once: the guarded update
// lets one click through and the later ones are told who decided. "Not fixed" proposes the
// rollback in the same transaction.
import { checkEligibility } from '../approvals/eligibility.ts';
import type { AppContext } from '../context.ts';
import { createRollbackInTrx, type RollbackCreation } from '../rollback/create.ts';
import { undoApprovers } from '../rollback/approvers.ts';
import { appendAudit } from '../store/audit.ts';
import { recordClick } from '../store/repos/clicks.ts';
import { getProposalForUpdate } from '../store/repos/proposals.ts';
import { getVerification, getVerificationForUpdate, setDecision } from './repo.ts';

export type GateDecision = 'confirmed' | 'not-fixed';

export interface GateClick {
  verificationId: string;
  userId: string;
  decision: GateDecision;
  actionId: string;
  retryNum: number | null;
  seenMs?: number | null;
}

export type GateOutcome =
  | { allowed: true; verificationId: string; proposalId: string; rollback: RollbackCreation | null }
  | { allowed: false; reason: string };

const WORD: Record<GateDecision, string> = { confirmed: 'confirmed fixed', 'not-fixed': 'judged not fixed' };

export async function decideVerification(ctx: AppContext, click: GateClick): Promise<GateOutcome> {
  return ctx.db.transaction().execute(async (trx) => {
    const peek = await getVerification(trx, click.verificationId);
    // Lock order everywhere: the proposal row first, then what hangs off it, then the audit chain.
    const proposal = peek ? await getProposalForUpdate(trx, peek.proposal_id) : undefined;
    const v = proposal ? await getVerificationForUpdate(trx, click.verificationId) : undefined;
    const record = (allowed: boolean, reason: string) =>
      recordClick(trx, { proposalId: proposal?.id ?? null, userId: click.userId, actionId: click.actionId, allowed, reason, retryNum: click.retryNum, seenMs: click.seenMs ?? null });
    const deny = async (reason: string): Promise<GateOutcome> => {
      await record(false, reason);
      return { allowed: false, reason };
    };
    if (!proposal || !v) return deny(`unknown verification '${click.verificationId.slice(0, 64)}'`);
    const eligibility = await checkEligibility(ctx.usergroups, click.userId, undoApprovers(ctx.policy.current, proposal.action));
    if (!eligibility.ok) return deny(eligibility.reason);
    const already = v.decision ? `this verification was already ${WORD[v.decision]} by ${v.decided_by ?? 'someone'} at ${v.decided_at?.toISOString() ?? 'an unknown time'}; nothing more to decide` : null;
    if (already || !(await setDecision(trx, v.id, click.decision, click.userId, ctx.now()))) return deny(already ?? 'this verification was decided a moment ago by someone else');
    await appendAudit(trx, {
      actor: `slack:${click.userId}`,
      kind: `verification.${click.decision}`,
      subject: `proposal:${proposal.id}`,
      payload: { verificationId: v.id, verdict: v.verdict, signal: v.signal, after: v.after_value, via: eligibility.via, seenMs: click.seenMs ?? null },
    });
    let rollback: RollbackCreation | null = null;
    if (click.decision === 'not-fixed') {
      rollback = await createRollbackInTrx(ctx, trx, proposal, click.userId, `${click.userId} judged the change not fixed after verification (${v.verdict})`);
    }
    const note = rollback === null ? '' : rollback.kind === 'created' ? `; rollback proposal ${rollback.proposalId} (${rollback.requirement})` : `; no new rollback: ${rollback.reason}`;
    await record(true, `${WORD[click.decision]}${note}`);
    return { allowed: true, verificationId: v.id, proposalId: proposal.id, rollback };
  });
}
