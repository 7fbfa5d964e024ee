import { z } from 'zod';
import type { NormalizedAlert } from '../domain/alert.ts';
import { fromAlertmanagerShape, GO_ZERO_TIME, LabelSet } from './alert-fields.ts';
import { checkBearer } from './bearer.ts';
import type { AlertSource } from './source.ts';
import { parseWith } from './zod-message.ts';

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
  return body.alerts.map((a) => fromAlertmanagerShape('alertmanager', a, { link: a.generatorURL || null, groupKey: body.groupKey }));
}

export function alertmanagerSource(webhookToken: string): AlertSource {
  return {
    name: 'alertmanager',
    authenticate: ({ headers }) => checkBearer(headers, webhookToken),
    parse: parseWith(AlertmanagerWebhook, normalizeAlertmanager),
  };
}
