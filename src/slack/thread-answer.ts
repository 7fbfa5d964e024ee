// A question in a proposal card's thread → the answer, posted in that thread. The answer is built
// from the proposal's frozen evidence plus recorded rows (execution, earlier proposals,
// approvals); nothing is re-collected or re-evaluated.
import { paced } from './pacer.ts';
import {
  approversAnswer, helpAnswer, historyAnswer, rollbackAnswer, signalsAnswer, whyAnswer, whyNotAnswer, type AnsweredProposal, type ThreadAnswer,
} from '../../blocks/thread-answers.ts';
import type { PastProposal } from '../../blocks/thread-answers-records.ts';
import { escalationMentions } from '../approvals/escalate.ts';
import type { AppContext } from '../context.ts';
import type { ProposalState, Requirement } from '../domain/proposal.ts';
import { liveApprovals } from '../store/repos/approvals.ts';
import { claimEvent, releaseEvent } from '../store/repos/slack-events.ts';
import { executionOf, proposalByThread, targetHistory, type CardThread } from '../store/repos/thread-lookup.ts';
import type { ProposalRow } from '../store/tables.ts';
import { parseThreadIntent, type ThreadIntent } from './thread-intents.ts';

export interface ThreadQuestion {
  channel: string;
  threadTs: string;
  user: string;
  text: string;
  eventId: string | null;
  botUserId?: string | undefined;
  retryNum: number | null;
}

export type ThreadOutcome = 'answered' | 'not-a-question' | 'not-a-card' | 'already-answered';

const HISTORY_LIMIT = 5;

/** Exported for `/infra-agent explain`, which answers from the same row. */
export function answered(row: ProposalRow): AnsweredProposal {
  return {
    id: row.id, action: row.action, target: row.target, environment: row.environment, params: row.params,
    requirement: row.requirement as Requirement, state: row.state as ProposalState,
    decidedBy: row.decided_by, decidedAt: row.decided_at, outcome: row.outcome,
    requestedBy: row.requested_by, escalatedBy: row.escalated_by, escalatedAt: row.escalated_at,
  };
}

async function buildAnswer(ctx: AppContext, { proposal, evidence }: CardThread, intent: Exclude<ThreadIntent, { kind: 'chatter' }>): Promise<ThreadAnswer> {
  const p = answered(proposal);
  switch (intent.kind) {
    case 'why':
      return whyAnswer(evidence, p);
    case 'why-not':
      return whyNotAnswer(evidence, p, intent.option);
    case 'signals':
      return signalsAnswer(evidence, p);
    case 'help':
      return helpAnswer(evidence, p);
    case 'rollback': {
      const e = await executionOf(ctx.db, proposal.id);
      return rollbackAnswer(evidence, p, e ? { status: e.status, preState: e.pre_state, rollback: e.rollback, error: e.error, startedAt: e.started_at } : null);
    }
    case 'history': {
      const { rows, total } = await targetHistory(ctx.db, proposal, HISTORY_LIMIT);
      const past: PastProposal[] = rows.map((r) => ({
        id: r.id, action: r.action, environment: r.environment, params: r.params, state: r.state as ProposalState, outcome: r.outcome,
        decidedBy: r.decided_by, decidedAt: r.decided_at, createdAt: r.created_at, incidentTitle: r.incident_title,
      }));
      return historyAnswer(p, past, total);
    }
    case 'approvers': {
      // The same approvals the card counts: live ones given for this proposal's hash.
      const approvals = await liveApprovals(ctx.db, proposal.id, proposal.hash);
      // Who an escalation called in comes from the policy in force, as on the card itself.
      const mentions = proposal.escalated_at || proposal.escalated_by ? escalationMentions(ctx) : [];
      return approversAnswer(evidence, p, approvals.map((a) => ({ user: a.slack_user, via: a.via, at: a.at })), mentions);
    }
  }
}

/**
 * Answers one thread reply if it is a question in a proposal card's thread. A Slack retry of an
 * event already answered (same event_id, on any replica) is not answered again; if posting the
 * answer fails, the claim is given back so that Slack's retry can answer it.
 */
export async function answerThreadQuestion(ctx: AppContext, q: ThreadQuestion): Promise<ThreadOutcome> {
  const intent = parseThreadIntent(q.text, { botUserId: q.botUserId });
  if (intent.kind === 'chatter') return 'not-a-question';
  const thread = await proposalByThread(ctx.db, q.channel, q.threadTs);
  if (!thread) return 'not-a-card';
  const log = ctx.log.child({ proposalId: thread.proposal.id, intent: intent.kind, eventId: q.eventId, retryNum: q.retryNum });
  if (q.eventId !== null && !(await claimEvent(ctx.db, q.eventId))) {
    log.info('thread question already answered (a Slack retry)');
    return 'already-answered';
  }
  try {
    const reply = await buildAnswer(ctx, thread, intent);
    await paced(ctx.db, q.channel, () => ctx.slack.chat.postMessage({ channel: q.channel, thread_ts: q.threadTs, text: reply.text, blocks: reply.blocks, unfurl_links: false, unfurl_media: false }));
  } catch (err) {
    if (q.eventId !== null) await releaseEvent(ctx.db, q.eventId).catch((releaseErr: unknown) => log.error({ err: releaseErr }, 'could not release the event claim'));
    throw err;
  }
  log.info({ user: q.user }, 'thread question answered');
  return 'answered';
}
