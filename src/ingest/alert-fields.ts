import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { NormalizedAlert } from '../domain/alert.ts';

// Wire pieces several sources share. Labels and annotations are untrusted text kept as data:
// bounded here, escaped where they are shown (Slack blocks), never interpreted.
export const LabelSet = z.record(z.string().max(1024), z.string().max(8192));

export const Timestamp = z.iso.datetime({ offset: true });

/** Alertmanager and Grafana send Go's zero time as endsAt while an alert fires. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

export function parseEndsAt(endsAt: string | undefined): Date | null {
  if (!endsAt || endsAt.startsWith('0001-01-01')) return null;
  const d = new Date(endsAt);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** A short stable identity for sources that do not name their alert series themselves. */
export function stableFingerprint(...parts: string[]): string {
  const hash = createHash('sha256');
  // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
  for (const part of parts) hash.update(`${part.length}:${part};`);
  return hash.digest('hex').slice(0, 16);
}

/** Labels in a canonical order, for fingerprints that must not depend on JSON key order. */
export function canonicalLabels(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** One alert in the Alertmanager wire shape (Grafana's webhook reuses it). */
export interface AlertmanagerShapedAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string | undefined;
}

/** The normalised form of an Alertmanager-shaped alert; the source says where its link and group key come from. */
export function fromAlertmanagerShape(source: string, a: AlertmanagerShapedAlert, extra: { link: string | null; groupKey: string }): NormalizedAlert {
  return {
    source,
    fingerprint: a.fingerprint,
    status: a.status,
    // The schemas of both sources require labels.alertname.
    name: a.labels.alertname!,
    severity: a.labels.severity ?? null,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: new Date(a.startsAt),
    endsAt: parseEndsAt(a.endsAt),
    ...extra,
  };
}
