// `/infra-agent explain <id>`: the thread's "why?" answer (blocks/thread-answers.ts whyAnswer,
// from the frozen evidence) plus what the policy decided then: requirement, approvers, trace,
// refusals, and where the proposal stands now. Pure.
import type { KnownBlock } from '@slack/types';
import type { EvidenceSnapshot } from '../src/domain/evidence.ts';
import { safeLine, safeLink, safeText, userMention } from './escape.ts';
import { listSections, section } from './kit.ts';
import { LIMITS } from './limits.ts';
import { whyAnswer, type AnsweredProposal } from './thread-answers.ts';

// Room left by whyAnswer (at most 43 blocks) under Slack's 50.
const TRACE_BLOCKS = 4;

export function explainBlocks(ev: EvidenceSnapshot, p: AnsweredProposal, permalink: string | null): { text: string; blocks: KnownBlock[] } {
  const why = whyAnswer(ev, p);
  const approvers = ev.policy.approvers.map(userMention).join(', ') || 'nobody';
  const decided = p.decidedBy ? ` by ${userMention(p.decidedBy.replace(/^slack:/, ''))}` : '';
  const outcome = p.outcome ? ` — ${safeText(p.outcome, 300)}` : '';
  const status = [
    `*Proposal* \`${safeLine(p.id, 40)}\`: *${safeLine(p.state, 30)}*${decided}${outcome}`,
    `*Requirement when proposed:* ${safeLine(ev.policy.requirement, 20)} · approvers: ${approvers}`,
    ...(ev.policy.refusals.length > 0 ? [`*Refused because:* ${ev.policy.refusals.map((r) => safeText(r, 300)).join('; ')}`] : []),
    ...(safeLink(permalink, 'card thread') ? [`*Thread:* ${safeLink(permalink, 'card thread')}`] : []),
  ].join('\n');
  const trace = listSections('command.explain.trace', 'Policy decision trace', ev.policy.trace.map((t) => `• ${safeText(t, 600)}`), {
    maxBlocks: TRACE_BLOCKS,
    empty: '_no trace was recorded_',
    more: (n) => `… ${n} more steps`,
  });
  // The provenance line (last) stays last: it says all of this is the frozen snapshot.
  const body = why.blocks.slice(0, -1);
  const tail = why.blocks.slice(-1);
  const room = LIMITS.messageBlocks - 1 - trace.length - tail.length;
  const blocks = [section('command.explain.status', status), ...body.slice(0, room), ...trace, ...tail];
  return { text: why.text, blocks };
}
