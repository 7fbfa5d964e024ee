// The building blocks of the policy schema: names, Slack ids and durations, each with the error a
// person reads when a value does not fit. Split from schema.ts so that section schemas in their own
// files (schema-digest.ts) can use them without an import cycle.
import { z } from 'zod';

// A letter first: JS objects enumerate integer-like keys before all others, which would
// silently reorder environments (they are evaluated in declared order). It also keeps
// `__proto__` and friends out of the maps.
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9._-]*$/;
export const Name = z
  .string()
  .regex(NAME_PATTERN, { error: "expected a name that starts with a letter and uses only letters, digits, '.', '_' or '-'" });

// Label names as alert sources send them (Prometheus names, plus the dotted/slashed keys of
// Kubernetes-style labels). A leading `__` is reserved by Prometheus and would admit `__proto__`.
export const LabelName = z
  .string()
  .regex(/^(?!__)[A-Za-z_][A-Za-z0-9_./-]*$/, {
    error: "expected a label name (letters, digits, '_', '.', '/', '-'; not starting with '__')",
  });

export const SlackChannelId = z.string().regex(/^[CG][A-Z0-9]+$/, { error: 'expected a Slack channel id such as C0123ABCD' });
export const SlackUserId = z.string().regex(/^[UW][A-Z0-9]+$/, { error: 'expected a Slack user id such as U0123ABCD' });
export const SlackUsergroupId = z.string().regex(/^S[A-Z0-9]+$/, { error: 'expected a Slack user group id such as S0123ABCD' });
export const NonEmpty = z.string().min(1, { error: 'must not be empty' });

// `90s`, `15m`, `1h30m`, `2d`: whole units, largest first. Kept as text in the policy (it is
// what a reviewer reads in traces); `durationMs` converts.
export const DURATION_PATTERN = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const MAX_DURATION_MS = 366 * 24 * 3600 * 1000;

/** Milliseconds of a duration the schema accepted; NaN for anything else. */
export function durationMs(text: string): number {
  const m = DURATION_PATTERN.exec(text);
  if (!m || text === '') return Number.NaN;
  const [d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number];
  return (((d * 24 + h) * 60 + min) * 60 + s) * 1000;
}

const DURATION_HELP = 'a duration such as 90s, 15m, 1h30m or 2d (more than zero, at most 366d)';

export const Duration = z
  .string({
    // A bare number is the likely slip (`for: 62`); name the unit it lacks.
    error: (iss) =>
      typeof iss.input === 'number'
        ? `expected a duration with a unit, such as ${iss.input}s, ${iss.input}m or ${iss.input}h (got the number ${iss.input})`
        : `expected ${DURATION_HELP}`,
  })
  .refine(
    (t) => {
      const ms = durationMs(t);
      return ms > 0 && ms <= MAX_DURATION_MS;
    },
    { error: (iss) => `expected ${DURATION_HELP}, got ${JSON.stringify(iss.input)}` },
  );
