import { describe, expect, it } from 'vitest';
import { genericSource, GenericWebhook, normalizeGeneric, verifyGeneric } from '../../src/ingest/generic.ts';
import { fixture, genericHeaders } from '../helpers/webhook-signers.ts';

const SECRET = 'generic-test-secret-0123456789';
const example = fixture('generic/webhook-example.json').body;
const raw = JSON.stringify(example);
const NOW = Date.parse('2026-11-21T12:00:00Z');
const nowSeconds = NOW / 1000;
const settings = { secret: SECRET, now: () => NOW };

const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
const req = (headers: Record<string, string>, body = raw) => ({ headers: lower(headers), rawBody: Buffer.from(body) });

describe('generic webhook signature', () => {
  it('accepts v1=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>', () => {
    expect(verifyGeneric(settings, req(genericHeaders(SECRET, raw, nowSeconds)))).toEqual({ ok: true });
  });

  it('accepts any one of several listed signatures (a sender rotating its secret)', () => {
    const good = genericHeaders(SECRET, raw, nowSeconds);
    const old = genericHeaders('the-previous-secret-0123456789', raw, nowSeconds);
    const both = { ...good, 'X-Infra-Agent-Signature': `${old['X-Infra-Agent-Signature']}, ${good['X-Infra-Agent-Signature']}` };
    expect(verifyGeneric(settings, req(both))).toEqual({ ok: true });
  });

  it('refuses stale and future timestamps, a timestamp that is not the signed one, and replays after 5 minutes', () => {
    expect(verifyGeneric(settings, req(genericHeaders(SECRET, raw, nowSeconds - 301)))).toMatchObject({ ok: false, reason: expect.stringMatching(/X-Infra-Agent-Timestamp is 301 s away/) });
    expect(verifyGeneric(settings, req(genericHeaders(SECRET, raw, nowSeconds + 301)))).toMatchObject({ ok: false });
    const moved = { ...genericHeaders(SECRET, raw, nowSeconds - 10), 'X-Infra-Agent-Timestamp': String(nowSeconds) };
    expect(verifyGeneric(settings, req(moved))).toMatchObject({ ok: false, reason: expect.stringMatching(/does not match/) });
    const { 'X-Infra-Agent-Timestamp': _ts, ...noTimestamp } = genericHeaders(SECRET, raw, nowSeconds);
    expect(verifyGeneric(settings, req(noTimestamp))).toMatchObject({ ok: false, reason: 'missing X-Infra-Agent-Timestamp header (unix seconds)' });
  });

  it('refuses a wrong secret, a changed body, a missing or unversioned signature with a reason', () => {
    expect(verifyGeneric(settings, req(genericHeaders('wrong-secret-0123456789abc', raw, nowSeconds)))).toMatchObject({
      ok: false,
      reason: 'X-Infra-Agent-Signature does not match the HMAC-SHA256 of "<X-Infra-Agent-Timestamp>.<body>" with GENERIC_WEBHOOK_SECRET',
    });
    expect(verifyGeneric(settings, req(genericHeaders(SECRET, raw, nowSeconds), raw.replace('firing', 'resolved')))).toMatchObject({ ok: false });
    const headers = genericHeaders(SECRET, raw, nowSeconds);
    expect(verifyGeneric(settings, req({ 'X-Infra-Agent-Timestamp': headers['X-Infra-Agent-Timestamp']! }))).toMatchObject({ ok: false, reason: expect.stringMatching(/^missing X-Infra-Agent-Signature header/) });
    const bare = { ...headers, 'X-Infra-Agent-Signature': headers['X-Infra-Agent-Signature']!.slice(3) };
    expect(verifyGeneric(settings, req(bare))).toMatchObject({ ok: false, reason: 'X-Infra-Agent-Signature has no v1=<hex> signature' });
  });
});

describe('generic webhook payload', () => {
  it('normalizes the documented example', () => {
    expect(normalizeGeneric(GenericWebhook.parse(example))).toEqual([
      {
        source: 'generic',
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
        status: 'firing',
        name: 'CheckoutLatencyHigh',
        severity: 'warning',
        labels: { env: 'prod', service: 'checkout', autoscaling_group: 'web-asg', alertname: 'CheckoutLatencyHigh' },
        annotations: { summary: 'p99 latency 2.4 s > 1 s for 10 minutes' },
        startsAt: new Date('2026-11-21T18:50:00Z'),
        endsAt: null,
        link: 'https://status.example.com/checks/checkout-latency',
        groupKey: 'checkout-latency',
      },
    ]);
  });

  it('derives a fingerprint from name and labels, independent of key order, and groups by name by default', () => {
    const a = { name: 'DiskFull', status: 'firing', labels: { host: 'a', mount: '/' }, startsAt: '2026-11-21T10:00:00Z' };
    const b = { ...a, labels: { mount: '/', host: 'a' }, status: 'resolved', endsAt: '2026-11-21T11:00:00Z' };
    const c = { ...a, labels: { host: 'b', mount: '/' } };
    const [fa, fb, fc] = normalizeGeneric(GenericWebhook.parse({ alerts: [a, b, c] }));
    expect(fa!.fingerprint).toBe(fb!.fingerprint);
    expect(fc!.fingerprint).not.toBe(fa!.fingerprint);
    expect(fb).toMatchObject({ status: 'resolved', endsAt: new Date('2026-11-21T11:00:00Z'), groupKey: 'DiskFull', severity: null, link: null, annotations: {} });
    const [given] = normalizeGeneric(GenericWebhook.parse({ alerts: [{ ...a, fingerprint: 'mine-1' }] }));
    expect(given!.fingerprint).toBe('mine-1');
  });

  it('reports typos and bad values by path instead of dropping them', () => {
    const parsed = genericSource(settings).parse({
      alerts: [{ name: '', status: 'broken', label: { x: 'y' }, startsAt: 'now', link: 'javascript:alert(1)' }],
      extra: true,
    });
    expect(parsed).toMatchObject({ ok: false });
    const reason = (parsed as { reason: string }).reason;
    for (const part of ['alerts.0.name', 'alerts.0.status', 'alerts.0.startsAt', 'alerts.0.link: must be an http(s) URL', 'alerts.0: Unrecognized key: "label"', '(body): Unrecognized key: "extra"']) {
      expect(reason).toContain(part);
    }
    expect(genericSource(settings).parse({ alerts: [] })).toEqual({ ok: false, reason: 'alerts: at least one alert is required' });
  });

  it('keeps hostile text as data and a sender-given alertname label as is', () => {
    const parsed = genericSource(settings).parse({
      alerts: [{ name: '<!here> deploy now', status: 'firing', labels: { alertname: 'Other', note: '<https://evil|click>' }, annotations: { summary: '*bold* `x`' }, startsAt: '2026-11-21T10:00:00Z' }],
    });
    expect(parsed).toMatchObject({ ok: true, alerts: [{ name: '<!here> deploy now', labels: { alertname: 'Other', note: '<https://evil|click>' }, annotations: { summary: '*bold* `x`' } }] });
  });
});
