import { z } from 'zod';
import type { Logger } from '../../log.ts';

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

/** What every button listener reads off a click, once Slack's payload is checked. */
export interface ButtonPress {
  userId: string;
  actionId: string;
  /** The button's value: the id of what it acts on (not trusted until the server checks it). */
  value: string;
  /** Where to answer the person: the channel or DM the card is in. */
  channel: string | undefined;
  /** The ts of the card clicked (null-ish for a click Slack sent without its message). */
  messageTs: string | undefined;
  triggerId: string | undefined;
  /** Slack's retry number when this is a redelivery (X-Slack-Retry-Num), else null. */
  retryNum: number | null;
  seenMs: number | null;
}

interface ClickArgs {
  ack(): Promise<void>;
  body: unknown;
  context: { retryNum?: number | undefined };
}

/**
 * Acks the click at once (Slack allows 3 s), then reads it. A payload missing what we rely on is
 * logged and yields null: there is nobody to answer and nothing to record it against.
 */
export async function ackButtonPress(args: ClickArgs, log: Pick<Logger, 'warn'>): Promise<ButtonPress | null> {
  await args.ack();
  const parsed = ButtonClick.safeParse(args.body);
  if (!parsed.success) {
    log.warn({ issues: parsed.error.issues }, 'malformed block_actions payload ignored');
    return null;
  }
  const { user, actions, container, trigger_id: triggerId } = parsed.data;
  const action = actions[0]!;
  return {
    userId: user.id,
    actionId: action.action_id,
    value: action.value,
    channel: parsed.data.channel?.id ?? container?.channel_id,
    messageTs: container?.message_ts,
    triggerId,
    retryNum: args.context.retryNum ?? null,
    seenMs: seenMs(container?.message_ts, action.action_ts),
  };
}
