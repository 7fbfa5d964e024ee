import type { Config } from '../config.ts';
import { alertmanagerSource } from './alertmanager.ts';
import { genericSource, type GenericSettings } from './generic.ts';
import { grafanaSource, type GrafanaSettings } from './grafana.ts';
import { snsSource, type SnsSettings } from './sns.ts';
import type { AlertSource } from './source.ts';

export interface SourceSettings {
  webhookToken: string;
  sns?: SnsSettings | undefined;
  grafana?: GrafanaSettings | undefined;
  generic?: GenericSettings | undefined;
}

/**
 * Optional sources and the setting that enables each. Unconfigured, a source is not registered:
 * its endpoint answers 404 naming that setting. Not 503: a sender retries a 503 for as long as
 * nobody configures the bot, and a missing secret is not something a retry fixes.
 */
export const OPTIONAL_SOURCES: Readonly<Record<string, string>> = {
  sns: 'SNS_TOPIC_ARNS',
  grafana: 'GRAFANA_WEBHOOK_SECRET',
  generic: 'GENERIC_WEBHOOK_SECRET',
};

export function sourceSettingsFromConfig(config: Config): SourceSettings {
  return {
    webhookToken: config.WEBHOOK_TOKEN,
    sns: config.SNS_TOPIC_ARNS ? { topics: config.SNS_TOPIC_ARNS, extraOrigins: config.SNS_EXTRA_TRUSTED_ORIGINS ?? [] } : undefined,
    grafana: config.GRAFANA_WEBHOOK_SECRET
      ? { secret: config.GRAFANA_WEBHOOK_SECRET, signatureHeader: config.GRAFANA_WEBHOOK_SIGNATURE_HEADER, timestampHeader: config.GRAFANA_WEBHOOK_TIMESTAMP_HEADER }
      : undefined,
    generic: config.GENERIC_WEBHOOK_SECRET ? { secret: config.GENERIC_WEBHOOK_SECRET } : undefined,
  };
}

// Every accepted source is listed here; `/webhooks/:source` for anything else is a 404.
export function createSourceRegistry(settings: SourceSettings): Map<string, AlertSource> {
  const sources = [
    alertmanagerSource(settings.webhookToken),
    settings.sns && snsSource(settings.sns),
    settings.grafana && grafanaSource(settings.grafana),
    settings.generic && genericSource(settings.generic),
  ].filter((s): s is AlertSource => Boolean(s));
  return new Map(sources.map((s) => [s.name, s]));
}

/** The 404 text for a source name that is not registered. */
export function unknownSourceMessage(name: string, registered: Iterable<string>): string {
  const enabled = [...registered].join(', ');
  const setting = Object.hasOwn(OPTIONAL_SOURCES, name) ? OPTIONAL_SOURCES[name] : undefined;
  if (setting) return `alert source '${name}' is not enabled on this server (set ${setting}); enabled: ${enabled}`;
  return `unknown alert source '${name}' (known: ${enabled})`;
}
