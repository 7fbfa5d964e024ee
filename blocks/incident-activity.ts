// The thread reply that tells an incident's card what arrived after it: counts since the last
// reply, where the incident stands now, and the first few new alerts by name and labels. Alert
// names and labels come from outside and are escaped and bounded here. Pure: summaries in,
// { text, blocks } out.
import type { KnownBlock } from '@slack/types';
import { safeLine } from './escape.ts';
import { context, listSections, section } from './kit.ts';
import { answer, code, type ThreadAnswer } from './thread-answer-kit.ts';

export interface ActivitySample {
  name: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
}

/** One recorded summary (oldest first when several wait to be posted together). */
export interface ActivitySummary {
  newAlerts: number;
  repeats: number;
  resolved: number;
  firingNow: number;
  totalNow: number;
  incidentStatus: 'open' | 'resolved';
  samples: ActivitySample[];
}

/** New alerts named one by one; the rest are counted ("and N more"). */
export const NAMED_ALERTS = 5;
const LABELS_CHARS = 400;
const SAMPLE_BLOCKS = 2;

const n = (x: number): string => x.toLocaleString('en-US');
const plural = (x: number, one: string, many: string): string => `${n(x)} ${x === 1 ? one : many}`;

/** Several waiting summaries read as one: counts add up, "now" is the latest. */
export function mergeSummaries(summaries: ActivitySummary[]): ActivitySummary | null {
  const last = summaries.at(-1);
  if (!last) return null;
  return {
    newAlerts: summaries.reduce((s, x) => s + x.newAlerts, 0),
    repeats: summaries.reduce((s, x) => s + x.repeats, 0),
    resolved: summaries.reduce((s, x) => s + x.resolved, 0),
    firingNow: last.firingNow,
    totalNow: last.totalNow,
    incidentStatus: last.incidentStatus,
    samples: summaries.flatMap((x) => x.samples).slice(0, NAMED_ALERTS),
  };
}

function labelText(labels: Record<string, string>): string {
  // The alert name is shown on its own; the rest tell the alerts of one incident apart.
  const pairs = Object.keys(labels)
    .filter((k) => k !== 'alertname')
    .sort()
    .map((k) => `${k}=${labels[k]}`);
  return pairs.length ? safeLine(pairs.join(', '), LABELS_CHARS) : '_no labels_';
}

const sampleLine = (s: ActivitySample): string => `• ${code(s.name, 100)} (${s.status === 'resolved' ? 'resolved' : 'firing'}) ${labelText(s.labels)}`;

export function incidentActivityMessage(summaries: ActivitySummary[]): ThreadAnswer | null {
  const a = mergeSummaries(summaries);
  if (!a) return null;
  const since = [
    `*${plural(a.newAlerts, 'new alert', 'new alerts')}*`,
    ...(a.repeats > 0 ? [plural(a.repeats, 'repeat', 'repeats')] : []),
    ...(a.resolved > 0 ? [`${n(a.resolved)} resolved`] : []),
  ].join(' · ');
  const now = a.incidentStatus === 'resolved'
    ? `*Incident resolved:* none of its ${plural(a.totalNow, 'alert', 'alerts')} fires any more.`
    : `Now ${plural(a.totalNow, 'alert', 'alerts')} in this incident, *${n(a.firingNow)} firing*.`;
  const named = a.samples.slice(0, NAMED_ALERTS);
  const unnamed = Math.max(0, a.newAlerts - named.length);
  const blocks: KnownBlock[] = [section('activity.summary', `Since the last update: ${since}\n${now}`)];
  if (named.length > 0) {
    const lines = [...named.map(sampleLine), ...(unnamed > 0 ? [`… and ${n(unnamed)} more`] : [])];
    blocks.push(...listSections('activity.alerts', 'New alerts', lines, { maxBlocks: SAMPLE_BLOCKS, empty: '', more: (k) => `… ${n(k)} more lines` }));
  }
  blocks.push(context('activity.note', ['Counted since the previous update in this thread. Every alert is stored; the alerts counted here are chained in the audit log by this update.']));
  const text = `Incident update: ${plural(a.newAlerts, 'new alert', 'new alerts')}, ${n(a.repeats)} repeats, ${n(a.resolved)} resolved; ${a.incidentStatus === 'resolved' ? 'resolved' : `${n(a.firingNow)} of ${n(a.totalNow)} firing`}`;
  return answer(text, blocks);
}
