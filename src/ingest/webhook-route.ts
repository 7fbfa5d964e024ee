import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IngestJobs } from '../jobs/queue.ts';
import type { Logger } from '../log.ts';
import { isDatabaseUnavailable, type Db } from '../store/db.ts';
import { recordAlerts } from '../store/repos/alerts.ts';
import { groupByPolicy } from '../policy/grouping.ts';
import type { Policy } from '../policy/schema.ts';
import { unknownSourceMessage } from './registry.ts';
import type { AlertSource, AuthResult, ParseResult, Reply } from './source.ts';

export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export interface WebhookDeps {
  db: Db;
  sources: Map<string, AlertSource>;
  jobs: IngestJobs;
  log: Logger;
  /** Read at each request, so a policy reload regroups from the next webhook on. */
  policy: { current: Policy };
}

class BodyTooLarge extends Error {}

/**
 * Two batches that resolve incidents in opposite orders can deadlock; Postgres aborts one. Nothing
 * of it was written, so the sender's retry is the right answer (as for a database that is down).
 */
function isRetryableConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '40P01' || code === '40001';
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function parseJson(raw: Buffer): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(raw.toString('utf8')) };
  } catch (err) {
    return { ok: false, reason: `body is not valid JSON: ${(err as Error).message}` };
  }
}

/**
 * POST /webhooks/:source. Order matters: authenticate before parsing (an unauthenticated
 * sender learns nothing about the schema), parse fully before writing (bad input writes
 * nothing), and store + enqueue in one transaction (a crash loses nothing, a retry doubles nothing).
 * A control message (an SNS subscription handshake) runs only after both checks and stores nothing.
 */
export function webhookHandler(deps: WebhookDeps) {
  return async (req: IncomingMessage & { params?: Record<string, string | string[]> }, res: ServerResponse): Promise<void> => {
    const sourceName = String(req.params?.source ?? '');
    const source = deps.sources.get(sourceName);
    if (!source) return reply(res, 404, { error: unknownSourceMessage(sourceName, deps.sources.keys()) });
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_WEBHOOK_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('connection', 'close');
        return reply(res, 413, { error: `body larger than ${MAX_WEBHOOK_BYTES} bytes` });
      }
      throw err;
    }
    const log = deps.log.child({ source: sourceName });
    let auth: AuthResult;
    try {
      auth = await source.authenticate({ headers: req.headers, rawBody: raw });
    } catch (err) {
      log.error({ err }, 'webhook authentication failed unexpectedly');
      return reply(res, 500, { error: 'internal error' });
    }
    if (!auth.ok) {
      log.warn({ status: auth.status ?? 401, reason: auth.reason }, 'webhook refused');
      return reply(res, auth.status ?? 401, { error: auth.reason });
    }
    const json = parseJson(raw);
    if (!json.ok) return reply(res, 400, { error: json.reason });
    const parsed: ParseResult = source.parse(json.value);
    if (!parsed.ok) return reply(res, 400, { error: parsed.reason });
    if ('control' in parsed) {
      let answer: Reply;
      try {
        answer = await parsed.control();
      } catch (err) {
        log.error({ err }, 'webhook control message failed');
        return reply(res, 500, { error: 'internal error' });
      }
      log[answer.level ?? 'info']({ status: answer.status }, answer.note);
      return reply(res, answer.status, answer.body);
    }
    try {
      const result = await deps.db.transaction().execute(async (trx) => {
        const r = await recordAlerts(trx, groupByPolicy(deps.policy.current, parsed.alerts));
        for (const incidentId of r.openedIncidents) await deps.jobs.enqueueDiagnosis(trx, incidentId);
        for (const incidentId of r.resolvedIncidents) await deps.jobs.enqueueResolution(trx, incidentId);
        // Coalesced per incident: a storm's batches mostly find the waiting job already there.
        for (const incidentId of r.updatedIncidents) await deps.jobs.enqueueActivity(trx, incidentId);
        return r;
      });
      log.info({ ...result }, 'alerts ingested');
      return reply(res, 200, { ...result });
    } catch (err) {
      if (isRetryableConflict(err)) {
        log.warn({ err: (err as Error).message }, 'ingest lost a lock conflict; the sender retries');
        return reply(res, 503, { error: 'conflicting concurrent write; retry later' });
      }
      if (isDatabaseUnavailable(err)) {
        log.error({ err: (err as Error).message }, 'database unavailable during ingest');
        return reply(res, 503, { error: 'database unavailable; retry later' });
      }
      log.error({ err }, 'ingest failed');
      return reply(res, 500, { error: 'internal error' });
    }
  };
}
