// Posts a digest: figures from Postgres, the Block Kit message, then the outcomes-per-day chart
// uploaded into the message's thread (files.uploadV2). The run is marked posted as soon as the
// message is out, before the upload: a crash during the upload must not post the message again.
import { digestMessage } from '../../blocks/digest.ts';
import { safeLine } from '../../blocks/escape.ts';
import type { AppContext } from '../context.ts';
import { permalink } from '../slack/commands/history.ts';
import { paced } from '../slack/pacer.ts';
import { appendAudit } from '../store/audit.ts';
import { markFailed, markPosted, recordChart } from '../store/repos/digest-runs.ts';
import { renderOutcomeChart } from './chart.ts';
import { digestFigures, type DigestFigures } from './figures.ts';
import { readDigestRows } from './read-rows.ts';

/** Links are fetched for at most this many decisions to review (the message lists about as many). */
const MAX_LINKS = 40;

export interface DigestWindow {
  from: Date;
  to: Date;
  timeZone: string;
  fastApprovalMs: number;
}

export async function computeDigest(ctx: AppContext, w: DigestWindow): Promise<DigestFigures> {
  const rows = await readDigestRows(ctx.db, w.from, w.to);
  return digestFigures(rows, { from: w.from, to: w.to, timeZone: w.timeZone, fastApprovalMs: w.fastApprovalMs });
}

/** The digest message with each decision to review linked to its card's thread. */
export async function digestBlocks(ctx: AppContext, figures: DigestFigures): Promise<ReturnType<typeof digestMessage>> {
  const proposals: Record<string, string> = {};
  for (const r of figures.toReview.slice(0, MAX_LINKS)) {
    const link = await permalink(ctx, r.slackChannel, r.slackTs);
    if (link) proposals[r.proposalId] = link;
  }
  return digestMessage(figures, { proposals });
}

/** The message itself did not go out (Slack refused or could not be reached); the run is marked failed. */
export class DigestNotPosted extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(`the digest message was not posted: ${reason}`);
    this.reason = reason;
  }
}

/**
 * The message is out but its run could not be marked posted (the database failed after a few
 * tries): another replica may post the slot again once the claim goes stale, so say so loudly.
 */
export class DigestNotRecorded extends Error {
  readonly ts: string;
  constructor(ts: string, cause: unknown) {
    super(`the digest was posted (ts ${ts}) but could not be recorded: ${errorText(cause)}`);
    this.ts = ts;
  }
}

export interface Posted {
  ts: string;
  chart: { fileId: string } | { error: string };
}

/**
 * Posts the digest of `w` to `channel` for the claimed run `runId`. A failed message marks the run
 * failed and throws DigestNotPosted (a later check tries again); a message posted but not recorded
 * throws DigestNotRecorded; a failed chart is recorded and the message stands.
 */
export async function postDigest(ctx: AppContext, runId: string, channel: string, w: DigestWindow, actor: string): Promise<Posted> {
  let ts: string;
  let figures: DigestFigures;
  try {
    figures = await computeDigest(ctx, w);
    const message = await digestBlocks(ctx, figures);
    const res = await paced(ctx.db, channel, () => ctx.slack.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false }));
    if (!res.ts) throw new Error('Slack accepted the digest but returned no message ts');
    ts = res.ts;
  } catch (err) {
    const reason = errorText(err);
    await markFailed(ctx.db, runId, reason).catch((e: unknown) => ctx.log.error({ err: e, runId }, 'could not mark the digest run failed'));
    throw new DigestNotPosted(reason);
  }
  const at = ctx.now();
  const record = () =>
    ctx.db.transaction().execute(async (trx) => {
      await markPosted(trx, runId, { ts, at });
      await appendAudit(trx, { actor, kind: 'digest.posted', subject: `digest:${runId}`, payload: { channel, ts, from: w.from.toISOString(), to: w.to.toISOString(), proposals: figures.proposals.total, toReview: figures.toReview.length } });
    });
  // The message is out: a database blip now must not leave the claim to go stale and be posted again.
  await retry(record, [500, 1000, 2000]).catch((err: unknown) => {
    throw new DigestNotRecorded(ts, err);
  });
  const chart = await uploadChart(ctx, channel, ts, figures).catch((err: unknown) => ({ error: errorText(err) }));
  if ('error' in chart) ctx.log.error({ runId, channel, error: chart.error }, 'digest posted, but its chart could not be uploaded');
  await recordChart(ctx.db, runId, chart).catch((err: unknown) => ctx.log.error({ err, runId }, 'could not record the digest chart'));
  return { ts, chart };
}

async function retry<T>(fn: () => Promise<T>, delaysMs: readonly number[]): Promise<T> {
  for (const delay of delaysMs) {
    try {
      return await fn();
    } catch {
      await new Promise((r) => setTimeout(r, delay));
    }
  }
  return fn();
}

async function uploadChart(ctx: AppContext, channel: string, threadTs: string, figures: DigestFigures): Promise<{ fileId: string }> {
  const png = renderOutcomeChart(figures);
  const first = figures.perDay[0]?.date ?? '';
  const last = figures.perDay[figures.perDay.length - 1]?.date ?? '';
  const title = `Proposals by outcome per day, ${first} – ${last} (${safeLine(figures.timeZone, 64)})`;
  const res = await paced(ctx.db, channel, () =>
    ctx.slack.files.uploadV2({ channel_id: channel, thread_ts: threadTs, file: png, filename: `infra-agent-outcomes-${first}.png`, title, alt_text: title }),
  );
  // uploadV2 answers with one files.completeUploadExternal result per destination.
  const fileId = (res as unknown as { files?: { files?: { id?: string }[] }[] }).files?.[0]?.files?.[0]?.id;
  if (!fileId) throw new Error('Slack completed the upload but returned no file id');
  return { fileId };
}

/** Slack's error code when Slack refused, else the error's message: what a person can act on. */
export function errorText(err: unknown): string {
  const data = (err as { data?: { error?: unknown } }).data;
  if (typeof data?.error === 'string') return `Slack answered ${data.error}`;
  return err instanceof Error ? err.message : String(err);
}
