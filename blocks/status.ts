// `/infra-agent status`: open proposals, the kill switch, freezes, demotions, the weekly digest and
// the policy in force, as mrkdwn text.
import type { Pause } from '../src/policy/decision.ts';
import { demotionLines, type DemotionLine } from './demotions.ts';
import { safeCode, safeLine, safeText, slackDate, userMention } from './escape.ts';

export interface StatusInput {
  pauses: readonly Pause[];
  /** Active demotions by the circuit breakers; absent: not shown. */
  demotions?: readonly DemotionLine[];
  policy: { files: number; environments: string[]; actions: string[]; hash: string };
  /** Proposals not yet finished (pending, approved, executing), newest first; absent: not shown. */
  openProposals?: { items: readonly OpenProposalLine[]; total: number };
  /** Freezes open now; absent: not shown. */
  freezes?: readonly { environment: string; name: string; until: Date; reason: string | null }[];
  /** The weekly digest's schedule (null: the policy has none) and the last one posted; absent: not shown. */
  digest?: { schedule: DigestScheduleLine | null; last: LastDigestLine | null };
}

export interface DigestScheduleLine {
  channel: string;
  day: string;
  time: string;
  timezone: string;
  next: Date;
}

export interface LastDigestLine {
  kind: 'scheduled' | 'manual';
  postedAt: Date;
  channel: string;
  from: Date;
  to: Date;
  chartError: string | null;
}

export interface OpenProposalLine {
  id: string;
  action: string;
  target: string;
  environment: string;
  state: string;
  requirement: string;
  createdAt: Date;
}

function openLines(open: NonNullable<StatusInput['openProposals']>): string[] {
  if (open.total === 0) return ['• none: nothing waits for a decision or an execution'];
  const lines = open.items.map((p) => `• ${safeCode(p.action, 60)} on ${safeCode(p.target, 120)} (${safeLine(p.environment, 40)}) — *${safeLine(p.state, 20)}*, needs ${safeLine(p.requirement, 12)}, since ${slackDate(p.createdAt)} · id ${safeCode(p.id, 40)}`);
  if (open.total > open.items.length) lines.push(`• … and ${open.total - open.items.length} more`);
  return lines;
}

function pauseLine(p: Pause): string {
  const what = p.scope === 'global' ? '*everything*' : p.scope === 'auto' ? '*the auto tier*' : `${p.scope} *${safeLine(p.name ?? '', 64)}*`;
  const by = p.by.startsWith('slack:') ? userMention(p.by.slice('slack:'.length)) : safeLine(p.by, 64);
  return `• :double_vertical_bar: ${what} paused by ${by} ${slackDate(p.at)} — ${safeText(p.reason, 300)}`;
}

// Channel ids come from the policy (validated) or our own rows; checked again before they become a mention.
const channel = (id: string) => (/^[CG][A-Z0-9]+$/.test(id) ? `<#${id}>` : safeLine(id, 40));

function digestLines(d: NonNullable<StatusInput['digest']>): string[] {
  const s = d.schedule;
  const lines = [
    s
      ? `• every ${safeLine(s.day, 12)} at ${safeLine(s.time, 8)} (${safeLine(s.timezone, 64)}) in ${channel(s.channel)}; next ${slackDate(s.next)}`
      : '• not scheduled: the policy has no `digest` section (`/infra-agent digest` still works)',
  ];
  const l = d.last;
  if (!l) lines.push('• none posted yet');
  else {
    const how = l.kind === 'scheduled' ? 'on schedule' : 'by hand';
    const chart = l.chartError ? ` — :warning: its chart could not be uploaded: ${safeText(l.chartError, 200)}` : '';
    lines.push(`• last posted ${slackDate(l.postedAt)} ${how} in ${channel(l.channel)}, covering ${slackDate(l.from)} – ${slackDate(l.to)}${chart}`);
  }
  return lines;
}

export function statusText(input: StatusInput): string {
  const lines: string[] = [];
  if (input.openProposals) lines.push(`*Open proposals (${input.openProposals.total})*`, ...openLines(input.openProposals));
  lines.push('*Kill switch*');
  if (input.pauses.length === 0) lines.push('• :large_green_circle: nothing is paused; executions follow the policy');
  else lines.push(...input.pauses.map(pauseLine));
  if (input.freezes) {
    lines.push('*Freezes*');
    if (input.freezes.length === 0) lines.push('• none open now');
    else lines.push(...input.freezes.map((f) => `• :snowflake: ${safeLine(f.environment, 60)}: freeze ${safeCode(f.name, 60)} until ${slackDate(f.until)} — only admins approve${f.reason ? `: ${safeText(f.reason, 200)}` : ''}`));
  }
  if (input.demotions) lines.push('*Circuit breaker demotions*', ...demotionLines(input.demotions));
  if (input.digest) lines.push('*Weekly digest*', ...digestLines(input.digest));
  const p = input.policy;
  lines.push(
    '*Policy in force on this replica*',
    `• ${p.files} file(s), hash \`${p.hash.slice(0, 12)}\``,
    `• environments: ${p.environments.map((e) => safeLine(e, 64)).join(', ') || 'none'}`,
    `• whitelisted actions: ${p.actions.map((a) => safeLine(a, 64)).join(', ') || 'none'}`,
  );
  return lines.join('\n');
}
