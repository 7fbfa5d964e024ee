// One normalized alert, whatever source it came from. Sources own their wire schemas
// (src/ingest/*); everything downstream speaks only this shape.
export type AlertStatus = 'firing' | 'resolved';

export interface NormalizedAlert {
  source: string;
  /** Stable identity of the alert series at the source (Alertmanager's fingerprint). */
  fingerprint: string;
  status: AlertStatus;
  name: string;
  severity: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: Date;
  endsAt: Date | null;
  link: string | null;
  /** Alerts sharing a group key belong to one incident (one Slack thread). */
  groupKey: string;
}
