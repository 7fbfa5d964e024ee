// `/infra-agent status`: the kill switch and the policy in force, as mrkdwn text.
import type { Pause } from '../src/policy/decision.ts';
import { demotionLines, type DemotionLine } from './demotions.ts';
import { safeLine, safeText, slackDate, userMention } from './escape.ts';

export interface StatusInput {
  pauses: readonly Pause[];
  /** Active demotions by the circuit breakers; absent: not shown. */
  demotions?: readonly DemotionLine[];
  policy: { files: number; environments: string[]; actions: string[]; hash: string };
}

function pauseLine(p: Pause): string {
  const what = p.scope === 'global' ? '*everything*' : p.scope === 'auto' ? '*the auto tier*' : `${p.scope} *${safeLine(p.name ?? '', 64)}*`;
  const by = p.by.startsWith('slack:') ? userMention(p.by.slice('slack:'.length)) : safeLine(p.by, 64);
  return `• :double_vertical_bar: ${what} paused by ${by} ${slackDate(p.at)} — ${safeText(p.reason, 300)}`;
}

export function statusText(input: StatusInput): string {
  const lines = ['*Kill switch*'];
  if (input.pauses.length === 0) lines.push('• :large_green_circle: nothing is paused; executions follow the policy');
  else lines.push(...input.pauses.map(pauseLine));
  if (input.demotions) lines.push('*Circuit breaker demotions*', ...demotionLines(input.demotions));
  const p = input.policy;
  lines.push(
    '*Policy in force on this replica*',
    `• ${p.files} file(s), hash \`${p.hash.slice(0, 12)}\``,
    `• environments: ${p.environments.map((e) => safeLine(e, 64)).join(', ') || 'none'}`,
    `• whitelisted actions: ${p.actions.map((a) => safeLine(a, 64)).join(', ') || 'none'}`,
  );
  return lines.join('\n');
}
