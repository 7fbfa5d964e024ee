import { z } from 'zod';
import type { NormalizedAlert } from '../domain/alert.ts';
import { GO_ZERO_TIME, LabelSet, parseEndsAt } from './alert-fields.ts';
import { checkBearer } from './bearer.ts';
import type { AlertSource } from './source.ts';
import { zodMessage } from './zod-message.ts';

// Alertmanager webhook_config payload, version 4 (checked against a real 0.25 capture).
export const AlertmanagerAlert = z.object({
  status: z.enum(['firing', 'resolved']),
  labels: LabelSet.refine((l) => typeof l.alertname === 'string' && l.alertname.length > 0, { message: 'labels.alertname is required' }),
  annotations: LabelSet.default({}),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.string().default(GO_ZERO_TIME),
  generatorURL: z.string().max(4096).default(''),
  fingerprint: z.string().min(1).max(128),
});

export const AlertmanagerWebhook = z.object({
  version: z.literal('4', { message: 'unsupported webhook version (expected "4")' }),
  groupKey: z.string().min(1).max(4096),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string(),
  groupLabels: LabelSet,
  commonLabels: LabelSet,
  commonAnnotations: LabelSet,
  externalURL: z.string(),
  alerts: z.array(AlertmanagerAlert).min(1, 'at least one alert is required').max(5000),
});
export type AlertmanagerWebhook = z.infer<typeof AlertmanagerWebhook>;

export function normalizeAlertmanager(body: AlertmanagerWebhook): NormalizedAlert[] {
  return body.alerts.map((a) => ({
    source: 'alertmanager',
    fingerprint: a.fingerprint,
    status: a.status,
    name: a.labels.alertname!,
    severity: a.labels.severity ?? null,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: new Date(a.startsAt),
    endsAt: parseEndsAt(a.endsAt),
    link: a.generatorURL || null,
    groupKey: body.groupKey,
  }));
}

export function alertmanagerSource(webhookToken: string): AlertSource {
  return {
    name: 'alertmanager',
    authenticate: ({ headers }) => checkBearer(headers, webhookToken),
    parse(body) {
      const parsed = AlertmanagerWebhook.safeParse(body);
      if (!parsed.success) return { ok: false, reason: zodMessage(parsed.error) };
      return { ok: true, alerts: normalizeAlertmanager(parsed.data) };
    },
  };
}
