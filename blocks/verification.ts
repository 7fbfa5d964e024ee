// The verification verdict in the proposal's thread: what was re-read, before → after against the
// policy's threshold, the query a human can re-run, and the second human gate (Confirm fixed /
// Not fixed — roll back) until someone has decided. Pure, like every builder here: re-rendered on
// each change. Buttons are presentation only; every click is re-authorised on the server.
import type { ActionsBlock, Button, KnownBlock } from '@slack/types';
import type { Verdict } from '../src/verification/verdict.ts';
import { safeCode, safeLine, slackDate, truncate, userMention } from './escape.ts';
import { context, header, plain, section } from './kit.ts';
import { LIMITS } from './limits.ts';

export const CONFIRM_FIXED_ACTION_ID = 'verification.confirm';
export const NOT_FIXED_ACTION_ID = 'verification.not-fixed';
export const VERIFICATION_ACTIONS_BLOCK_ID = 'verification.actions';

export interface VerificationMessageInput {
  verificationId: string;
  proposalId: string;
  action: string;
  target: string;
  environment: string;
  signal: string;
  /** Human name of the signal, e.g. 'CPU average'; null for an unknown signal. */
  label: string | null;
  unit: string;
  query: string;
  window: string;
  before: number | null;
  after: number | null;
  comparison: 'below' | 'above';
  threshold: number;
  verdict: Verdict;
  /** Why the signal was unavailable (collector error, unknown signal). */
  detail: string | null;
  checkedAt: Date | string;
  decision: { kind: 'confirmed' | 'not-fixed'; by: string; at: Date | string } | null;
  /** The execution recorded how to undo itself. */
  rollbackAvailable: boolean;
  /** The rollback proposal of this change, once there is one. */
  rollback: { proposalId: string; requestedBy: string | null; state: string } | null;
}

const HEADLINE: Record<Verdict, string> = {
  passed: '✅ Verification passed',
  failed: '❌ Verification failed',
  unavailable: '❔ Verification unavailable',
};

function num(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return 'n/a';
  const n = String(Math.round(value * 100) / 100);
  return unit === '%' ? `${n}%` : `${n} ${safeLine(unit, 20)}`;
}

export function verificationMessage(input: VerificationMessageInput): { text: string; blocks: KnownBlock[] } {
  const subject = `\`${safeLine(input.action, 80)}\` on \`${safeLine(input.target, 200)}\` (${safeLine(input.environment, 60)})`;
  const blocks: KnownBlock[] = [
    header('verification.header', `${HEADLINE[input.verdict]} · ${safeLine(input.target, 100)}`),
    section('verification.result', resultText(input, subject)),
    // Backticks in a query would close the code span early; a prime keeps it readable.
    context('verification.query', [`Query: ${safeCode(input.query, 400)} · window ${safeLine(input.window, 20)} · read ${slackDate(input.checkedAt)}`]),
  ];
  const rollback = rollbackLine(input);
  if (rollback) blocks.push(context('verification.rollback', [rollback]));
  if (input.decision) blocks.push(context('verification.decision', [decisionLine(input.decision)]));
  else blocks.push(actionsBlock(input));
  blocks.push(context('verification.footer', [`Verification \`${safeLine(input.verificationId, 60)}\` · proposal \`${safeLine(input.proposalId, 60)}\``]));
  return { text: fallbackText(input), blocks };
}

function resultText(input: VerificationMessageInput, subject: string): string {
  const label = input.label ?? input.signal;
  const line = `*${safeLine(label, 80)}* (\`${safeLine(input.signal, 60)}\`): before ${num(input.before, input.unit)} → after ${num(input.after, input.unit)}; must be ${input.comparison} ${num(input.threshold, input.unit)}`;
  const lines = [`Checked after ${subject}:`, line];
  if (input.before === null) lines.push('_The diagnosis did not record this signal, so there is no before value._');
  if (input.verdict === 'passed') lines.push('The signal is where the policy wants it. Confirm the fix, or say it is not fixed.');
  if (input.verdict === 'failed') lines.push('The change did not bring the signal where the policy wants it.');
  if (input.verdict === 'unavailable') {
    lines.push(`The bot could not read the signal${input.detail ? `: ${safeLine(input.detail, 600)}` : ''}. It does not know whether the change worked: a person must look and decide.`);
  }
  return truncate(lines.join('\n'), LIMITS.text);
}

function rollbackLine(input: VerificationMessageInput): string | null {
  if (input.rollback) {
    const by = input.rollback.requestedBy ? ` requested by ${userMention(input.rollback.requestedBy)}` : '';
    return `↩️ Rollback${by}: proposal \`${safeLine(input.rollback.proposalId, 60)}\` (${safeLine(input.rollback.state, 30)}).`;
  }
  return input.rollbackAvailable ? null : 'No rollback was recorded for this change: undoing it is a human task.';
}

function decisionLine(d: NonNullable<VerificationMessageInput['decision']>): string {
  const what = d.kind === 'confirmed' ? '*Confirmed fixed*' : '*Not fixed*';
  return `${what} by ${userMention(d.by)} at ${slackDate(d.at)}`;
}

function actionsBlock(input: VerificationMessageInput): ActionsBlock {
  const canRollBack = input.rollbackAvailable && input.rollback === null;
  const notFixed: Button = {
    type: 'button',
    action_id: NOT_FIXED_ACTION_ID,
    text: plain(canRollBack ? 'Not fixed — roll back' : 'Not fixed'),
    style: 'danger',
    value: input.verificationId,
    ...(canRollBack
      ? {
          confirm: {
            title: plain('Roll this change back?'),
            text: plain(truncate(`A rollback of ${oneLine(input.action)} on ${oneLine(input.target)} is proposed; the policy decides who must approve it.`, 300)),
            confirm: plain('Roll back'),
            deny: plain('Cancel'),
          },
        }
      : {}),
  };
  const confirm: Button = { type: 'button', action_id: CONFIRM_FIXED_ACTION_ID, text: plain('Confirm fixed'), style: 'primary', value: input.verificationId };
  return { type: 'actions', block_id: VERIFICATION_ACTIONS_BLOCK_ID, elements: [confirm, notFixed] };
}

const oneLine = (text: string): string => safeLine(text, 80);

/** Notification fallback: short and escaped (Slack parses `text` as mrkdwn too). */
function fallbackText(input: VerificationMessageInput): string {
  const values = `${num(input.before, input.unit)} → ${num(input.after, input.unit)} (must be ${input.comparison} ${num(input.threshold, input.unit)})`;
  return safeLine(`${HEADLINE[input.verdict]}: ${input.signal} on ${input.target} ${values}`, 400);
}
