// Answers to questions asked in a proposal card's thread, rendered from the evidence frozen with
// the proposal (DESIGN.md §1.7, §6 "Threads"): what the bot saw and concluded then, never a new
// look at the world. Pure: evidence and rows in, { text, blocks } out.
import type { KnownBlock } from '@slack/types';
import type { Alternative } from '../src/domain/diagnosis.ts';
import type { EvidenceSnapshot } from '../src/domain/evidence.ts';
import { matchOption } from '../src/diagnosis/match-alternative.ts';
import { safeLine, safeText } from './escape.ts';
import { listSections, section } from './kit.ts';
import { alternativeLine, confidencePct, otherHypothesisLines, reasoningLine, recommendationLine, riskFactorLines, riskLabel, signalLine } from './proposal-sections.ts';
import { answer, code, provenance, subject, type AnsweredProposal, type ThreadAnswer } from './thread-answer-kit.ts';

export { approversAnswer, historyAnswer, rollbackAnswer } from './thread-answers-records.ts';
export type { AnsweredProposal, ThreadAnswer } from './thread-answer-kit.ts';

// 50 blocks per message: the lists share what the fixed sections leave.
const WHY_SIGNAL_BLOCKS = 20;
const WHY_REASONING_BLOCKS = 20;
const ALL_SIGNAL_BLOCKS = 45;
const ALTERNATIVE_BLOCKS = 40;
const MAX_OPTIONS_NAMED = 10;
const OTHER_HYPOTHESES = 5;

const signalList = (ev: EvidenceSnapshot, maxBlocks: number): KnownBlock[] =>
  listSections('thread.signals', `Observed signals (${ev.diagnosis.signals.length})`, ev.diagnosis.signals.map(signalLine), {
    maxBlocks,
    empty: '_no signals were collected_',
    more: (n) => `… ${n} more signals`,
  });

/**
 * "why?": the hypotheses ranked, confidence, what the risk level is made of, the signals with
 * their queries and every reasoning step.
 */
export function whyAnswer(ev: EvidenceSnapshot, p: AnsweredProposal): ThreadAnswer {
  const d = ev.diagnosis;
  const effect = d.candidate?.expectedEffect;
  const recommendation = recommendationLine(d);
  const others = otherHypothesisLines(d, OTHER_HYPOTHESES);
  const head = [
    `*Why ${subject(p)}?*`,
    `*Hypothesis:* ${safeText(d.hypothesis, 1000)}`,
    ...(others.length > 0 ? [`*Other explanations, less likely:*\n${others.join('\n')}`] : []),
    `*Confidence:* ${confidencePct(d.confidence)} · ${riskLabel(d.risk)} — confidence is shown for context; it never lowers who must approve.`,
    ...(effect ? [`*Expected effect:* ${safeText(effect, 600)}`] : []),
    ...(recommendation ? [recommendation] : []),
  ];
  const factors = riskFactorLines(d);
  const blocks: KnownBlock[] = [
    section('thread.why', head.join('\n')),
    ...(factors.length > 0 ? [section('thread.risk', `*Risk, factor by factor:*\n${factors.map((f) => `• ${f}`).join('\n')}`)] : []),
    ...signalList(ev, WHY_SIGNAL_BLOCKS),
    ...listSections('thread.reasoning', 'Reasoning', d.reasoning.map(reasoningLine), {
      maxBlocks: WHY_REASONING_BLOCKS,
      empty: '_no reasoning was recorded_',
      more: (n) => `… ${n} more steps`,
    }),
    provenance(ev.takenAt, d.rule, 'Ask “why not &lt;option&gt;?” for an alternative.'),
  ];
  return answer(`Why ${p.action} on ${p.target}: ${d.hypothesis}`, blocks);
}

function lostBecause(ev: EvidenceSnapshot, p: AnsweredProposal, alt: Alternative, closestTo: string | null): ThreadAnswer {
  const closest = closestTo === null ? '' : `_Closest option I considered to “${safeLine(closestTo, 100)}”:_\n`;
  const text = [
    `${closest}*Why not ${code(alt.option, 100)}?*`,
    `*What it would do:* ${safeText(alt.summary, 1000)}`,
    `*Why it lost:* ${safeText(alt.whyNot, 1200)}`,
    `*Chosen instead:* ${subject(p)} — ${safeText(ev.diagnosis.hypothesis, 400)}`,
  ].join('\n');
  return answer(`Why not ${alt.option}: ${alt.whyNot}`, [section('thread.why-not', text), provenance(ev.takenAt, ev.diagnosis.rule)]);
}

function consideredList(ev: EvidenceSnapshot, p: AnsweredProposal, asked: string): ThreadAnswer {
  const intro = asked === ''
    ? 'Which option? These were considered and rejected:'
    : `“${safeLine(asked, 100)}” is not an option this diagnosis considered. The bot only proposes actions its policy whitelists; these were considered and rejected:`;
  const blocks: KnownBlock[] = [
    section('thread.why-not', intro),
    ...listSections('thread.alternatives', 'Alternatives considered', ev.diagnosis.alternatives.map(alternativeLine), {
      maxBlocks: ALTERNATIVE_BLOCKS,
      empty: '_no alternatives were recorded for this diagnosis_',
      more: (n) => `… ${n} more alternatives`,
    }),
    provenance(ev.takenAt, ev.diagnosis.rule),
  ];
  return answer(`Alternatives considered for ${p.action} on ${p.target}`, blocks);
}

/** "why not <option>?": that alternative and why it lost, or the alternatives when none fits. */
export function whyNotAnswer(ev: EvidenceSnapshot, p: AnsweredProposal, asked: string): ThreadAnswer {
  const d = ev.diagnosis;
  const options = d.alternatives.map((a) => ({ name: a.option, summary: a.summary }));
  // The proposed action is an option too: "why not scale-asg?" must not land on a lookalike.
  const proposed = d.candidate?.action;
  if (proposed && !options.some((o) => o.name === proposed)) options.push({ name: proposed, summary: d.candidate?.expectedEffect ?? '' });
  const found = asked === '' ? null : matchOption(options, asked);
  if (found?.kind !== 'match') return consideredList(ev, p, asked);
  const alt = d.alternatives[found.index];
  if (alt) return lostBecause(ev, p, alt, found.exact ? null : asked);
  const text = `${code(proposed ?? p.action, 100)} *is* what this proposal does: ask “why?” for the case for it.`;
  return answer(`${proposed ?? p.action} is the proposed action`, [section('thread.why-not', text), provenance(ev.takenAt, d.rule)]);
}

/** "show the signals": every signal line, with the query a person can re-run. */
export function signalsAnswer(ev: EvidenceSnapshot, p: AnsweredProposal): ThreadAnswer {
  const blocks: KnownBlock[] = [
    section('thread.signals-intro', `*Signals behind ${subject(p)}* — each with its value vs threshold, window and the query to re-run it.`),
    ...signalList(ev, ALL_SIGNAL_BLOCKS),
    provenance(ev.takenAt, ev.diagnosis.rule),
  ];
  return answer(`${ev.diagnosis.signals.length} signals behind ${p.action} on ${p.target}`, blocks);
}

/** Anything else: what can be asked here, naming this proposal's alternatives. */
export function helpAnswer(ev: EvidenceSnapshot, p: AnsweredProposal): ThreadAnswer {
  const options = ev.diagnosis.alternatives.map((a) => code(a.option, 60));
  const named = options.length > MAX_OPTIONS_NAMED ? `${options.slice(0, MAX_OPTIONS_NAMED).join(', ')} … ${options.length - MAX_OPTIONS_NAMED} more` : options.join(', ');
  const lines = [
    `I answer questions about ${subject(p)} from the evidence frozen with it. Ask here:`,
    '• `why?` — the hypothesis, confidence, signals and reasoning',
    `• \`why not &lt;option&gt;?\` — why an alternative lost${named ? ` (${named})` : ''}`,
    '• `rollback?` — the rollback plan and, once it ran, the recorded pre-state',
    '• `history?` — earlier proposals on this target',
    '• `who can approve?` — the requirement, the approvers and the approvals so far',
    '• `show the signals` — every signal with its query',
  ];
  return answer('Ask: why?, why not <option>?, rollback?, history?, who can approve?, show the signals', [section('thread.help', lines.join('\n'))]);
}
