import type { z } from 'zod';

/** A zod error as one line a person can act on: `alerts.0.labels: expected record, received string`. */
export function zodMessage(error: z.ZodError, max = 10): string {
  const lines = error.issues.slice(0, max).map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`);
  const more = error.issues.length > max ? `; … ${error.issues.length - max} more` : '';
  return lines.join('; ') + more;
}
