import { z } from 'zod';

// Only the fields a thread question needs; anything else in Slack's payload is ignored.
export const MessageEvent = z.object({
  channel: z.string().min(1).max(64),
  user: z.string().min(1).max(64),
  text: z.string().default(''),
  ts: z.string().min(1).max(64),
  thread_ts: z.string().max(64).optional(),
  subtype: z.string().nullish(),
  bot_id: z.string().nullish(),
});
export type MessageEvent = z.infer<typeof MessageEvent>;

const Envelope = z.object({ event_id: z.string().min(1).max(200) });

export interface ThreadReply {
  channel: string;
  threadTs: string;
  user: string;
  text: string;
  /** The Events API envelope's id, the same on every retry of one event; null if absent. */
  eventId: string | null;
}

/**
 * A person's reply in a thread, or null. Edits, deletions, joins and every bot's posts (this
 * bot's answers included) carry a subtype or a bot_id; a thread's parent has thread_ts = ts.
 */
export function threadReply(event: unknown, body: unknown): ThreadReply | null {
  const parsed = MessageEvent.safeParse(event);
  if (!parsed.success) return null;
  const m = parsed.data;
  if (m.subtype || m.bot_id || m.thread_ts === undefined || m.thread_ts === m.ts) return null;
  const envelope = Envelope.safeParse(body);
  return { channel: m.channel, threadTs: m.thread_ts, user: m.user, text: m.text, eventId: envelope.success ? envelope.data.event_id : null };
}
