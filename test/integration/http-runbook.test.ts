// http.runbook against a local automation endpoint that verifies the signature with the generic
// webhook's own verifier (src/ingest/generic.ts): the same scheme, in the other direction. Proves
// the body and headers, the URL coming only from the policy, and each answer class: 2xx, 4xx, 5xx,
// timeout, redirect; dry run sends nothing.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bodyExcerpt, httpRunbookExecutor, HttpRunbookParams } from '../../src/actions/http-runbook.ts';
import { runbookSecret } from '../../src/config.ts';
import { verifyGeneric } from '../../src/ingest/generic.ts';
import type { Action } from '../../src/policy/schema.ts';
import { actionDecl, execRequest } from '../helpers/exec-request.ts';

const SECRET = 'runbook-secret-0123456789';
interface Seen { path: string; headers: IncomingHttpHeaders; body: string; verified: boolean }

describe('http.runbook executor', () => {
  let server: Server;
  let base = '';
  let seen: Seen[] = [];
  let answer: { status: number; body: string; delayMs?: number; location?: string } = { status: 200, body: '{"ok":true}' };
  const autoscaling = new AutoScalingClient({ region: 'us-east-1', endpoint: 'http://127.0.0.1:1', credentials: { accessKeyId: 't', secretAccessKey: 't' } });
  const deps = { autoscaling, timeoutMs: 5_000, secret: (name: string) => runbookSecret(name, { RUNBOOK_SECRET_RESTART: SECRET }) };
  const decl = (over: Partial<NonNullable<Action['runbook']>> = {}): Action => actionDecl({
    executor: 'http.runbook', blast_radius: 'service', reversible: false, targets: [{ service: 'api-*' }], rollback: 'none',
    runbook: { url: `${base}/restart?token=abc`, secret_env: 'RUNBOOK_SECRET_RESTART', ...over },
  });
  const run = (d: Action, params: Record<string, string | number | boolean> = { reason: 'HighErrorRate' }, dryRun = false) =>
    httpRunbookExecutor.run(deps, execRequest({ action: 'restart-api', target: 'api-eu', params, decl: d, bounds: null, dryRun, idempotencyKey: 'prop-123' }));

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks);
        seen.push({ path: req.url ?? '', headers: req.headers, body: rawBody.toString('utf8'), verified: verifyGeneric({ secret: SECRET }, { headers: req.headers, rawBody }).ok });
        setTimeout(() => {
          res.writeHead(answer.status, { 'content-type': 'application/json', ...(answer.location ? { location: answer.location } : {}) });
          res.end(answer.body);
        }, answer.delayMs ?? 0);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    autoscaling.destroy();
  });
  beforeEach(() => {
    seen = [];
    answer = { status: 200, body: '{"ok":true}' };
  });

  it('POSTs the signed request to the policy URL; a 2xx succeeds with the status and body excerpt, no rollback unless declared', async () => {
    const r = await run(decl());
    expect(r).toMatchObject({ status: 'succeeded', rollback: null, postState: { status: 200, body: '{"ok":true}' } });
    expect(r.status === 'succeeded' && r.summary).toBe(`api-eu: runbook ${base}/… answered HTTP 200: {"ok":true} (no rollback declared)`);
    expect(seen).toHaveLength(1);
    const got = seen[0]!;
    expect(got.verified).toBe(true);
    expect(got.path).toBe('/restart?token=abc');
    expect(got.headers['idempotency-key']).toBe('prop-123');
    expect(JSON.parse(got.body)).toEqual({ proposalId: 'prop-123', action: 'restart-api', target: 'api-eu', params: { reason: 'HighErrorRate' }, idempotencyKey: 'prop-123' });
  });

  it('with a rollback_url, offers a rollback that POSTs there', async () => {
    const d = decl({ rollback_url: `${base}/undo` });
    const r = await run(d);
    expect(r.status === 'succeeded' && r.rollback).toEqual({ action: 'restart-api', target: 'api-eu', params: { reason: 'HighErrorRate', rollback: true } });
    const undo = await run(d, { reason: 'HighErrorRate', rollback: true });
    expect(undo).toMatchObject({ status: 'succeeded', rollback: null });
    expect(seen.map((s) => s.path)).toEqual(['/restart?token=abc', '/undo']);
    expect(seen.every((s) => s.verified)).toBe(true);
  });

  it('a 4xx that says "did nothing" is refused; one that may mean it acted (409) fails as unknown; a 5xx fails, unretried', async () => {
    answer = { status: 422, body: 'unknown service api-eu' };
    expect(await run(decl())).toMatchObject({ status: 'refused', reason: `runbook ${base}/… answered HTTP 422: unknown service api-eu (the runbook refused the request)` });
    answer = { status: 409, body: 'service api-eu is already restarting' };
    expect(await run(decl())).toMatchObject({ status: 'failed', reason: `runbook ${base}/… answered HTTP 409: service api-eu is already restarting; not retried, outcome unknown: check the automation's records for idempotency key prop-123` });
    answer = { status: 503, body: '<html>\u0007down</html>' };
    expect(await run(decl())).toMatchObject({ status: 'failed', postState: { status: 503 }, reason: `runbook ${base}/… answered HTTP 503: <html>?down</html>; not retried` });
    expect(seen).toHaveLength(3);
  });

  it('a runbook that does not answer in time fails with a clear message, once', async () => {
    answer = { status: 200, body: 'late', delayMs: 3_000 };
    const r = await run(decl({ timeout: '1s' }));
    expect(r).toMatchObject({ status: 'failed', reason: `runbook ${base}/… did not answer within 1 s; not retried, outcome unknown: check the automation's records for idempotency key prop-123` });
    expect(seen).toHaveLength(1);
  });

  it('does not follow a redirect with the signed request', async () => {
    answer = { status: 307, body: '', location: 'http://127.0.0.1:1/elsewhere' };
    expect(await run(decl())).toMatchObject({ status: 'failed', reason: `runbook ${base}/… answered HTTP 307; not retried (redirects are not followed)` });
    expect(seen).toHaveLength(1);
  });

  it('dry run sends nothing; a missing secret refuses before sending', async () => {
    const r = await run(decl(), { reason: 'x' }, true);
    expect(r).toMatchObject({ status: 'succeeded', dryRun: true, rollback: null });
    expect(r.status === 'succeeded' && r.summary).toBe(`DRY RUN: would POST the signed runbook request for api-eu to ${base}/…; nothing was sent`);
    expect(await run(decl({ secret_env: 'RUNBOOK_SECRET_NONE' }))).toMatchObject({ status: 'refused', reason: 'environment variable RUNBOOK_SECRET_NONE (the runbook\'s HMAC secret) is not set, or shorter than 16 characters' });
    expect(seen).toHaveLength(0);
  });

  it('params may not carry a URL (the destination is the policy\'s alone), nor nested values', () => {
    expect(HttpRunbookParams.safeParse({ reason: 'see https://evil.example' }).success).toBe(false);
    expect(HttpRunbookParams.safeParse({ host: '//evil.example/x' }).success).toBe(false);
    expect(HttpRunbookParams.safeParse({ url: { href: 'x' } }).success).toBe(false);
    expect(HttpRunbookParams.safeParse({ reason: 'HighErrorRate', replicas: 2, force: false }).success).toBe(true);
  });

  it('bounds and cleans the stored body excerpt', () => {
    expect(bodyExcerpt(`a\u0000b\n\n c${'x'.repeat(600)}`)).toHaveLength(500);
    expect(bodyExcerpt('a\u0000b\n\n c')).toBe('a?b c');
  });
});
