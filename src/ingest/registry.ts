import { alertmanagerSource } from './alertmanager.ts';
import type { AlertSource } from './source.ts';

export interface SourceSecrets {
  webhookToken: string;
}

// Every accepted source is listed here; `/webhooks/:source` for anything else is a 404.
export function createSourceRegistry(secrets: SourceSecrets): Map<string, AlertSource> {
  const sources = [alertmanagerSource(secrets.webhookToken)];
  return new Map(sources.map((s) => [s.name, s]));
}
