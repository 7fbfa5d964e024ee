import { z } from 'zod';

// Only the fields we rely on; anything else in Slack's payload is ignored, a missing one is refused.
export const ButtonClick = z.object({
  user: z.object({ id: z.string().min(1) }),
  channel: z.object({ id: z.string() }).optional(),
  container: z.object({ message_ts: z.string().optional(), channel_id: z.string().optional() }).optional(),
  trigger_id: z.string().optional(),
  actions: z.array(z.object({ action_id: z.string(), value: z.string().max(200), action_ts: z.string().optional() })).min(1),
});
export type ButtonClick = z.infer<typeof ButtonClick>;

/** Slack timestamps are seconds with microseconds, e.g. '1700000000.000100'. */
function tsMs(ts: string | undefined): number | null {
  const n = ts === undefined ? Number.NaN : Number(ts);
  return Number.isFinite(n) && n > 0 ? Math.round(n * 1000) : null;
}

/**
 * How long the card had been shown when the click came: the click's action_ts minus the card
 * message's ts. Null when either is missing, or when clocks disagree (a negative span).
 */
export function seenMs(shownTs: string | undefined, clickedAt: string | number | undefined): number | null {
  const shown = tsMs(shownTs);
  const clicked = typeof clickedAt === 'number' ? clickedAt : tsMs(clickedAt);
  if (shown === null || clicked === null || clicked < shown) return null;
  return Math.min(clicked - shown, 2_147_483_647);
}
