// The alert file `policy explain` reads: what Alertmanager POSTs (its first alert is used), or a
// plain `{ alertname, labels, annotations }` written by hand. Both are checked with zod before use.
import { readFile, stat } from 'node:fs/promises';
import { z } from 'zod';
import { AlertmanagerWebhook } from '../ingest/alertmanager.ts';
import { zodMessage } from '../ingest/zod-message.ts';

const Labels = z.record(z.string(), z.string());
export const PlainAlert = z.strictObject({
  alertname: z.string().min(1),
  labels: Labels.default({}),
  annotations: Labels.default({}),
});

export interface AlertFileAlert {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** How the file was read, for the reader: `Alertmanager webhook, alert 1 of 2`. */
  origin: string;
}

const MAX_BYTES = 5 * 1024 * 1024;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function readAlertFile(path: string): Promise<{ ok: true; alert: AlertFileAlert } | { ok: false; error: string }> {
  let text: string;
  try {
    if ((await stat(path)).size > MAX_BYTES) return { ok: false, error: `${path}: larger than ${MAX_BYTES} bytes; is this an alert?` };
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, error: `${path}: cannot read the alert file (${err instanceof Error && 'code' in err ? String(err.code) : String(err)})` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `${path}: not valid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  return parseAlert(path, data);
}

export function parseAlert(path: string, data: unknown): { ok: true; alert: AlertFileAlert } | { ok: false; error: string } {
  if (isRecord(data) && 'alerts' in data) {
    const hook = AlertmanagerWebhook.safeParse(data);
    if (!hook.success) return { ok: false, error: `${path}: not a valid Alertmanager webhook payload: ${zodMessage(hook.error)}` };
    const first = hook.data.alerts[0]!;
    const name = first.labels.alertname!;
    return { ok: true, alert: { name, labels: first.labels, annotations: first.annotations, origin: `Alertmanager webhook, alert 1 of ${hook.data.alerts.length}` } };
  }
  if (isRecord(data) && 'alertname' in data) {
    const plain = PlainAlert.safeParse(data);
    if (!plain.success) return { ok: false, error: `${path}: not a valid alert: ${zodMessage(plain.error)}` };
    const { alertname, labels, annotations } = plain.data;
    // Alertmanager always carries the name as a label too; environments may match on it.
    return { ok: true, alert: { name: alertname, labels: { ...labels, alertname }, annotations, origin: 'plain alert' } };
  }
  return {
    ok: false,
    error: `${path}: expected an Alertmanager webhook payload (an object with "alerts") or a plain alert { "alertname": …, "labels": {…}, "annotations": {…} }`,
  };
}
