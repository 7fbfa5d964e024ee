import { z } from 'zod';
import type { NormalizedAlert } from '../domain/alert.ts';
import { fromAlertmanagerShape, GO_ZERO_TIME, LabelSet, Timestamp } from './alert-fields.ts';
import { checkTimestamp, headerValue, hmacSha256Hex, sameDigest } from './hmac.ts';
import type { AlertSource, AuthResult, WebhookRequest } from './source.ts';
import { parseWith } from './zod-message.ts';

// Grafana Alerting's webhook contact point, payload version "1": Alertmanager's shape plus
// orgId, title/state/message and per-alert Grafana URLs. Fields we do not use are not declared.
const Url = z.string().max(4096).default('');

export const GrafanaAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: LabelSet.refine((l) => typeof l.alertname === 'string' && l.alertname.length > 0, { message: 'labels.alertname is required' }),
  annotations: LabelSet.default({}),
  startsAt: Timestamp,
  endsAt: z.string().default(GO_ZERO_TIME),
  fingerprint: z.string().min(1).max(128),
  generatorURL: Url,
  panelURL: Url,
  dashboardURL: Url,
});

export const GrafanaWebhook = z.object({
  version: z.literal('1', { message: 'unsupported Grafana webhook version (expected "1")' }),
  orgId: z.number().int(),
  groupKey: z.string().min(1).max(4096),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().default(''),
  truncatedAlerts: z.number().int().min(0).default(0),
  alerts: z.array(GrafanaAlert).min(1, 'at least one alert is required').max(5000),
});
export type GrafanaWebhook = z.infer<typeof GrafanaWebhook>;

export interface GrafanaSettings {
  secret: string;
  /** Grafana's default is X-Grafana-Alerting-Signature; the contact point can name another. */
  signatureHeader: string;
  /** When set on the contact point, Grafana signs "<timestamp>:<body>" and sends the timestamp here. */
  timestampHeader?: string | undefined;
  now?: () => number;
}

export function normalizeGrafana(body: GrafanaWebhook): NormalizedAlert[] {
  return body.alerts.map((a) =>
    fromAlertmanagerShape('grafana', a, {
      // The panel shows the data behind the alert; the rule page is the fallback.
      link: a.panelURL || a.generatorURL || a.dashboardURL || null,
      // Grafana's group keys are per organisation's Alertmanager: keep two orgs apart.
      groupKey: `${body.orgId}/${body.groupKey}`,
    }),
  );
}

export function verifyGrafana(settings: GrafanaSettings, { headers, rawBody }: WebhookRequest): AuthResult {
  const signature = headerValue(headers, settings.signatureHeader)?.trim();
  if (!signature) return { ok: false, reason: `missing ${settings.signatureHeader} header (set the contact point's HMAC secret to GRAFANA_WEBHOOK_SECRET)` };
  let expected: string;
  if (settings.timestampHeader) {
    const timestamp = headerValue(headers, settings.timestampHeader)?.trim();
    const fresh = checkTimestamp(timestamp, settings.timestampHeader, (settings.now ?? Date.now)());
    if (!fresh.ok) return fresh;
    expected = hmacSha256Hex(settings.secret, `${timestamp}:`, rawBody);
  } else {
    expected = hmacSha256Hex(settings.secret, rawBody);
  }
  if (!sameDigest(signature, expected)) {
    const over = settings.timestampHeader ? `"<${settings.timestampHeader}>:<body>"` : 'the raw body';
    return { ok: false, reason: `${settings.signatureHeader} does not match the HMAC-SHA256 of ${over} with GRAFANA_WEBHOOK_SECRET` };
  }
  return { ok: true };
}

export function grafanaSource(settings: GrafanaSettings): AlertSource {
  return {
    name: 'grafana',
    authenticate: (request) => verifyGrafana(settings, request),
    parse: parseWith(GrafanaWebhook, normalizeGrafana),
  };
}
