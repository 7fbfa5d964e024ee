import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
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
    expect(r.stdout).toMatch(/^policy OK: 6 file\(s\), 3 environment\(s\), 1 action\(s\), 1 rule\(s\)/);
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
});
