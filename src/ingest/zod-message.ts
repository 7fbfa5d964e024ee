import type { z } from 'zod';
import type { NormalizedAlert } from '../domain/alert.ts';
import type { ParseResult } from './source.ts';

/** A zod error as one line a person can act on: `alerts.0.labels: expected record, received string`. */
export function zodMessage(error: z.ZodError, max = 10): string {
  const lines = error.issues.slice(0, max).map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`);
  const more = error.issues.length > max ? `; … ${error.issues.length - max} more` : '';
  return lines.join('; ') + more;
}

/** `parse` of a source whose body is one schema: validated in full, then normalised; never half. */
export function parseWith<T>(schema: z.ZodType<T>, normalize: (body: T) => NormalizedAlert[]): (body: unknown) => ParseResult {
  return (body) => {
    const parsed = schema.safeParse(body);
    return parsed.success ? { ok: true, alerts: normalize(parsed.data) } : { ok: false, reason: zodMessage(parsed.error) };
  };
}
