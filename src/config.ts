import { z } from 'zod';

// The only reader of process.env. Every problem is reported at once, naming the variable,
// so a misconfigured deployment fails at boot with one actionable message.

const optionalString = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.string())
  .optional()
  .transform((s) => (s === '' ? undefined : s));

const optionalUrl = optionalString.pipe(z.url({ message: 'must be a URL' }).optional());

/** A comma-separated list; each entry is checked and named in the error when wrong. */
function commaList(problemWith: (item: string) => string | null) {
  return optionalString
    .transform((s) => s?.split(',').map((i) => i.trim()).filter((i) => i !== ''))
    .superRefine((items, ctx) => {
      for (const item of items ?? []) {
        const problem = problemWith(item);
        if (problem) ctx.addIssue({ code: 'custom', message: `'${item}' ${problem}` });
      }
    })
    .transform((items) => (items?.length ? items : undefined));
}

const SNS_TOPIC_ARN = /^arn:aws(-[a-z]+)*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const LABEL_VALUE = /^[A-Za-z0-9_.-]{1,64}$/;

// `<topic arn>` or `<topic arn>=<env>`: CloudWatch alarms name no environment, and policies route
// on the `env` label, so a topic per environment is how an alarm finds its environment.
function topicProblem(item: string): string | null {
  const [arn = '', env, ...rest] = item.split('=');
  if (!SNS_TOPIC_ARN.test(arn)) return 'is not an SNS topic ARN (arn:aws:sns:<region>:<account>:<topic>[=<env>])';
  if (rest.length > 0 || (env !== undefined && !LABEL_VALUE.test(env))) return 'has an env that is not a plain word (letters, digits, _ . -)';
  return null;
}

function parseTopic(item: string): { arn: string; env?: string } {
  const [arn = '', env] = item.split('=');
  return env === undefined ? { arn } : { arn, env };
}

function originProblem(item: string): string | null {
  let url: URL;
  try {
    url = new URL(item);
  } catch {
    return 'is not a URL (expected an origin such as http://127.0.0.1:8080)';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) origin';
  if (url.username || url.password || url.pathname !== '/' || url.search || url.hash) return 'must be an origin only (scheme://host[:port], no path)';
  return null;
}

// An HTTP header name (RFC 9110 token).
const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP header name');
const webhookSecret = optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional());

interface Problem {
  variable: string;
  message: string;
}

// Checks across variables. Run on the raw environment too, so that they are reported
// together with the per-variable errors rather than only after those are fixed.
function crossFieldProblems(env: { SLACK_APP_TOKEN?: string | undefined; SLACK_SIGNING_SECRET?: string | undefined }): Problem[] {
  const appToken = env.SLACK_APP_TOKEN?.trim() || undefined;
  const problems: Problem[] = [];
  if (!appToken && !env.SLACK_SIGNING_SECRET?.trim()) {
    problems.push({ variable: 'SLACK_SIGNING_SECRET', message: 'is required unless SLACK_APP_TOKEN is set (HTTP mode verifies every Slack request with it)' });
  }
  if (appToken && !appToken.startsWith('xapp-')) {
    problems.push({ variable: 'SLACK_APP_TOKEN', message: 'must be an app-level token starting with xapp-' });
  }
  return problems;
}

export const Config = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    HOST: z.string().default('0.0.0.0'),
    DATABASE_URL: optionalUrl,
    DATA_DIR: z.string().default('./data'),
    EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
    JOB_POLL_INTERVAL_SECONDS: z.coerce.number().min(0.5).max(60).default(1),
    // Pipeline watchdog: a synthetic heartbeat every interval; /readyz fails after the stall threshold
    // (default three intervals) without a successful one.
    WATCHDOG_INTERVAL_SECONDS: z.coerce.number().min(1).max(3600).default(60),
    WATCHDOG_STALL_SECONDS: z.coerce.number().min(1).max(86400).optional(),
    // How often each replica checks whether the policy's weekly digest is due (the slot is posted once).
    DIGEST_CHECK_INTERVAL_SECONDS: z.coerce.number().min(1).max(3600).default(60),
    SLACK_BOT_TOKEN: z.string({ message: 'is required (xoxb-… bot token)' }).min(1, 'is required (xoxb-… bot token)'),
    SLACK_SIGNING_SECRET: optionalString,
    SLACK_APP_TOKEN: optionalString,
    SLACK_API_URL: optionalUrl,
    POLICY_PATH: z.string().default('./policies'),
    WEBHOOK_TOKEN: z.string({ message: 'is required (shared bearer token for alert sources)' }).min(16, 'must be at least 16 characters'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    AWS_REGION: z.string().default('us-east-1'),
    AWS_ENDPOINT_URL: optionalUrl,
    // Optional alert sources: each is enabled by its secret (or topic list) and absent otherwise.
    SNS_TOPIC_ARNS: commaList(topicProblem).transform((items) => items?.map(parseTopic)),
    SNS_EXTRA_TRUSTED_ORIGINS: commaList(originProblem).transform((items) => items?.map((i) => new URL(i).origin)),
    GRAFANA_WEBHOOK_SECRET: webhookSecret,
    GRAFANA_WEBHOOK_SIGNATURE_HEADER: headerName.default('X-Grafana-Alerting-Signature'),
    GRAFANA_WEBHOOK_TIMESTAMP_HEADER: optionalString.pipe(headerName.optional()),
    GENERIC_WEBHOOK_SECRET: webhookSecret,
  })
  .superRefine((c, ctx) => {
    if (c.WATCHDOG_STALL_SECONDS !== undefined && c.WATCHDOG_STALL_SECONDS <= c.WATCHDOG_INTERVAL_SECONDS) {
      ctx.addIssue({ code: 'custom', path: ['WATCHDOG_STALL_SECONDS'], message: 'must be longer than WATCHDOG_INTERVAL_SECONDS (a stall is several missed heartbeats)' });
    }
    for (const p of crossFieldProblems(c)) ctx.addIssue({ code: 'custom', path: [p.variable], message: p.message });
  });
export type Config = z.infer<typeof Config>;

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = Config.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(environment)'} ${i.message}`);
  for (const p of crossFieldProblems(env)) {
    const line = `${p.variable} ${p.message}`;
    if (!problems.includes(line)) problems.push(line);
  }
  throw new ConfigError(problems);
}

/**
 * The HMAC secret a policy's runbook names (`runbook.secret_env`). Read when a runbook runs, not
 * at boot, so a policy reload can name a new variable; only RUNBOOK_SECRET_* names are read, and a
 * value shorter than 16 characters counts as unset (a guessable secret signs nothing).
 */
export function runbookSecret(name: string, env: Record<string, string | undefined> = process.env): string | undefined {
  if (!/^RUNBOOK_SECRET_[A-Z0-9_]+$/.test(name) || !Object.hasOwn(env, name)) return undefined;
  const value = env[name]?.trim();
  return value && value.length >= 16 ? value : undefined;
}
