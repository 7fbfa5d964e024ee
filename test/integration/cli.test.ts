import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { setSwitch } from '../../src/store/repos/kill-switch.ts';
import { createTestDatabase } from '../helpers/db.ts';
import { seedProposal } from '../helpers/seed-proposal.ts';
import { Config } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { PolicyLoadError, startBot } from '../../src/main.ts';

const root = path.resolve(import.meta.dirname, '../..');
const cli = path.join(root, 'bin/infra-agent.js');

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['--experimental-strip-types', cli, ...args], { cwd: root, env: { ...process.env, ...env } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}

describe('infra-agent command line', () => {
  it('policy check accepts the shipped policy', async () => {
    const r = await run(['policy', 'check', 'policies']);
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toMatch(/^policy OK: 7 file\(s\), 3 environment\(s\), 2 action\(s\), 4 rule\(s\)/);
  });

  it('policy check lists every error in every file as file:line:col and exits 1', async () => {
    const r = await run(['policy', 'check', 'test/fixtures/policies/many-errors']);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => /^test\/fixtures\/policies\/many-errors\/\w+\.yml:\d+:\d+: /.test(l));
    expect(lines.length).toBe(6);
    expect(r.stderr).toContain('6 error(s)');
  });

  it('unknown commands print usage and exit 2', async () => {
    const r = await run(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
    expect(r.stderr).toContain('usage: infra-agent');
  });

  it('serve refuses to start with bad configuration, naming every variable', async () => {
    const r = await run(['serve'], { SLACK_BOT_TOKEN: '', SLACK_SIGNING_SECRET: '', WEBHOOK_TOKEN: 'x', DATABASE_URL: 'postgres://127.0.0.1:1/none' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SLACK_BOT_TOKEN');
    expect(r.stderr).toContain('WEBHOOK_TOKEN');
    expect(r.stderr).toContain('SLACK_SIGNING_SECRET');
  });

  it('a bad policy stops boot before anything else starts', async () => {
    const config = Config.parse({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      WEBHOOK_TOKEN: 'a-long-enough-token',
      POLICY_PATH: path.join(root, 'test/fixtures/policies/many-errors'),
      DATABASE_URL: 'postgres://127.0.0.1:1/never-contacted',
    });
    const err = await startBot(config, createLogger('silent')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PolicyLoadError);
    expect((err as Error).message).toMatch(/many-errors\/a\.yml:4:14: environments\.prod\.channel/);
  });

  it('policy explain --live reads budget use, the cooldown and the kill switch from the database', async () => {
    const t = await createTestDatabase();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'explain-'));
    try {
      const alert = path.join(dir, 'alert.json');
      await writeFile(alert, JSON.stringify({ alertname: 'HighCPU', labels: { env: 'prod', autoscaling_group: 'web-frontend' } }));
      const id = await seedProposal(t.db, { target: 'web-frontend', params: { desiredCapacity: 5 } });
      const fiveMinutesAgo = new Date(Date.now() - 5 * 60_000);
      await t.db.insertInto('executions').values({ proposal_id: id, action: 'scale-asg', target: 'web-frontend', params: '{}', status: 'succeeded', started_at: fiveMinutesAgo }).execute();
      await t.db.transaction().execute((trx) => setSwitch(trx, { scope: 'action', name: 'scale-asg', paused: true, by: 'slack:U0CCC0003', reason: 'flapping', at: new Date() }));
      const args = ['policy', 'explain', 'test/fixtures/policies/e2e', '--alert', alert, '--params', '{"desiredCapacity": 6}', '--current', '{"desiredCapacity": 5}'];
      const offline = await run(args);
      expect(offline.stdout).toContain('assuming no executions and no pauses');
      expect(offline.stdout).toContain('decision     requirement one');
      const live = await run([...args, '--live'], { DATABASE_URL: t.url });
      expect(live.code).toBe(0);
      expect(live.stdout).toContain("budget, cooldown and kill switch read from the bot's database");
      expect(live.stdout).toContain('decision     refused');
      expect(live.stdout).toContain("action 'scale-asg' paused by slack:U0CCC0003");
      expect(live.stdout).toContain('budget 1 of 4 in 1h used');
    } finally {
      await rm(dir, { recursive: true, force: true });
      await t.drop();
    }
  });
});
