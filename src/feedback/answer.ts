// "How did the bot do?" — one click, decided on the server: the person must be one of the policy's
// people (any approver, named or through a user group, or an admin), the proposal's incident must
// have resolved and its outcome be known (a crafted click on any other card is refused), and the
// answer must be one of the three. Every click is recorded, allowed or denied, with its audit row;
// an answer or a change of mind is audited as such too (store/repos/feedback.ts).
import { verdictWords as WORDS } from '../../blocks/feedback.ts';
import { approverOrAdmin } from '../approvals/approver-or-admin.ts';
import type { AppContext } from '../context.ts';
import { feedbackClosed, isFeedbackVerdict, type FeedbackVerdict } from '../domain/feedback.ts';
import type { Trx } from '../store/db.ts';
import { recordClick } from '../store/repos/clicks.ts';
import { upsertFeedback, type FeedbackWrite } from '../store/repos/feedback.ts';
import { getProposalForUpdate } from '../store/repos/proposals.ts';

export interface FeedbackClick {
  proposalId: string;
  userId: string;
  actionId: string;
  /** As the click named it (the part after `feedback.`): not trusted until checked. */
  verdict: string;
  retryNum: number | null;
  seenMs: number | null;
}

export type FeedbackOutcome =
  | { allowed: true; proposalId: string; verdict: FeedbackVerdict; write: FeedbackWrite }
  | { allowed: false; reason: string };

export async function answerFeedback(ctx: AppContext, click: FeedbackClick): Promise<FeedbackOutcome> {
  // Read before any row lock: user group members come from Slack, which may be slow.
  const person = await approverOrAdmin(ctx, click.userId, 'say how the bot did');
  return ctx.db.transaction().execute(async (trx) => {
    const proposal = await getProposalForUpdate(trx, click.proposalId);
    const record = (allowed: boolean, reason: string) =>
      recordClick(trx, { proposalId: proposal?.id ?? null, userId: click.userId, actionId: click.actionId, allowed, reason, retryNum: click.retryNum, seenMs: click.seenMs });
    const deny = async (reason: string): Promise<FeedbackOutcome> => {
      await record(false, reason);
      return { allowed: false, reason };
    };
    if (!proposal) return deny(`unknown proposal '${click.proposalId.slice(0, 64)}'`);
    if (!isFeedbackVerdict(click.verdict)) return deny(`unknown answer '${click.verdict.slice(0, 40)}' (the answers are: right call, wrong call, should have escalated)`);
    if (!person.ok) return deny(person.reason);
    const closed = feedbackClosed(await incidentStatus(trx, proposal.incident_id), proposal.state);
    if (closed) return deny(closed);
    const verdict = click.verdict;
    const write = await upsertFeedback(trx, { proposalId: proposal.id, userId: click.userId, verdict, via: person.via, seenMs: click.seenMs, now: ctx.now() });
    await record(true, clickReason(write, verdict));
    return { allowed: true, proposalId: proposal.id, verdict, write };
  });
}

async function incidentStatus(trx: Trx, incidentId: string): Promise<string | null> {
  return (await trx.selectFrom('incidents').select('status').where('id', '=', incidentId).executeTakeFirst())?.status ?? null;
}

function clickReason(write: FeedbackWrite, verdict: FeedbackVerdict): string {
  if (write.kind === 'changed') return `feedback changed from ${WORDS[write.previous]} to ${WORDS[verdict]}`;
  if (write.kind === 'unchanged') return `feedback unchanged: already ${WORDS[verdict]}`;
  return `feedback: ${WORDS[verdict]}`;
}

/** What the person is told, only them: what stands now and that they may change it. */
export function recordedText(verdict: FeedbackVerdict): string {
  return `Recorded: ${WORDS[verdict]}. Change it any time by clicking another answer.`;
}
