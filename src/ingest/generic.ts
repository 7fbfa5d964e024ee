import { z } from 'zod';
import type { NormalizedAlert } from '../domain/alert.ts';
import { canonicalLabels, LabelSet, stableFingerprint, Timestamp } from './alert-fields.ts';
import { checkTimestamp, headerValue, hmacSha256Hex, sameDigest } from './hmac.ts';
import type { AlertSource, AuthResult, WebhookRequest } from './source.ts';
import { parseWith } from './zod-message.ts';

// The generic webhook: our own small schema for senders without a native integration.
// Strict objects, so a typo ("label", "starts_at") is reported instead of silently dropped.
export const TIMESTAMP_HEADER = 'X-Infra-Agent-Timestamp';
export const SIGNATURE_HEADER = 'X-Infra-Agent-Signature';

export const GenericAlert = z.strictObject({
  name: z.string().min(1).max(256),
  status: z.enum(['firing', 'resolved']),
  /** Identity of the alert series; default: a hash of name and labels. */
  fingerprint: z.string().min(1).max(128).optional(),
  severity: z.string().min(1).max(64).optional(),
  labels: LabelSet.default({}),
  annotations: LabelSet.default({}),
  startsAt: Timestamp,
  endsAt: Timestamp.optional(),
  link: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(4096).optional(),
});

export const GenericWebhook = z.strictObject({
  /** Alerts sharing a group key form one incident; default: the alert's name. */
  groupKey: z.string().min(1).max(1024).optional(),
  alerts: z.array(GenericAlert).min(1, 'at least one alert is required').max(5000),
});
export type GenericWebhook = z.infer<typeof GenericWebhook>;

export interface GenericSettings {
  secret: string;
  now?: () => number;
}

export function normalizeGeneric(body: GenericWebhook): NormalizedAlert[] {
  return body.alerts.map((a) => {
    // Rules and environments match on labels.alertname as they do for Alertmanager alerts.
    const labels = Object.hasOwn(a.labels, 'alertname') ? a.labels : { ...a.labels, alertname: a.name };
    return {
      source: 'generic',
      fingerprint: a.fingerprint ?? stableFingerprint(a.name, canonicalLabels(a.labels)),
      status: a.status,
      name: a.name,
      severity: a.severity ?? a.labels.severity ?? null,
      labels,
      annotations: a.annotations,
      startsAt: new Date(a.startsAt),
      endsAt: a.endsAt ? new Date(a.endsAt) : null,
      link: a.link ?? null,
      groupKey: body.groupKey ?? a.name,
    };
  });
}

/** `v1=<hex>`, possibly several comma-separated (a sender rotating its secret signs with both). */
function signatures(header: string): string[] {
  return header
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1='))
    .map((s) => s.slice(3));
}

export function verifyGeneric(settings: GenericSettings, { headers, rawBody }: WebhookRequest): AuthResult {
  const timestamp = headerValue(headers, TIMESTAMP_HEADER)?.trim();
  const fresh = checkTimestamp(timestamp, TIMESTAMP_HEADER, (settings.now ?? Date.now)());
  if (!fresh.ok) return fresh;
  const header = headerValue(headers, SIGNATURE_HEADER);
  if (!header) return { ok: false, reason: `missing ${SIGNATURE_HEADER} header (v1=<hex HMAC-SHA256(GENERIC_WEBHOOK_SECRET, "<timestamp>.<body>")>)` };
  const given = signatures(header);
  if (given.length === 0) return { ok: false, reason: `${SIGNATURE_HEADER} has no v1=<hex> signature` };
  const expected = hmacSha256Hex(settings.secret, `${timestamp}.`, rawBody);
  // Compare every candidate, so the time taken does not tell which one matched.
  const matched = given.map((g) => sameDigest(g, expected)).includes(true);
  if (!matched) return { ok: false, reason: `${SIGNATURE_HEADER} does not match the HMAC-SHA256 of "<${TIMESTAMP_HEADER}>.<body>" with GENERIC_WEBHOOK_SECRET` };
  return { ok: true };
}

export function genericSource(settings: GenericSettings): AlertSource {
  return {
    name: 'generic',
    authenticate: (request) => verifyGeneric(settings, request),
    parse: parseWith(GenericWebhook, normalizeGeneric),
  };
}
