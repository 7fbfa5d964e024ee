import { z } from 'zod';
import { ConfigError } from '../config.ts';

// Commands that only touch the database need only the database settings, not Slack tokens.
const DbConfig = z.object({
  DATABASE_URL: z.string().optional().transform((s) => (s === '' ? undefined : s)),
  DATA_DIR: z.string().default('./data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  LOG_LEVEL: z.string().default('info'),
});
export type DbConfig = z.infer<typeof DbConfig>;

export function loadDbConfig(env: Record<string, string | undefined> = process.env): DbConfig {
  const parsed = DbConfig.safeParse(env);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`));
  return parsed.data;
}
