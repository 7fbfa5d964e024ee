// A real `infra-agent serve` in its own OS process, for tests of replicas and crashes: several of
// them share one database, and a test may SIGKILL one mid-flight. The process is configured only
// through its environment, exactly as a deployment would configure it, and logs JSON (pino) so a
// test can read what each process did; the log tail is kept for failure messages.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { BOT_TOKEN, SIGNING_SECRET, WEBHOOK_TOKEN } from './bot.ts';
import { waitForHttp } from './processes.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(ROOT, 'bin/infra-agent.js');
const KEEP_LINES = 2_000;

export interface ServeOptions {
  /** A short name for failure messages, e.g. 'A'. */
  name: string;
  databaseUrl: string;
  slackApiUrl: string;
  awsEndpoint: string;
  policyPath: string;
  /** How often the job workers poll; 60 keeps a process from picking up new jobs during a test. */
  pollSeconds?: number;
  /** Further settings, as a deployment would set them (e.g. DIGEST_CHECK_INTERVAL_SECONDS). */
  env?: Record<string, string>;
}

export interface LogRecord {
  msg?: string;
  level?: number;
  time?: number;
  [key: string]: unknown;
}

export interface ServeProcess {
  name: string;
  pid: number;
  baseUrl: string;
  /** Parsed log records, oldest first (the last KEEP_LINES). */
  records(): LogRecord[];
  /** Records whose msg is exactly `msg`. */
  logged(msg: string): LogRecord[];
  /** The last `lines` lines of stdout and stderr, for failure messages. */
  tail(lines?: number): string;
  /** True once the process has exited (by itself or by a signal). */
  exited(): boolean;
  /** SIGKILL by PID: a crash, with no chance to finish anything. Resolves once it is gone. */
  kill(): Promise<void>;
  /** SIGTERM by PID (graceful shutdown), SIGKILL after 10 s. Resolves once it is gone. */
  stop(): Promise<void>;
}

/** Starts `infra-agent serve` on a port it picks itself; resolves once /readyz answers. */
export async function startServe(o: ServeOptions, timeoutMs = 30_000): Promise<ServeProcess> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: o.databaseUrl,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: o.slackApiUrl,
    POLICY_PATH: o.policyPath,
    WEBHOOK_TOKEN,
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: o.awsEndpoint,
    // moto accepts any credentials; never let the process look for real ones.
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_EC2_METADATA_DISABLED: 'true',
    JOB_POLL_INTERVAL_SECONDS: String(o.pollSeconds ?? 0.5),
    LOG_LEVEL: 'info',
    ...o.env,
  };
  const child = spawn(process.execPath, ['--experimental-strip-types', '--no-warnings', CLI, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`bot ${o.name} did not start`);
  const pid = child.pid;
  const lines: string[] = [];
  const records: LogRecord[] = [];
  const keep = (stream: 'out' | 'err') => {
    let partial = '';
    return (chunk: Buffer) => {
      const parts = (partial + chunk.toString('utf8')).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(stream === 'err' ? `[stderr] ${line}` : line);
        if (lines.length > KEEP_LINES) lines.shift();
        try {
          records.push(JSON.parse(line) as LogRecord);
          if (records.length > KEEP_LINES) records.shift();
        } catch {
          // not a log record (a crash trace on stderr): kept in the tail only
        }
      }
    };
  };
  child.stdout?.on('data', keep('out'));
  child.stderr?.on('data', keep('err'));
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const isGone = () => child.exitCode !== null || child.signalCode !== null;
  // If the test runner dies without its afterAll, do not leave the bot running.
  const onExit = () => signal(pid, 'SIGKILL');
  process.once('exit', onExit);
  void gone.then(() => process.off('exit', onExit));

  const tail = (n = 60) => lines.slice(-n).join('\n');
  const proc: ServeProcess = {
    name: o.name,
    pid,
    baseUrl: '',
    records: () => [...records],
    logged: (msg) => records.filter((r) => r.msg === msg),
    tail,
    exited: isGone,
    async kill() {
      if (isGone()) return;
      signal(pid, 'SIGKILL');
      await gone;
    },
    async stop() {
      if (isGone()) return;
      signal(pid, 'SIGTERM');
      const timer = setTimeout(() => signal(pid, 'SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };

  try {
    const deadline = Date.now() + timeoutMs;
    let port: number | undefined;
    while (port === undefined) {
      if (isGone()) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before it started`);
      if (Date.now() > deadline) throw new Error(`did not start within ${timeoutMs} ms`);
      const started = records.find((r) => r.msg === 'infra-agent started');
      if (typeof started?.port === 'number') port = started.port;
      else await new Promise((r) => setTimeout(r, 50));
    }
    proc.baseUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(`${proc.baseUrl}/readyz`, Math.max(1_000, deadline - Date.now()));
    return proc;
  } catch (err) {
    await proc.kill();
    throw new Error(`bot ${o.name} (pid ${pid}): ${(err as Error).message}\n--- output ---\n${tail()}`);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone (ESRCH)
  }
}
