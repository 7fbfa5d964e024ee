// An in-repo fake of the Slack Web API for integration tests: the real WebClient / Bolt app talk to
// it over HTTP exactly as they would to slack.com (form bodies, JSON-string blocks, bearer token),
// and it refuses what Slack refuses (bad token, broken Block Kit, updating a missing message).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateBlocks } from '../../blocks/limits.ts';
import { fakeFiles, type FakeFile } from './fake-slack-files.ts';
import { channelLimiter, handleMethod, RATE_LIMITED_METHODS, type FakeState, type PublishedView, type StoredView } from './fake-slack-methods.ts';

export { FAKE_IDS } from './fake-slack-methods.ts';

export interface FakeSlackCall { method: string; body: Record<string, unknown>; token: string | null; at: number; /** HTTP status answered, and Slack's `ok` (set once answered). */ status?: number; ok?: boolean }

export interface FakeSlack {
  /** e.g. http://127.0.0.1:PORT/api/ — pass as clientOptions.slackApiUrl. */
  url: string;
  /** A URL on this server that records POSTs (for response_url / respond()). */
  responseUrl(id: string): string;
  /** Every Web API call in order, failed ones included. */
  calls: FakeSlackCall[];
  /** POSTs received on responseUrl(). */
  responses: { id: string; body: unknown }[];
  callsTo(method: string): FakeSlackCall[];
  waitFor(method: string, predicate?: (c: FakeSlackCall) => boolean, timeoutMs?: number): Promise<FakeSlackCall>;
  /** The next call to `method` answers { ok: false, error }; 'ratelimited' answers HTTP 429 like Slack. */
  failNext(method: string, error: string): void;
  /** Sets the members `usergroups.users.list` answers for a user group id. */
  setUsergroup(id: string, users: string[]): void;
  /** Views opened with views.open, in order; views.update replaces `view` in place. */
  views: StoredView[];
  /** Home tabs published with views.publish, by user id (the latest wins). */
  homeViews: Map<string, PublishedView>;
  /** The message as currently stored (after updates), or undefined. */
  message(channel: string, ts: string): { text?: unknown; blocks?: unknown; thread_ts?: unknown } | undefined;
  /** Files announced with files.getUploadURLExternal, with the bytes uploaded and how they were shared. */
  files: Map<string, FakeFile>;
  /** Calls answered HTTP 429 `ratelimited` (by the channel limit or failNext). */
  rateLimited: FakeSlackCall[];
  /** chat.postMessage / chat.update calls to `channel` that Slack accepted (ok: true), in order. */
  writesTo(channel: string): FakeSlackCall[];
  /** The most accepted writes to `channel` that fall within any `windowMs` (default 1000 ms). */
  maxWritesPerWindow(channel: string, windowMs?: number): number;
  close(): Promise<void>;
}

// Fields web-api JSON-stringifies inside a form body (it stringifies any object or array).
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata', 'view', 'unfurls', 'user_auth_blocks', 'files']);

export interface FakeSlackOptions {
  botToken?: string;
  /**
   * Refuse chat.postMessage / chat.update to a channel (a DM counts as its channel) sooner than
   * this many ms after the last accepted one, with HTTP 429 `ratelimited` and Retry-After, as
   * Slack does past about one message per second per channel. Off by default.
   */
  channelIntervalMs?: number;
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const expectedToken = opts.botToken ?? 'xoxb-test';
  const limiter = opts.channelIntervalMs ? channelLimiter(opts.channelIntervalMs) : null;
  const rateLimited: FakeSlackCall[] = [];
  const calls: FakeSlackCall[] = [];
  const responses: { id: string; body: unknown }[] = [];
  const failures = new Map<string, string[]>();
  const waiters = new Set<() => void>();
  const state: FakeState = { messages: new Map(), nextTs: 1, usergroups: new Map(), views: [], homeViews: new Map() };

  // Needs the server's address for its upload URLs: set once listening, before any request.
  let files = fakeFiles(() => '');

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => send(res, 500, { ok: false, error: 'fake_internal', detail: String(err) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const bytes = await readBody(req);
    const raw = bytes.toString('utf8');
    if (req.method !== 'POST') return send(res, 405, { ok: false, error: 'method_not_allowed' });

    if (path.startsWith('/upload/')) {
      const stored = await files.receive(decodeURIComponent(path.slice('/upload/'.length)), req.headers['content-type'], bytes);
      notify();
      // Slack's upload endpoint answers plain text, not JSON.
      res.writeHead(stored ? 200 : 404, { 'content-type': 'text/plain' });
      return void res.end(stored ? `OK - ${bytes.length}` : 'not found');
    }

    if (path.startsWith('/response/')) {
      const body = parseBody(raw, req.headers['content-type']);
      responses.push({ id: decodeURIComponent(path.slice('/response/'.length)), body });
      notify();
      // respond() throws on a non-2xx, so broken blocks surface in the test instead of vanishing.
      const errors = Array.isArray(body['blocks']) ? validateBlocks(body['blocks']) : [];
      return errors.length ? send(res, 400, { ok: false, error: 'invalid_blocks', errors }) : send(res, 200, { ok: true });
    }
    if (!path.startsWith('/api/')) return send(res, 404, { ok: false, error: 'not_found' });

    const method = path.slice('/api/'.length);
    const body = parseBody(raw, req.headers['content-type']);
    const token = bearer(req.headers['authorization']) ?? (typeof body['token'] === 'string' ? body['token'] : null);
    const call: FakeSlackCall = { method, body, token, at: Date.now() };
    calls.push(call);
    notify();
    const answer = (status: number, json: Record<string, unknown>): void => {
      call.status = status;
      if (status === 429) rateLimited.push(call);
      send(res, status, json);
    };

    const failure = failures.get(method)?.shift();
    const retryAfter = failure === 'ratelimited' ? 1 : limiter?.check(method, body, call.at) ?? null;
    if (retryAfter !== null) {
      res.setHeader('retry-after', String(retryAfter));
      return answer(429, { ok: false, error: 'ratelimited' });
    }
    if (failure !== undefined) return answer(200, { ok: false, error: failure });
    // Slack itself says not_authed when no token is sent; this fake keeps one code for both cases.
    if (token !== expectedToken) return answer(200, { ok: false, error: 'invalid_auth' });
    const result = method.startsWith('files.') ? files.handle(method, body, (channel, ts) => state.messages.has(`${channel}/${ts}`)) : handleMethod(method, body, state);
    call.ok = result.ok;
    return answer(200, result);
  }

  function notify(): void {
    for (const wake of [...waiters]) wake();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  files = fakeFiles((id) => `${base}/upload/${encodeURIComponent(id)}`);

  const callsTo = (method: string): FakeSlackCall[] => calls.filter((c) => c.method === method);
  const writesTo = (channel: string): FakeSlackCall[] => calls.filter((c) => RATE_LIMITED_METHODS.has(c.method) && c.body['channel'] === channel && c.ok === true);

  return {
    url: `${base}/api/`,
    responseUrl: (id) => `${base}/response/${encodeURIComponent(id)}`,
    calls,
    responses,
    callsTo,
    waitFor(method, predicate = () => true, timeoutMs = 5000) {
      return new Promise<FakeSlackCall>((resolve, reject) => {
        const check = (): boolean => {
          const found = callsTo(method).find(predicate);
          if (!found) return false;
          waiters.delete(wake);
          clearTimeout(timer);
          resolve(found);
          return true;
        };
        const wake = (): void => void check();
        const timer = setTimeout(() => {
          waiters.delete(wake);
          const seen = calls.map((c) => c.method).join(', ') || 'none';
          reject(new Error(`fake Slack: no matching ${method} call within ${timeoutMs} ms (calls seen: ${seen})`));
        }, timeoutMs);
        waiters.add(wake);
        check();
      });
    },
    failNext(method, error) {
      failures.set(method, [...(failures.get(method) ?? []), error]);
    },
    setUsergroup(id, users) {
      state.usergroups.set(id, [...users]);
    },
    views: state.views,
    get files() {
      return files.files;
    },
    homeViews: state.homeViews,
    message: (channel, ts) => state.messages.get(`${channel}/${ts}`),
    rateLimited,
    writesTo,
    maxWritesPerWindow(channel, windowMs = 1000) {
      const times = writesTo(channel).map((c) => c.at);
      let most = 0;
      for (let i = 0, j = 0; i < times.length; i++) {
        while (times[i]! - times[j]! >= windowMs) j++;
        most = Math.max(most, i - j + 1);
      }
      return most;
    },
    close() {
      // fetch keeps connections alive; without this close() waits for their idle timeout.
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.startsWith('application/json')) {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  }
  const body: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    body[key] = JSON_FIELDS.has(key) ? parseJsonField(value) : value;
  }
  return body;
}

function parseJsonField(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value; // left as a string: validation then reports it, as Slack would
  }
}

function bearer(header: string | undefined): string | null {
  const match = header?.match(/^Bearer\s+(\S+)$/i);
  return match?.[1] ?? null;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
