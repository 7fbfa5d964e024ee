import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.ts';
import { findProgram, missingPeer, startProcess, stopProcess, waitForHttp } from './processes.ts';

export interface Alertmanager {
  url: string;
  fire(labels: Record<string, string>, annotations?: Record<string, string>): Promise<void>;
  resolve(labels: Record<string, string>): Promise<void>;
  stop(): Promise<void>;
}

const INSTALL_HINT = 'prometheus-alertmanager not found (apt-get install -y prometheus-alertmanager)';

// Same delivery settings as the captured reference config: group_wait/interval 1s, bearer auth.
function configYaml(webhookUrl: string, token: string): string {
  return `global:
  resolve_timeout: 1m
route:
  receiver: infra-agent
  group_by: ['alertname', 'autoscaling_group']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: infra-agent
    webhook_configs:
      - url: "${webhookUrl}"
        send_resolved: true
        max_alerts: 0
        http_config:
          authorization:
            type: Bearer
            credentials: ${token}
`;
}

export async function startAlertmanager(webhookUrl: string, token: string): Promise<Alertmanager | { skip: string }> {
  const bin = findProgram('prometheus-alertmanager', ['/usr/bin/prometheus-alertmanager']) ?? findProgram('alertmanager');
  if (!bin) return missingPeer(INSTALL_HINT);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'am-'));
  await writeFile(path.join(dir, 'alertmanager.yml'), configYaml(webhookUrl, token));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = startProcess(bin, [
    `--config.file=${path.join(dir, 'alertmanager.yml')}`,
    `--storage.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // Empty: no gossip port bound on 0.0.0.0 and no waiting for peers.
    '--cluster.listen-address=',
  ]);
  await waitForHttp(`${url}/-/ready`);
  const post = async (alerts: unknown[]) => {
    const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
    if (!res.ok) throw new Error(`alertmanager refused alerts: ${res.status} ${await res.text()}`);
  };
  return {
    url,
    fire: (labels, annotations = {}) => post([{ labels, annotations, startsAt: new Date().toISOString(), generatorURL: 'http://prometheus.local/graph' }]),
    resolve: (labels) => post([{ labels, endsAt: new Date(Date.now() - 1000).toISOString() }]),
    async stop() {
      await stopProcess(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
