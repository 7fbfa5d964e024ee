// Alert storm benchmark (not a test): 10,000 alerts on one incident against the real bot, as
// Alertmanager webhooks of --batch alerts, all sent at once (or --stagger ms apart). Measures how
// long storing them takes, then how long until the incident's thread has been told about every
// one, and what reached Slack: cards, thread replies, 429s, and the most writes to the channel in
// any one second (the fake Slack answers 429 to a channel write < --slack-interval ms after the
// previous one, as Slack does past about one per second).
//
//   node --experimental-strip-types bench/storm.ts [--alerts 10000] [--batch 500] [--stagger 0] [--slack-interval 900]
//
// Postgres is DATABASE_URL, or an embedded server in a temp dir. AWS is moto_server when it is
// installed (the card then carries real signals), otherwise unreachable (the card says the
// signals were unavailable): the card is posted either way.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { Config } from '../src/config.ts';
import { createLogger } from '../src/log.ts';
import { startBot } from '../src/main.ts';
import { startEmbeddedPostgres } from '../src/store/embedded.ts';
import { eventually } from '../test/helpers/eventually.ts';
import { startFakeSlack } from '../test/helpers/fake-slack.ts';
import { findMotoServer, putCpu, seedAsg, startMoto, type Moto } from '../test/helpers/moto.ts';
import { freePort } from '../test/helpers/ports.ts';
import { stormBatches } from '../test/helpers/storm-batches.ts';

const { values } = parseArgs({
  options: {
    alerts: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '500' },
    stagger: { type: 'string', default: '0' },
    'slack-interval': { type: 'string', default: '900' },
  },
});
const ALERTS = Number(values.alerts);
const BATCH = Number(values.batch);
const STAGGER_MS = Number(values.stagger);
const SLACK_INTERVAL_MS = Number(values['slack-interval']);
const TOKEN = 'bench-webhook-token-0123456789';
const CHANNEL = 'C0PROD0001';
const ASG = 'web-storm';

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function main(): Promise<void> {
  let dir: string | null = null;
  let pg: { url: string; stop(): Promise<void> } | null = null;
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    dir = await mkdtemp(path.join(os.tmpdir(), 'infra-agent-bench-'));
    await chmod(dir, 0o755);
    pg = await startEmbeddedPostgres(dir, await freePort(), 'postgres');
    databaseUrl = pg.url;
  }
  let moto: Moto | null = null;
  if (findMotoServer()) {
    const started = await startMoto();
    if ('url' in started) {
      moto = started;
      await seedAsg(moto.url, { name: ASG, min: 2, max: 20, desired: 4 });
      await putCpu(moto.url, ASG, [91, 95, 97, 94]);
    }
  }
  const slack = await startFakeSlack({ channelIntervalMs: SLACK_INTERVAL_MS });
  process.env.AWS_ACCESS_KEY_ID ??= 'bench';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'bench';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  const config = Config.parse({
    PORT: '0', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'bench-signing-secret-0123456789',
    SLACK_API_URL: slack.url, POLICY_PATH: path.resolve(import.meta.dirname, '../test/fixtures/policies/e2e'), WEBHOOK_TOKEN: TOKEN,
    LOG_LEVEL: 'silent', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: moto?.url ?? 'http://127.0.0.1:1', JOB_POLL_INTERVAL_SECONDS: '0.5',
  });
  const bot = await startBot(config, createLogger('silent'));
  const url = `http://127.0.0.1:${bot.port}/webhooks/alertmanager`;
  const db = bot.ctx.db;
  try {
    const bodies = stormBatches({ alerts: ALERTS, batchSize: BATCH, asg: ASG }).map((b) => JSON.stringify(b));
    const start = performance.now();
    const answers = await Promise.all(
      bodies.map(async (body, i) => {
        if (STAGGER_MS > 0) await new Promise((r) => setTimeout(r, i * STAGGER_MS));
        const sent = performance.now();
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body });
        const json = (await res.json()) as { stored?: number };
        return { status: res.status, stored: json.stored ?? 0, ms: performance.now() - sent };
      }),
    );
    const storedMs = performance.now() - start;
    const incident = await db.selectFrom('incidents').select('id').where('title', '=', `HighCPU on ${ASG}`).executeTakeFirstOrThrow();
    // The thread has been told about every alert: the card shows the first, replies count the rest.
    await eventually(async () => {
      const rows = await db.selectFrom('incident_activity').select(['new_alerts', 'posted_at']).where('incident_id', '=', incident.id).execute();
      return rows.length > 0 && rows.every((r) => r.posted_at) && rows.reduce((s, r) => s + r.new_alerts, 0) === ALERTS - 1;
    }, 120_000, 'every alert reported in the thread');
    const toldMs = performance.now() - start;

    const count = await db.selectFrom('alerts').select((e) => e.fn.countAll<string>().as('n')).where('incident_id', '=', incident.id).executeTakeFirstOrThrow();
    const chained = await db.selectFrom('audit_log').select((e) => e.fn.countAll<string>().as('n')).where('kind', '=', 'incident.alerts').executeTakeFirstOrThrow();
    const chat = slack.calls.filter((c) => c.method.startsWith('chat.'));
    const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
    const version = await sql<{ v: string }>`SELECT current_setting('server_version') AS v`.execute(db);
    const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version, postgres: `${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded'} ${version.rows[0]?.v ?? ''}`, aws: moto ? 'moto' : 'unreachable' };
    console.log(JSON.stringify({
      machine,
      storm: { alerts: ALERTS, batch: BATCH, webhooks: bodies.length, stagger_ms: STAGGER_MS },
      ingest: {
        non_200: answers.filter((a) => a.status !== 200).length, stored: answers.reduce((s, a) => s + a.stored, 0), alerts_in_incident: Number(count.n),
        all_stored_ms: Math.round(storedMs), alerts_per_s: Math.round(ALERTS / (storedMs / 1000)), webhook_p50_ms: Math.round(percentile(ms, 50)), webhook_p99_ms: Math.round(percentile(ms, 99)),
      },
      thread: { all_reported_ms: Math.round(toldMs), incident_alerts_chain_rows: Number(chained.n) },
      slack: {
        calls: chat.length,
        cards: chat.filter((c) => c.method === 'chat.postMessage' && c.body.thread_ts === undefined).length,
        thread_replies: chat.filter((c) => c.method === 'chat.postMessage' && c.body.thread_ts !== undefined).length,
        updates: chat.filter((c) => c.method === 'chat.update').length,
        http_429: slack.rateLimited.length,
        max_writes_to_channel_in_any_1s: slack.maxWritesPerWindow(CHANNEL, 1000),
      },
      rss_mb: Math.round(process.memoryUsage().rss / 2 ** 20),
    }, null, 2));
  } finally {
    await bot.stop();
    await slack.close();
    await moto?.stop();
    await pg?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
