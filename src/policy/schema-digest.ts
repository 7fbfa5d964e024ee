// When and where the weekly decision-review digest is posted. Checked at load like every other
// section: a typo in the day or the time zone would otherwise silently post nothing, or post at
// 09:00 in the wrong country.
import { z } from 'zod';
import { isTimeZone } from './cron.ts';
import { Duration, SlackChannelId } from './schema-primitives.ts';

export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const Digest = z.strictObject({
  channel: SlackChannelId,
  day: z.enum(WEEKDAYS, { error: (iss) => `expected a day of the week in lower case (${WEEKDAYS.join(', ')}), got ${JSON.stringify(iss.input)}` }),
  // 24-hour local time in `timezone`; quoted in YAML ("09:00") so it stays text.
  time: z.string({ error: (iss) => `expected a time as "HH:MM" in quotes (24-hour), got ${JSON.stringify(iss.input)}` }).regex(/^([01]\d|2[0-3]):[0-5]\d$/, {
    error: (iss) => `expected a time as "HH:MM" (24-hour, e.g. "09:00"), got ${JSON.stringify(iss.input)}`,
  }),
  timezone: z
    .string()
    .refine(isTimeZone, { error: (iss) => `unknown time zone ${JSON.stringify(iss.input)}: expected an IANA time zone name such as UTC or Europe/Paris` })
    .default('UTC'),
  // Approvals of high-risk proposals faster than this are listed for review (a rubber stamp?).
  fast_approval: Duration.default('30s'),
});
export type Digest = z.infer<typeof Digest>;
