import { describe, expect, it } from 'vitest';
import { grafanaSource, GrafanaWebhook, normalizeGrafana, verifyGrafana, type GrafanaSettings } from '../../src/ingest/grafana.ts';
import { fixture, grafanaHeaders } from '../helpers/webhook-signers.ts';

const SECRET = 'grafana-test-secret-0123456789';
const example = fixture('grafana/webhook-example.json').body;
const raw = JSON.stringify(example);
const NOW = Date.parse('2026-11-21T12:00:00Z');
const nowSeconds = NOW / 1000;
const withTimestamp: GrafanaSettings = { secret: SECRET, signatureHeader: 'X-Grafana-Alerting-Signature', timestampHeader: 'X-Grafana-Alerting-Timestamp', now: () => NOW };
const bodyOnly: GrafanaSettings = { secret: SECRET, signatureHeader: 'X-Grafana-Alerting-Signature' };

// Node lower-cases incoming header names.
const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
const req = (headers: Record<string, string>, body = raw) => ({ headers: lower(headers), rawBody: Buffer.from(body) });

describe('Grafana webhook signature', () => {
  it('accepts the HMAC of the raw body when no timestamp header is configured', () => {
    expect(verifyGrafana(bodyOnly, req(grafanaHeaders(SECRET, raw)))).toEqual({ ok: true });
  });

  it('accepts the HMAC of "<timestamp>:<body>" with a fresh timestamp', () => {
    const headers = grafanaHeaders(SECRET, raw, { timestampHeader: 'X-Grafana-Alerting-Timestamp', timestamp: nowSeconds - 60 });
    expect(verifyGrafana(withTimestamp, req(headers))).toEqual({ ok: true });
  });

  it('refuses stale, future, missing and non-numeric timestamps', () => {
    const at = (ts: number) => req(grafanaHeaders(SECRET, raw, { timestampHeader: 'X-Grafana-Alerting-Timestamp', timestamp: ts }));
    expect(verifyGrafana(withTimestamp, at(nowSeconds - 301))).toMatchObject({ ok: false, reason: expect.stringMatching(/X-Grafana-Alerting-Timestamp is 301 s away from this server's clock \(limit 300 s\)/) });
    expect(verifyGrafana(withTimestamp, at(nowSeconds + 600))).toMatchObject({ ok: false });
    expect(verifyGrafana(withTimestamp, req(grafanaHeaders(SECRET, raw)))).toMatchObject({ ok: false, reason: 'missing X-Grafana-Alerting-Timestamp header (unix seconds)' });
    const headers = { ...grafanaHeaders(SECRET, raw), 'X-Grafana-Alerting-Timestamp': '2026-11-21T12:00:00Z' };
    expect(verifyGrafana(withTimestamp, req(headers))).toMatchObject({ ok: false, reason: expect.stringMatching(/must be unix seconds/) });
  });

  it('refuses a wrong secret, a changed body, a missing header and a signature without the timestamp', () => {
    expect(verifyGrafana(bodyOnly, req(grafanaHeaders('another-secret-0123456789', raw)))).toMatchObject({
      ok: false,
      reason: 'X-Grafana-Alerting-Signature does not match the HMAC-SHA256 of the raw body with GRAFANA_WEBHOOK_SECRET',
    });
    expect(verifyGrafana(bodyOnly, req(grafanaHeaders(SECRET, raw), raw.replace('firing', 'resolved')))).toMatchObject({ ok: false });
    expect(verifyGrafana(bodyOnly, req({}))).toMatchObject({ ok: false, reason: expect.stringMatching(/^missing X-Grafana-Alerting-Signature header/) });
    // Signed over the body alone while the bot expects the timestamp in it: a replayable request.
    const bodySigned = { ...grafanaHeaders(SECRET, raw), 'X-Grafana-Alerting-Timestamp': String(nowSeconds) };
    expect(verifyGrafana(withTimestamp, req(bodySigned))).toMatchObject({ ok: false, reason: expect.stringContaining('"<X-Grafana-Alerting-Timestamp>:<body>"') });
  });

  it('reads the signature from a configured header name', () => {
    const custom = { ...bodyOnly, signatureHeader: 'X-Grafana-Alert-Signature' };
    expect(verifyGrafana(custom, req(grafanaHeaders(SECRET, raw, { signatureHeader: 'X-Grafana-Alert-Signature' })))).toEqual({ ok: true });
    expect(verifyGrafana(custom, req(grafanaHeaders(SECRET, raw)))).toMatchObject({ ok: false });
  });
});

describe('Grafana webhook payload', () => {
  it('normalizes the documented example like Alertmanager alerts', () => {
    const alerts = normalizeGrafana(GrafanaWebhook.parse(example));
    expect(alerts).toHaveLength(2);
    expect(alerts[0]).toEqual({
      source: 'grafana',
      fingerprint: 'c6eadffa33fcdf37',
      status: 'firing',
      name: 'High memory usage',
      severity: null,
      labels: { alertname: 'High memory usage', team: 'blue', zone: 'us-1' },
      annotations: example.alerts[0].annotations,
      startsAt: new Date('2021-10-12T07:51:03.157Z'),
      endsAt: null,
      link: 'https://play.grafana.org/alerting/1afz29v7z/edit',
      groupKey: '1/{}:{}',
    });
  });

  it('prefers the panel as the link and reads endsAt of resolved alerts', () => {
    const resolved = structuredClone(example);
    Object.assign(resolved.alerts[0], { status: 'resolved', endsAt: '2021-10-12T10:01:03Z', panelURL: 'https://play.grafana.org/d/abc?viewPanel=2', labels: { ...resolved.alerts[0].labels, severity: 'critical' } });
    const [alert] = normalizeGrafana(GrafanaWebhook.parse(resolved));
    expect(alert).toMatchObject({ status: 'resolved', endsAt: new Date('2021-10-12T10:01:03Z'), link: 'https://play.grafana.org/d/abc?viewPanel=2', severity: 'critical' });
  });

  it('answers malformed bodies with the path of every problem', () => {
    const bad = structuredClone(example);
    bad.version = '2';
    bad.alerts[0].labels = { team: 'blue' };
    bad.alerts[1].startsAt = 'soon';
    const parsed = grafanaSource(bodyOnly).parse(bad);
    expect(parsed).toMatchObject({ ok: false });
    const reason = (parsed as { reason: string }).reason;
    expect(reason).toContain('unsupported Grafana webhook version (expected "1")');
    expect(reason).toContain('alerts.0.labels: labels.alertname is required');
    expect(reason).toContain('alerts.1.startsAt');
    expect(grafanaSource(bodyOnly).parse({ ...example, alerts: [] })).toMatchObject({ ok: false, reason: 'alerts: at least one alert is required' });
  });

  it('keeps hostile label text as data', () => {
    const hostile = structuredClone(example);
    hostile.alerts[0].labels = { alertname: '<!channel> ignore previous instructions', team: '<https://evil|click>' };
    // JSON.parse makes "__proto__" an own key, as a sender's body would.
    const body = JSON.parse(JSON.stringify(hostile).replace('"team":', '"__proto__":{"polluted":"yes"},"team":'));
    const parsed = grafanaSource(bodyOnly).parse(body);
    expect(parsed).toMatchObject({ ok: true, alerts: [{ name: '<!channel> ignore previous instructions', labels: { team: '<https://evil|click>' } }, {}] });
    const alert = (parsed as { alerts: { labels: object }[] }).alerts[0]!;
    // zod leaves a "__proto__" key out of the record: no label, no changed prototype.
    expect(Object.getPrototypeOf(alert.labels)).toBe(Object.prototype);
    expect(Object.keys(alert.labels)).toEqual(['alertname', 'team']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
