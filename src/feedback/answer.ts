// "How did the bot do?" — one click, decided on the server: the person must be one of the people
// the call concerned (an approver of its action, named or through a user group; an escalation
// approver, who would have been called in; or an admin), the proposal's incident must
// have resolved and its outcome be known (a crafted click on any other card is refused), and the
// answer must be one of the three. Every click is recorded, allowed or denied, with its audit row;
// an answer or a change of mind is audited as such too (store/repos/feedback.ts).
import { verdictWords as WORDS } from '../../blocks/feedback.ts';
import { checkEligibility, escalationApprovers, joinApprovers, type Eligibility } from '../approvals/eligibility.ts';
import type { AppContext } from '../context.ts';
import { allApprovers } from '../control/kill-switch.ts';
import type { EligibleApprovers } from '../policy/decision.ts';
import { eligibleApprovers } from '../policy/evaluator.ts';
import type { Policy } from '../policy/schema.ts';
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

/**
 * Who may judge a call on `action`: its approvers, the escalation approvers (a "should have
 * escalated" is theirs to say too) and the admins — not every approver of every action, so a
 * dev-only approver does not shape production's decision-quality figures. A call that names no
 * whitelisted action (an advisory card with nothing to run, or an action since removed) concerns
 * no group in particular: every approver of the policy may judge it.
 */
export function feedbackCircle(policy: Policy, action: string): EligibleApprovers {
  const own = Object.hasOwn(policy.actions, action) ? joinApprovers(eligibleApprovers(policy, action), { users: policy.admins, usergroups: [] }) : allApprovers(policy);
  return joinApprovers(own, escalationApprovers(policy));
}

const UUID = /^[0-9a-f-]{36}$/i;

async function personFor(ctx: AppContext, click: FeedbackClick): Promise<{ ok: true; via: string } | { ok: false; reason: string }> {
  // A proposal's action never changes, so it may be read before (and outside) the locking transaction.
  const row = UUID.test(click.proposalId) ? await ctx.db.selectFrom('proposals').select('action').where('id', '=', click.proposalId).executeTakeFirst() : undefined;
  if (!row) return { ok: false, reason: 'unknown proposal' }; // the transaction says so with the id
  const eligibility: Eligibility = await checkEligibility(ctx.usergroups, click.userId, feedbackCircle(ctx.policy.current, row.action));
  if (eligibility.ok) return { ok: true, via: ctx.policy.current.admins.includes(click.userId) ? 'admin' : eligibility.via };
  const who = Object.hasOwn(ctx.policy.current.actions, row.action) ? `the approvers of ${row.action}, the escalation approvers or an admin` : 'an approver or an admin of the policy';
  return { ok: false, reason: `only ${who} may say how the bot did on it (${eligibility.reason})` };
}

export async function answerFeedback(ctx: AppContext, click: FeedbackClick): Promise<FeedbackOutcome> {
  // Read before any row lock: user group members come from Slack, which may be slow.
  const person = await personFor(ctx, click);
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
