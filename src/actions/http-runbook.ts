// http.runbook: restart a known service through the team's existing automation. The bot POSTs a
// signed request to the URL the reviewed policy declares for the action: never to a URL from an
// alert, a label or the params (which may not even contain one). One attempt, no retry: the
// automation gets an Idempotency-Key so that a person re-running it by hand is safe too.
import { z } from 'zod';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../ingest/generic.ts';
import { hmacSha256Hex } from '../ingest/hmac.ts';
import { durationMs } from '../policy/schema.ts';
import { callSignal, type Executor } from './executor.ts';

export const DEFAULT_RUNBOOK_TIMEOUT_MS = 30_000;
const EXCERPT_CHARS = 500;

// Anything that looks like a URL or a host reference: the destination is the policy's alone.
const URL_LIKE = /[a-z][a-z0-9+.-]*:\/\/|^\/\/|\bwww\./i;
const ParamValue = z.union([
  z.string().max(200).refine((s) => !URL_LIKE.test(s), { error: 'runbook parameters may not contain URLs: the runbook URL comes only from the policy' }),
  z.number(),
  z.boolean(),
]);

/** Flat scalars only; `rollback: true` asks for the runbook's declared rollback_url (see rollback below). */
export const HttpRunbookParams = z
  .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/), ParamValue)
  .refine((p) => Object.keys(p).length <= 20, { error: 'at most 20 runbook parameters' });
export type HttpRunbookParams = z.infer<typeof HttpRunbookParams>;

/** Control characters out, length bounded: it is stored, audited and (escaped at render) shown on the card. */
export function bodyExcerpt(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?').replace(/\s+/g, ' ').trim();
  return clean.length > EXCERPT_CHARS ? `${clean.slice(0, EXCERPT_CHARS - 1)}…` : clean;
}

/** The headers that sign `body`: the generic webhook's scheme (src/ingest/generic.ts), in the other direction. */
export function signedHeaders(secret: string, body: string, nowMs: number, idempotencyKey: string): Record<string, string> {
  const ts = String(Math.floor(nowMs / 1000));
  return {
    'content-type': 'application/json',
    [TIMESTAMP_HEADER]: ts,
    [SIGNATURE_HEADER]: `v1=${hmacSha256Hex(secret, `${ts}.`, body)}`,
    'Idempotency-Key': idempotencyKey,
  };
}

/**
 * Where a URL points, for cards, audit rows and logs: its origin only. Webhook-style automations
 * often carry a token in the path or the query; the policy file is where the full URL is read.
 */
const where = (url: string): string => `${new URL(url).origin}/…`;

/**
 * 4xx answers that say the automation did nothing. Others (408 timeout, 409 "already in progress
 * or done for this Idempotency-Key", 429 …) may mean it acted: they fail as "outcome unknown", so
 * they count towards budgets, cooldowns and breakers like a change that ran.
 */
const REFUSED_STATUSES = new Set([400, 401, 403, 404, 405, 413, 415, 422]);
/** The longest a runbook call may take (its policy timeout is at most 90 s), plus a margin. */
const RUNBOOK_RUN_LIMIT_MS = 90_000 + 15_000;

export const httpRunbookExecutor: Executor<HttpRunbookParams> = {
  kind: 'http.runbook',
  targets: 'service',
  runbook: true,
  params: HttpRunbookParams,
  // A retried job must not call a run "interrupted" while the runbook may still be answering.
  runLimitMs: () => RUNBOOK_RUN_LIMIT_MS,
  // Nothing in AWS: the automation it calls holds its own permissions.
  iam: { writes: [], reads: [], resourceArn: () => '' },
  async inspect(_deps, { target, decl }) {
    const url = decl.runbook ? where(decl.runbook.url) : 'its runbook';
    return `a runbook's outcome can only be read in the automation's own records: look up ${target} at ${url} (the Idempotency-Key is the proposal id)`;
  },
  async run(deps, req) {
    const runbook = req.decl.runbook;
    const undo = req.params.rollback === true;
    const url = undo ? runbook?.rollback_url : runbook?.url;
    const preState = { service: req.target, url: url ? where(url) : null, rollback: undo };
    if (!runbook) return { status: 'refused', preState, reason: `action '${req.action}' declares no runbook in the policy in force` };
    if (!url) return { status: 'refused', preState, reason: `action '${req.action}' declares no rollback_url, so this runbook cannot be undone by the bot` };
    const secret = deps.secret(runbook.secret_env);
    if (!secret) return { status: 'refused', preState, reason: `environment variable ${runbook.secret_env} (the runbook's HMAC secret) is not set, or shorter than 16 characters` };
    if (req.dryRun) {
      return { status: 'succeeded', dryRun: true, preState, postState: null, rollback: null, summary: `DRY RUN: would POST the signed ${undo ? 'rollback ' : ''}runbook request for ${req.target} to ${where(url)}; nothing was sent` };
    }
    const body = JSON.stringify({ proposalId: req.idempotencyKey, action: req.action, target: req.target, params: req.params, idempotencyKey: req.idempotencyKey });
    const timeoutMs = runbook.timeout ? durationMs(runbook.timeout) : DEFAULT_RUNBOOK_TIMEOUT_MS;
    const nowMs = (deps.now?.() ?? new Date()).getTime();
    let res: Response;
    try {
      // redirect 'manual': a signed request is never carried to a URL the policy did not name.
      res = await fetch(url, { method: 'POST', body, headers: signedHeaders(secret, body, nowMs, req.idempotencyKey), redirect: 'manual', signal: callSignal(deps, timeoutMs) });
    } catch (err) {
      const e = err as Error;
      const why = e.name === 'TimeoutError' || e.name === 'AbortError' ? `did not answer within ${Math.round(timeoutMs / 1000)} s` : `could not be reached (${(e.cause as Error | undefined)?.message ?? e.message})`;
      return { status: 'failed', preState, postState: null, reason: `runbook ${where(url)} ${why}; not retried, outcome unknown: check the automation's records for idempotency key ${req.idempotencyKey}` };
    }
    const excerpt = bodyExcerpt(await res.text().catch(() => ''));
    const postState = { status: res.status, body: excerpt };
    const answered = `runbook ${where(url)} answered HTTP ${res.status}${excerpt ? `: ${excerpt}` : ''}`;
    if (res.status >= 200 && res.status < 300) {
      const rollback = !undo && runbook.rollback_url ? { action: req.action, target: req.target, params: { ...req.params, rollback: true } } : null;
      return { status: 'succeeded', preState, postState, rollback, summary: `${req.target}: ${answered}${rollback ? '' : ' (no rollback declared)'}` };
    }
    if (REFUSED_STATUSES.has(res.status)) return { status: 'refused', preState, reason: `${answered} (the runbook refused the request)` };
    if (res.status >= 400 && res.status < 500) {
      return { status: 'failed', preState, postState, reason: `${answered}; not retried, outcome unknown: check the automation's records for idempotency key ${req.idempotencyKey}` };
    }
    return { status: 'failed', preState, postState, reason: `${answered}; not retried${res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : ''}` };
  },
};
