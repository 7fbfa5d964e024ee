// Thread answers that add recorded facts to the frozen evidence: what an execution saw before it
// changed anything, earlier proposals on the same target, and the approvals given so far.
import type { KnownBlock } from '@slack/types';
import type { EvidenceSnapshot } from '../src/domain/evidence.ts';
import type { ProposalState } from '../src/domain/proposal.ts';
import { safeLine, safeText, slackDate, userMention } from './escape.ts';
import { context, listSections, section } from './kit.ts';
import { approvalsNeeded, decisionLine, escalationLine, paramsText, requirementLine, stateWords } from './proposal-sections.ts';
import { answer, code, jsonBlock, provenance, subject, type AnsweredProposal, type ThreadAnswer } from './thread-answer-kit.ts';

export interface ExecutionRecord {
  status: 'running' | 'succeeded' | 'failed' | 'refused';
  preState: unknown;
  rollback: unknown;
  error: string | null;
  startedAt: Date | string;
}

export interface PastProposal {
  id: string;
  action: string;
  environment: string;
  params: Record<string, unknown>;
  state: ProposalState;
  outcome: string | null;
  decidedBy: string | null;
  decidedAt: Date | string | null;
  createdAt: Date | string;
  incidentTitle: string;
}

export interface LiveApproval {
  user: string;
  via: string;
  at: Date | string;
}

const HISTORY_BLOCKS = 10;
const APPROVAL_BLOCKS = 10;

/** The step an executor recorded to undo its change, as words when it has the usual shape. */
function rollbackStep(rollback: unknown): string {
  const r = rollback as { action?: unknown; target?: unknown; params?: unknown } | null;
  if (r && typeof r.action === 'string' && typeof r.target === 'string' && r.params && typeof r.params === 'object') {
    return `${code(r.action, 100)} on ${code(r.target, 200)} with ${paramsText(r.params as Record<string, unknown>, 600)}`;
  }
  return jsonBlock(rollback, 1200);
}

function executionText(p: AnsweredProposal, e: ExecutionRecord | null): string {
  if (!e) return `Nothing has run for this proposal (it is ${stateWords[p.state]}), so there is nothing to roll back yet.`;
  const ran = `*Execution started* ${slackDate(e.startedAt)}: ${e.status}.`;
  const pre = e.preState === null || e.preState === undefined ? '_no pre-state was recorded_' : jsonBlock(e.preState, 1500);
  switch (e.status) {
    case 'running':
      return `${ran} The pre-state is recorded when it finishes.`;
    case 'refused':
      return `${ran} Refused before any change (${safeText(e.error ?? 'no reason recorded', 600)}): nothing to roll back.\n*Target as read then:* ${pre}`;
    case 'failed':
      return `${ran} ${safeText(e.error ?? 'no reason recorded', 600)}\nNo rollback step was recorded because the change did not complete; check the target's current state.\n*Recorded pre-state:* ${pre}`;
    case 'succeeded':
      return `${ran}\n*Recorded pre-state:* ${pre}\n*Rolling back means:* ${e.rollback === null || e.rollback === undefined ? '_no step was recorded_' : rollbackStep(e.rollback)}`;
  }
}

/** "rollback?": the plan declared with the action, and what the execution recorded if it ran. */
export function rollbackAnswer(ev: EvidenceSnapshot, p: AnsweredProposal, execution: ExecutionRecord | null): ThreadAnswer {
  const plan = ev.action
    ? `*Rollback plan* (declared with ${code(ev.action.name, 100)} in the policy, blast radius ${safeLine(ev.action.blastRadius, 40)}): ${safeText(ev.action.rollback, 1000)}`
    : '*No whitelisted action was proposed*: the bot runs nothing here, so whoever makes a change by hand owns its rollback.';
  const blocks: KnownBlock[] = [
    section('thread.rollback', `*Rolling back ${subject(p)}*\n${plan}`),
    section('thread.execution', executionText(p, execution)),
    provenance(ev.takenAt, ev.diagnosis.rule, 'The pre-state is what the executor read just before it changed anything.'),
  ];
  return answer(`Rollback plan for ${p.action} on ${p.target}: ${ev.action?.rollback ?? 'none (advisory)'}`, blocks);
}

function historyLine(h: PastProposal): string {
  const outcome = h.outcome ? ` — ${safeText(h.outcome, 300)}` : '';
  return `• ${slackDate(h.createdAt)} · ${code(h.action, 60)} ${paramsText(h.params, 200)} (${safeLine(h.environment, 40)}) · *${stateWords[h.state] ?? safeLine(h.state, 30)}* — ${decisionLine(h.state, h.decidedBy, h.decidedAt)}${outcome} · _${safeLine(h.incidentTitle, 120)}_`;
}

/** "history?": earlier proposals on the same target from other incidents, newest first. */
export function historyAnswer(p: AnsweredProposal, past: PastProposal[], total: number): ThreadAnswer {
  const lines = past.map(historyLine);
  // Only the newest few are read; the rest are counted, and named in the same tail.
  const older = Math.max(0, total - past.length);
  if (older > 0) lines.push(`… ${older} more, older`);
  const blocks = listSections('thread.history', `Earlier proposals on ${code(p.target, 200)} (other incidents, newest first)`, lines, {
    maxBlocks: HISTORY_BLOCKS,
    empty: '_none: no earlier proposal on this target_',
    more: (n) => `… ${older > 0 ? n - 1 + older : n} more, older`,
  });
  return answer(`${total} earlier proposal(s) on ${p.target}`, blocks);
}

/** "who can approve?": the requirement and approvers as recorded, escalation, approvals so far. */
export function approversAnswer(ev: EvidenceSnapshot, p: AnsweredProposal, approvals: LiveApproval[], escalationMentions: string[]): ThreadAnswer {
  const requirement = p.state === 'advisory' ? 'advisory' : p.requirement;
  const lines = [`*Who can approve ${subject(p)}*`, requirementLine(requirement, ev.policy.approvers)];
  const pending = p.state === 'pending';
  const f = ev.policy.freeze;
  if (f) lines.push(`:snowflake: When proposed, freeze *${safeLine(f.name, 64)}* was on until ${slackDate(f.until)}: only an admin's approval lets this run.`);
  const escalation = escalationLine({ configured: true, escalatedBy: p.escalatedBy, escalatedAt: p.escalatedAt, mentions: escalationMentions }, p.state);
  if (escalation) lines.push(escalation);
  if (p.requestedBy && pending) lines.push(`Not ${userMention(p.requestedBy)}: whoever asked for a change never approves it.`);
  const blocked = ev.policy.blocked ?? [];
  if (blocked.length > 0 && pending) lines.push(`:double_vertical_bar: Could not run when proposed: ${safeText(blocked.join('; '), 800)}. Approvals are refused until that clears.`);
  if (!pending) lines.push(`This proposal is ${stateWords[p.state]}: no approval is being asked for now. ${decisionLine(p.state, p.decidedBy, p.decidedAt)}`);
  const people = new Set(approvals.map((a) => a.user)).size;
  const needed = approvalsNeeded(requirement);
  const heading = pending && needed > 0 ? `Approvals so far: ${people} of ${needed}` : 'Approvals given';
  if (pending && needed > 0 && people === 0) lines.push(`No approvals yet (0 of ${needed}).`);
  const approvalLines = approvals.map((a) => `• ${userMention(a.user)} — ${safeLine(a.via, 100)}, ${slackDate(a.at)}`);
  const blocks: KnownBlock[] = [
    section('thread.approvers', lines.join('\n')),
    ...(approvals.length > 0 ? listSections('thread.approvals', heading, approvalLines, { maxBlocks: APPROVAL_BLOCKS, empty: '', more: (n) => `… ${n} more` }) : []),
    context('thread.approvers-note', ['Approvers as recorded when the proposal was made; every click is re-checked on the server against the policy in force.']),
  ];
  return answer(`Approval for ${p.action} on ${p.target}: ${requirement}`, blocks);
}
