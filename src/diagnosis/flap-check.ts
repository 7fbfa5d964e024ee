// Is an alert series flapping? A pure judgement on the episodes the alert store holds, shared by the
// engine (which runs the flapping rule instead of the named one) and by the flapping rule, so both
// decide on the same numbers. Also: are the episodes getting longer or closer together — the
// difference between a noisy alert and a real fault that keeps coming back.
import type { NormalizedAlert } from '../domain/alert.ts';
import { durationMs } from '../policy/schema.ts';
import type { AlertEpisode, CollectContext, Collected, DiagnoseRequest } from './engine.ts';

export const FLAPPING = 'flapping';
/** Rows read per diagnosis: far more than any sane flap_episodes, small enough to stay one index scan. */
export const HISTORY_LIMIT = 200;
/**
 * A later half this many times longer than the earlier one (or gaps this many times shorter) is a
 * trend; less is the jitter any noisy alert shows.
 */
export const TREND_FACTOR = 1.5;
const MAX_WINDOW_MS = 7 * 24 * 3600_000;

export interface FlapSettings {
  /** Episodes within the window that make a series flapping (flap_episodes). */
  episodes: number;
  /** As written in policy, e.g. "1h" (flap_window). */
  window: string;
  windowMs: number;
  /** false = the policy rule opted out of the engine's flap check (flap_check). */
  check: boolean;
}

/** Throws on a bad setting: a misconfigured rule must fail loudly, not diagnose with a guessed number. */
export function flapSettings(settings: DiagnoseRequest['settings']): FlapSettings {
  const bad = (key: string, want: string, v: unknown) => new Error(`${FLAPPING}: setting ${key} must be ${want}, got ${JSON.stringify(v)}`);
  const e = settings['flap_episodes'];
  const episodes = e === undefined ? 4 : typeof e === 'number' ? e : typeof e === 'string' && e.trim() !== '' ? Number(e) : NaN;
  if (!Number.isInteger(episodes) || episodes < 2 || episodes > HISTORY_LIMIT) {
    throw bad('flap_episodes', `a whole number from 2 to ${HISTORY_LIMIT}`, e);
  }
  const w = settings['flap_window'] ?? '1h';
  const windowMs = typeof w === 'string' ? durationMs(w) : NaN;
  if (!(windowMs > 0 && windowMs <= MAX_WINDOW_MS)) {
    throw bad('flap_window', 'a duration such as 30m, 1h or 2h30m (more than zero, at most 7d)', w);
  }
  const c = settings['flap_check'] ?? true;
  if (typeof c !== 'boolean') throw bad('flap_check', 'true or false', c);
  return { episodes, window: String(w), windowMs, check: c };
}

/** How the later half of the episodes compares with the earlier half. */
export interface Trend {
  earlierMs: number;
  laterMs: number;
  /** ≥ TREND_FACTOR means worse: longer episodes, or shorter gaps between them. */
  ratio: number;
}

export interface FlapVerdict {
  flapping: boolean;
  /** Episodes that started within the window, oldest first, the alert being diagnosed included. */
  episodes: AlertEpisode[];
  count: number;
  /** Episodes before the newest one that never resolved: a stuck alert, not a flapping one. */
  unresolved: number;
  /** Median duration of the resolved episodes; null when none resolved. */
  medianMs: number | null;
  /** Durations of the resolved episodes, later half vs earlier half; null with fewer than two. */
  longer: Trend | null;
  /** Start-to-start gaps, earlier half vs later half; null with fewer than three episodes. */
  closer: Trend | null;
  /** How long the newest episode has been firing, when it still is. */
  ongoingMs: number | null;
  /** The newest episode is still firing and has already lasted TREND_FACTOR × the longest before it. */
  ongoingLonger: boolean;
  /** Longer or closer together: not noise. */
  worsening: boolean;
  /** The store held more than HISTORY_LIMIT episodes in the window; the newest were judged. */
  truncated: boolean;
}

/** The read the flap check needs, through `run` (bounded, never rejects); null when no history was given. */
export async function readHistory(ctx: CollectContext, alert: NormalizedAlert, s: FlapSettings): Promise<Collected<AlertEpisode[]> | null> {
  const history = ctx.history;
  if (!history) return null;
  const since = new Date(ctx.now.getTime() - s.windowMs);
  return ctx.run('alert history', () =>
    history.episodes({ source: alert.source, fingerprint: alert.fingerprint }, { since, until: ctx.now, limit: HISTORY_LIMIT + 1 }));
}

/** The query behind the episode signals, as SQL a human can run against the bot's database (same filter as the store adapter). */
export function historyQuery(alert: NormalizedAlert, since: Date): string {
  const q = (v: string) => `'${v.replace(/'/g, "''")}'`;
  return `SELECT starts_at, ends_at, status, times_seen FROM alerts WHERE source = ${q(alert.source)} AND fingerprint = ${q(alert.fingerprint)} AND starts_at > ${q(since.toISOString())} AND (ends_at IS NULL OR ends_at > starts_at) ORDER BY starts_at`;
}

export function flapVerdict(all: readonly AlertEpisode[], alert: NormalizedAlert, now: Date, s: FlapSettings): FlapVerdict {
  const since = now.getTime() - s.windowMs;
  // One row more than the limit is read, so "truncated" means something was really left out.
  const truncated = all.length > HISTORY_LIMIT;
  const history = truncated ? all.slice(-HISTORY_LIMIT) : all;
  const inWindow = history.filter((e) => e.startsAt.getTime() > since);
  // The alert being diagnosed counts even when the caller diagnoses before (or without) storing it.
  const current = inWindow.some((e) => e.startsAt.getTime() === alert.startsAt.getTime()) || alert.startsAt.getTime() <= since
    ? []
    : [{ startsAt: alert.startsAt, endsAt: alert.endsAt, status: alert.status, timesSeen: 1 }];
  const episodes = episodesOf([...inWindow, ...current]);
  const earlier = episodes.slice(0, -1);
  const newest = episodes.at(-1);
  const resolved = (e: AlertEpisode) => e.status === 'resolved' && e.endsAt !== null;
  const durations = episodes.filter(resolved).map((e) => Math.max(0, e.endsAt!.getTime() - e.startsAt.getTime()));
  const starts = episodes.map((e) => e.startsAt.getTime());
  const gaps = starts.slice(1).map((t, i) => t - starts[i]!);
  const longer = halves(durations, (first, last) => last / first);
  const closer = halves(gaps, (first, last) => first / last);
  const ongoingMs = newest && !resolved(newest) ? Math.max(0, now.getTime() - newest.startsAt.getTime()) : null;
  const longest = durations.length ? Math.max(...durations) : null;
  const ongoingLonger = ongoingMs !== null && longest !== null && ongoingMs >= TREND_FACTOR * Math.max(longest, 1000);
  const unresolved = earlier.filter((e) => !resolved(e)).length;
  return {
    flapping: episodes.length >= s.episodes && unresolved === 0,
    episodes,
    count: episodes.length,
    unresolved,
    medianMs: median(durations),
    longer,
    closer,
    ongoingMs,
    ongoingLonger,
    worsening: (longer?.ratio ?? 0) >= TREND_FACTOR || (closer?.ratio ?? 0) >= TREND_FACTOR || ongoingLonger,
    truncated,
  };
}

/**
 * Store rows → episodes, oldest first. A row that is only a resolution is not an episode: a
 * CloudWatch OK is stored as its own row (starts_at = ends_at = the OK's time), and Alertmanager
 * may resolve with a startsAt a second off the firing one (src/store/repos/alerts.ts). So a
 * zero-length resolved row is dropped, and a row starting before the previous episode ended is
 * part of it.
 */
export function episodesOf(rows: readonly AlertEpisode[]): AlertEpisode[] {
  const sorted = rows
    .filter((r) => !(r.status === 'resolved' && r.endsAt !== null && r.endsAt.getTime() <= r.startsAt.getTime()))
    .sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  const out: AlertEpisode[] = [];
  for (const r of sorted) {
    const prev = out.at(-1);
    // A still-firing row absorbs nothing: later rows stay visible as episodes (and it as unresolved).
    if (prev?.endsAt && prev.status === 'resolved' && r.startsAt.getTime() < prev.endsAt.getTime()) {
      const firing = r.status === 'firing' || r.endsAt === null;
      const end = firing ? null : new Date(Math.max(prev.endsAt.getTime(), r.endsAt!.getTime()));
      out[out.length - 1] = { startsAt: prev.startsAt, endsAt: end, status: firing ? 'firing' : 'resolved', timesSeen: prev.timesSeen + r.timesSeen };
    } else {
      out.push({ ...r });
    }
  }
  return out;
}

/** Median of the earlier and of the later half (the middle value of an odd count belongs to neither). */
function halves(values: number[], ratio: (first: number, last: number) => number): Trend | null {
  if (values.length < 2) return null;
  const n = Math.floor(values.length / 2);
  const earlierMs = median(values.slice(0, n))!;
  const laterMs = median(values.slice(-n))!;
  // A floor of one second: two instant episodes must not make an infinite ratio.
  return { earlierMs, laterMs, ratio: ratio(Math.max(earlierMs, 1000), Math.max(laterMs, 1000)) };
}

export function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** The sentence the engine puts first when it ran the flapping rule instead of the named one. */
export function switchNote(alertName: string, ruleName: string, v: FlapVerdict, s: FlapSettings): string {
  const each = v.medianMs !== null ? `, each episode lasting ~${humanMs(v.medianMs)} (median)` : '';
  return `${alertName} has flapped: it fired ${v.count} times in the last ${s.window}${each}, and every earlier episode resolved on its own (flap_episodes ${s.episodes}), so the flapping diagnosis ran instead. ${ruleName} was not run: acting on an oscillating signal would oscillate capacity with it.`;
}

/** 45000 → "45s", 150000 → "2.5m", 5400000 → "1h30m": short, and exact enough to compare episodes. */
export function humanMs(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 90) return `${s}s`;
  const min = s / 60;
  if (min < 10) return `${Math.round(min * 10) / 10}m`;
  if (min < 90) return `${Math.round(min)}m`;
  const h = Math.floor(Math.round(min) / 60);
  const rest = Math.round(min) % 60;
  return rest ? `${h}h${rest}m` : `${h}h`;
}
