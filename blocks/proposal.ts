// The proposal card: what was observed, what the bot concluded, what it wants to run, and what a
// human must do about it. Pure: the same input always gives the same blocks, so a card can be
// re-rendered on every state change. Buttons are presentation only; clicks are re-authorised on
// the server (DESIGN.md §1.9).
import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import type { Diagnosis } from '../src/domain/diagnosis.ts';
import type { FeedbackTally } from '../src/domain/feedback.ts';
import type { ProposalState, Requirement } from '../src/domain/proposal.ts';
import { safeLine, safeLink, safeText, slackDate, truncate, userMention } from './escape.ts';
import { feedbackBlocks } from './feedback.ts';
import { context, fieldsSection, header, listSections, plain, section } from './kit.ts';
import {
  alternativeLine, confidencePct, deadlineLine, decisionLine, dmRequestLine, escalationLine, isEscalated, otherHypothesisLines, paramsText,
  progressLine, reasoningLine, recommendationLine, requirementLine, riskFactorLines, riskLabel, signalLine, stateWords, type EscalationInput,
} from './proposal-sections.ts';

export type { EscalationInput } from './proposal-sections.ts';

export interface ProposalCardInput {
  proposalId: string;
  environment: string;
  action: string;
  actionDescription?: string;
  target: string;
  params: Record<string, unknown>;
  requirement: Requirement;
  approvers: string[]; // Slack user and user group ids
  /** A freeze that was open when the proposal was made: only admins may approve. */
  freeze?: { name: string; until: string; reason: string | null } | null;
  /** Why the change could not run when proposed (a pause, the budget, a cooldown). */
  blocked?: string[];
  blastRadius: string;
  rollback: string;
  alert: { name: string; severity: string | null; summary: string | null; link: string | null };
  diagnosis: Diagnosis;
  state: ProposalState;
  decidedBy: string | null;
  decidedAt: Date | null;
  /** Human text such as 'web-asg desired capacity 4 → 8', or an error / refusal reason. */
  outcome: string | null;
  /**
   * 'channel' (default): the card everyone sees. 'dm': the approval card sent to one approver,
   * the only place a two-person proposal can be approved from.
   */
  audience?: 'channel' | 'dm';
  /** Live approvals that count now (user = Slack user id; via = where it was given). */
  approvals?: { user: string; via: string }[];
  escalation?: EscalationInput;
  /** End of the approval window (pending). */
  approvalExpiresAt?: Date | string | null;
  /** End of the execution window (approved). */
  executeBy?: Date | string | null;
  /** Dry run (environment or action `dry_run`): approvals as usual, but nothing is written. */
  dryRun?: boolean;
  /** Undoing the change (src/rollback/): whether its execution recorded a rollback, and the rollback proposal once there is one. */
  rollbackOffer?: RollbackOffer;
  /** Answers so far on "How did the bot do?"; set (channel card) once the incident resolved and the outcome is known. */
  feedback?: FeedbackTally | null;
}

export interface RollbackOffer {
  /** The execution succeeded and recorded how to undo itself. */
  available: boolean;
  /** The proposal that undoes this one (at most one per execution). */
  requested: { proposalId: string; requestedBy: string | null; state: string } | null;
  /** Set on a rollback's own card: the proposal it undoes. */
  of: string | null;
}

export const APPROVE_ACTION_ID = 'proposal.approve';
export const REJECT_ACTION_ID = 'proposal.reject';
export const ESCALATE_ACTION_ID = 'proposal.escalate';
export const PROPOSAL_ACTIONS_BLOCK_ID = 'proposal.actions';
export const ROLLBACK_BUTTON_ACTION_ID = 'proposal.rollback';
export const DRY_RUN_BANNER = ':test_tube: *DRY RUN* — approving runs everything except the change itself: the bot reads the target, checks the preconditions and says what it *would* do. Nothing is changed.';

// Block budget (50 per message): 3 + 3 + 2 list sections plus at most 16 fixed blocks (the DRY RUN banner is one, feedback three).
const OTHER_HYPOTHESES_SHOWN = 2;
const SIGNAL_BLOCKS = 3;
const REASONING_BLOCKS = 3;
const ALTERNATIVE_BLOCKS = 2;

export function proposalCard(input: ProposalCardInput): { text: string; blocks: KnownBlock[] } {
  const d = input.diagnosis;
  const dm = input.audience === 'dm';
  const blocks: KnownBlock[] = [
    header('proposal.header', `${input.dryRun ? 'DRY RUN · ' : ''}${riskLabel(d.risk)} · ${safeLine(input.alert.name, 120)}`),
    // First after the header, on the channel card and every DM alike: nobody approves a rehearsal thinking it is real.
    ...(input.dryRun ? [section('proposal.dry-run', DRY_RUN_BANNER)] : []),
    ...(dm ? [section('proposal.request', dmRequestLine(input.requirement, input.state))] : []),
    fieldsSection('proposal.facts', factFields(input)),
    ...riskContext(d),
    section('proposal.alert', alertText(input)),
    ...listSections('proposal.signals', 'Observed signals', d.signals.map(signalLine), {
      maxBlocks: SIGNAL_BLOCKS,
      empty: '_no signals collected_',
      more: (n) => `… ${n} more signals (ask “why?” in the thread)`,
    }),
    ...listSections('proposal.reasoning', 'Reasoning', d.reasoning.map(reasoningLine), {
      maxBlocks: REASONING_BLOCKS,
      empty: '_no reasoning recorded_',
      more: (n) => `… ${n} more steps (ask “why?” in the thread)`,
    }),
    ...listSections('proposal.alternatives', 'Alternatives considered', d.alternatives.map(alternativeLine), {
      maxBlocks: ALTERNATIVE_BLOCKS,
      empty: '_none_',
      more: (n) => `… ${n} more alternatives (ask “why not <option>?” in the thread)`,
    }),
    section('proposal.plan', planText(input)),
    // A proposal that ended up advisory says so, whatever tier policy first derived.
    section('proposal.requirement', requirementText(input)),
  ];
  const escalation = input.escalation ? escalationLine(input.escalation, input.state) : null;
  if (escalation) blocks.push(section('proposal.escalation', escalation));
  const conditions = conditionsText(input);
  if (conditions) blocks.push(section('proposal.conditions', conditions));
  const actions = actionsBlock(input);
  if (actions) blocks.push(actions);
  else if (input.state !== 'pending') blocks.push(...decisionContext(input));
  blocks.push(...rollbackBlocks(input));
  blocks.push(...feedbackBlocks(input.proposalId, input.feedback, input.audience));
  blocks.push(context('proposal.footer', [`Proposal \`${safeLine(input.proposalId, 100)}\` · rule \`${safeLine(d.rule, 100)}\``]));
  return { text: fallbackText(input), blocks };
}

// Who must approve, how far along that is, and the clock that runs out otherwise.
function requirementText(input: ProposalCardInput): string {
  const requirement = input.state === 'advisory' ? 'advisory' : input.requirement;
  const lines = [
    requirementLine(requirement, input.approvers),
    progressLine(requirement, input.approvals ?? [], input.state),
    deadlineLine(input.state, input.approvalExpiresAt ?? null, input.executeBy ?? null),
  ];
  return lines.filter((l): l is string => l !== null).join('\n');
}

// Freeze and blocks as they stood when the proposal was made; every click re-checks them now.
// A section of their own: with the approver list they could outgrow one section's 3000 chars.
function conditionsText(input: ProposalCardInput): string | null {
  if (input.state !== 'pending') return null;
  const lines: string[] = [];
  const f = input.freeze;
  if (f) {
    const why = f.reason ? ` (${safeText(f.reason, 200)})` : '';
    lines.push(`:snowflake: When proposed, freeze *${safeLine(f.name, 64)}*${why} was on until ${slackDate(f.until)}: only an admin's approval lets this run.`);
  }
  const blocked = input.blocked ?? [];
  if (blocked.length > 0) {
    lines.push(`:double_vertical_bar: Could not run when proposed: ${safeText(blocked.join('; '), 1200)}. Approvals are refused until that clears.`);
  }
  return lines.length > 0 ? lines.join('\n') : null;
}

function factFields(input: ProposalCardInput): string[] {
  const description = input.actionDescription ? `\n${safeText(input.actionDescription, 300)}` : '';
  return [
    `*Environment*\n${safeLine(input.environment, 100)}`,
    `*Target*\n${safeLine(input.target, 300)}`,
    `*Action*\n\`${safeLine(input.action, 100)}\` ${paramsText(input.params, 600)}${description}`,
    `*Blast radius*\n${safeLine(input.blastRadius, 100)}`,
    `*Confidence*\n${confidencePct(input.diagnosis.confidence)}`,
    `*Severity*\n${input.alert.severity ? safeLine(input.alert.severity, 50) : 'unknown'}`,
  ];
}

// Why the risk level is what it is, in one line under the facts ("why?" in the thread lists each factor).
function riskContext(d: Diagnosis): KnownBlock[] {
  const factors = riskFactorLines(d);
  return factors.length > 0 ? [context('proposal.risk', [truncate(`*Risk:* ${factors.join(' · ')}`, 2000)])] : [];
}

function alertText(input: ProposalCardInput): string {
  const { name, summary, link } = input.alert;
  const source = safeLink(link, 'source');
  const lines = [
    `*Alert:* ${safeLine(name, 200)}${source ? ` · ${source}` : ''}`,
    ...(summary ? [safeText(summary, 1000)] : []),
    `*Hypothesis:* ${safeText(input.diagnosis.hypothesis, 1000)}`,
  ];
  const others = otherHypothesisLines(input.diagnosis, OTHER_HYPOTHESES_SHOWN);
  if (others.length > 0) lines.push(`*Also considered:*\n${others.join('\n')}`);
  return lines.join('\n');
}

function planText(input: ProposalCardInput): string {
  const recommendation = recommendationLine(input.diagnosis);
  if (recommendation) return recommendation;
  const effect = input.diagnosis.candidate?.expectedEffect;
  return [
    `*Expected effect:* ${effect ? safeText(effect, 1200) : '_not stated_'}`,
    `*Rollback plan:* ${safeText(input.rollback, 1200)}`,
  ].join('\n');
}

/**
 * Buttons only where a click could be valid; the server re-checks every click anyway.
 * Channel: Approve only for one approver (two-person proposals are approved from each approver's
 * DM card), Reject, and Escalate while policy names someone to escalate to and nobody has yet.
 * DM: Approve without a confirm dialog (it opens a modal asking for the target's name) and Reject.
 */
function actionsBlock(input: ProposalCardInput): ActionsBlock | null {
  if (input.state !== 'pending') return null;
  if (input.requirement !== 'one' && input.requirement !== 'two') return null;
  const reject = button(REJECT_ACTION_ID, 'Reject', input.proposalId, 'danger');
  const elements: Button[] = input.audience === 'dm'
    ? [button(APPROVE_ACTION_ID, 'Approve', input.proposalId, 'primary'), reject]
    : [
      ...(input.requirement === 'one' ? [{ ...button(APPROVE_ACTION_ID, 'Approve', input.proposalId, 'primary'), confirm: approveConfirm(input) }] : []),
      reject,
      ...(canEscalate(input) ? [{ ...button(ESCALATE_ACTION_ID, 'Escalate', input.proposalId), confirm: escalateConfirm }] : []),
    ];
  return { type: 'actions', block_id: PROPOSAL_ACTIONS_BLOCK_ID, elements };
}

function button(actionId: string, label: string, value: string, style?: 'primary' | 'danger'): Button {
  return { type: 'button', action_id: actionId, text: plain(label), ...(style ? { style } : {}), value };
}

const canEscalate = (input: ProposalCardInput): boolean =>
  input.escalation !== undefined && input.escalation.configured && !isEscalated(input.escalation);

function approveConfirm(input: ProposalCardInput): NonNullable<Button['confirm']> {
  return {
    title: plain('Approve this change?'),
    text: plain(truncate(`Run ${oneLine(input.action)} on ${oneLine(input.target)} in ${oneLine(input.environment)}.`, 300)),
    confirm: plain('Approve'),
    deny: plain('Cancel'),
  };
}

// Escalating notifies people outside the channel: one extra click keeps that deliberate.
const escalateConfirm: NonNullable<Button['confirm']> = {
  title: plain('Escalate this proposal?'),
  text: plain('The escalation contacts from the policy are notified and may then approve or reject it too.'),
  confirm: plain('Escalate'),
  deny: plain('Cancel'),
};

// plain_text in the confirm dialog renders nothing as a mention or link; escaping keeps `&`, `<`
// and `>` displayed literally, as in every other text Slack shows.
const oneLine = (text: string): string => safeLine(text, 80);

function decisionContext(input: ProposalCardInput): KnownBlock[] {
  // An advisory card already says so in its requirement line; only its reason (if any) is added.
  const lines = input.state === 'advisory' ? [] : [decisionLine(input.state, input.decidedBy, input.decidedAt)];
  if (input.outcome) lines.push(`*Outcome:* ${safeText(input.outcome, 2000)}`);
  return lines.length > 0 ? [context('proposal.decision', lines)] : [];
}

/** Notification / screen-reader fallback: short, escaped (Slack parses `text` as mrkdwn too). */
function fallbackText(input: ProposalCardInput): string {
  const risk = String(input.diagnosis.risk).toUpperCase();
  const summary = `${risk} risk proposal: ${input.action} on ${input.target} (${input.environment}) for ${input.alert.name}`;
  const text = `${input.dryRun ? 'DRY RUN: ' : ''}${safeLine(summary, 400)} — ${stateWords[input.state]}`;
  // A DM's notification is what the approver sees first: it says why it was sent to them.
  const asked = input.audience === 'dm' && input.state === 'pending' && (input.requirement === 'one' || input.requirement === 'two');
  return asked ? `Your approval is requested: ${text}` : text;
}

/**
 * Rollback: on a rollback's own card, what it undoes; on the channel card of a change that ran and
 * recorded its undo, a Rollback button until someone has asked for it, then who did and how it
 * went. Two blocks at most.
 */
function rollbackBlocks(input: ProposalCardInput): KnownBlock[] {
  const r = input.rollbackOffer;
  if (!r) return [];
  const notes: string[] = [];
  if (r.of) notes.push(`↩️ This proposal undoes proposal \`${safeLine(r.of, 60)}\`: it restores the state recorded before that change.`);
  if (r.requested) {
    const by = r.requested.requestedBy ? ` requested by ${userMention(r.requested.requestedBy)}` : '';
    const state = Object.hasOwn(stateWords, r.requested.state) ? stateWords[r.requested.state as ProposalState] : safeLine(r.requested.state, 30);
    notes.push(`↩️ Rollback${by}: proposal \`${safeLine(r.requested.proposalId, 60)}\` (${state}).`);
  }
  const blocks: KnownBlock[] = notes.length > 0 ? [context('proposal.rollback-note', notes)] : [];
  if (r.requested || !r.available || input.state !== 'succeeded' || input.audience === 'dm') return blocks;
  const rollback: Button = {
    ...button(ROLLBACK_BUTTON_ACTION_ID, 'Rollback', input.proposalId, 'danger'),
    confirm: {
      title: plain('Roll this change back?'),
      text: plain(truncate(`A new proposal restores ${oneLine(input.target)} to its state before this change; the policy decides who must approve it.`, 300)),
      confirm: plain('Roll back'),
      deny: plain('Cancel'),
    },
  };
  return [...blocks, { type: 'actions', block_id: 'proposal.rollback', elements: [rollback] }];
}
