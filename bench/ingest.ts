// Webhook ingest benchmark (not a test): the real bot (HTTP server, zod parsing, Postgres writes,
// dedupe, incident grouping, chained audit rows for opened incidents, the coalesced per-incident
// activity jobs that chain the raw alerts) receiving Alertmanager webhooks.
//
//   node --experimental-strip-types bench/ingest.ts [--rate 500] [--seconds 10] [--max-seconds 10] [--concurrency 32] [--batch 1]
//
// Two phases: a fixed rate (latency p50/p99 at --rate webhooks/s) and as fast as --concurrency
// senders can go (throughput). Each webhook carries --batch alerts of one group (Alertmanager
// sends a group's alerts together). Postgres is DATABASE_URL, or an embedded server in a temp dir.
// Slack is the in-repo fake; AWS points nowhere, so diagnosis jobs fail fast and are retried in
// the background — the same work a real storm of new incidents would queue.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { Config } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { startBot } from '../src/main.ts';
import { startEmbeddedPostgres } from '../src/store/embedded.ts';
import { startFakeSlack } from '../test/helpers/fake-slack.ts';
import { freePort } from '../test/helpers/ports.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '10' },
    'max-seconds': { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '32' },
    batch: { type: 'string', default: '1' },
  },
});
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const MAX_SECONDS = Number(values['max-seconds']);
const CONCURRENCY = Number(values.concurrency);
const BATCH = Number(values.batch);
const TOKEN = 'bench-webhook-token-0123456789';
// Alerts spread over a few groups: realistic grouping, and few diagnosis jobs.
const GROUPS = 20;

let seq = 0;
function body(): string {
  const group = `web-bench-${seq % GROUPS}`;
  const alerts = Array.from({ length: BATCH }, () => {
    const n = seq++;
    const labels = { alertname: 'HighCPU', autoscaling_group: group, env: 'prod', instance: `i-${n.toString(16).padStart(8, '0')}` };
    return { status: 'firing', labels, annotations: { summary: 'CPU high' }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: `fp${n}` };
  });
  return JSON.stringify({
    version: '4', groupKey: `{}:{alertname="HighCPU", autoscaling_group="${group}"}`, truncatedAlerts: 0, status: 'firing', receiver: 'infra-agent',
    groupLabels: { alertname: 'HighCPU' }, commonLabels: { alertname: 'HighCPU' }, commonAnnotations: {}, externalURL: 'http://alertmanager.bench', alerts,
  });
}

async function send(url: string): Promise<{ ms: number; ok: boolean }> {
  const started = process.hrtime.bigint();
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: body() });
  await res.arrayBuffer();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, ok: res.status === 200 };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Sends at a fixed rate (open loop: the next send never waits for a slow answer). */
async function fixedRate(url: string): Promise<Record<string, number>> {
  const total = RATE * SECONDS;
  const pending: Promise<{ ms: number; ok: boolean }>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(send(url));
  }
  const results = await Promise.all(pending);
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  return { webhooks: total, alerts: total * BATCH, failed: results.filter((r) => !r.ok).length, p50_ms: percentile(ms, 50), p99_ms: percentile(ms, 99), max_ms: ms.at(-1) ?? Number.NaN };
}

/** As fast as CONCURRENCY closed-loop senders go. */
async function maxThroughput(url: string): Promise<Record<string, number>> {
  const deadline = performance.now() + MAX_SECONDS * 1000;
  let sent = 0;
  let failed = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const r = await send(url);
        sent++;
        if (!r.ok) failed++;
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { webhooks: sent, alerts: sent * BATCH, failed, webhooks_per_s: Math.round(sent / seconds), alerts_per_s: Math.round((sent * BATCH) / seconds) };
}

async function main(): Promise<void> {
  let dir: string | null = null;
  let pg: { url: string; stop(): Promise<void> } | null = null;
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    dir = await mkdtemp(path.join(os.tmpdir(), 'infra-agent-bench-'));
    // mkdtemp makes it 0700; the unprivileged postgres user (when we run as root) must traverse it.
    await chmod(dir, 0o755);
    pg = await startEmbeddedPostgres(dir, await freePort(), 'postgres');
    databaseUrl = pg.url;
  }
  const slack = await startFakeSlack();
  const config = Config.parse({
    PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'bench-signing-secret-0123456789',
    SLACK_API_URL: slack.url, POLICY_PATH: path.resolve(import.meta.dirname, '../test/fixtures/policies/e2e'), WEBHOOK_TOKEN: TOKEN,
    LOG_LEVEL: 'silent', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
  });
  process.env.AWS_ACCESS_KEY_ID ??= 'bench';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
  const bot = await startBot(config, createLogger('silent'));
  const url = `http://127.0.0.1:${bot.port}/webhooks/alertmanager`;
  try {
    for (let i = 0; i < 200; i++) await send(url); // warm up connections, JIT and caches
    const fixed = await fixedRate(url);
    const max = await maxThroughput(url);
    const stored = await bot.ctx.db.selectFrom('alerts').select((e) => e.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const version = await sql<{ v: string }>`SELECT current_setting('server_version') AS v`.execute(bot.ctx.db);
    const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version, postgres: `${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded'} ${version.rows[0]?.v ?? ''}` };
    console.log(JSON.stringify({ machine, batch: BATCH, fixed_rate: { rate: RATE, seconds: SECONDS, ...fixed }, max_throughput: { concurrency: CONCURRENCY, seconds: MAX_SECONDS, ...max }, alerts_stored: Number(stored.n), rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20) }, null, 2));
  } finally {
    await bot.stop();
    await slack.close();
    await pg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
