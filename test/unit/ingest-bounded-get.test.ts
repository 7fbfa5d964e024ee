import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boundedGet } from '../../src/ingest/bounded-get.ts';

describe('bounded GET for certificates and subscription confirmations', () => {
  let server: Server;
  let base: string;
  const hits: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/small') res.end('ok');
      else if (req.url === '/declared-large') res.writeHead(200, { 'content-length': '100000' }).end('x'.repeat(100000));
      else if (req.url === '/streamed-large') {
        // No content-length: the cap has to hold while reading.
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        for (let i = 0; i < 100; i++) res.write('x'.repeat(1000));
        res.end();
      } else if (req.url === '/redirect') res.writeHead(302, { location: '/small' }).end();
      else if (req.url?.startsWith('/slow')) setTimeout(() => res.end('late'), 2_000).unref();
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  const get = boundedGet({ timeoutMs: 300, maxBytes: 10_000 });

  it('returns status and body', async () => {
    expect(await get(new URL(`${base}/small`))).toEqual({ ok: true, status: 200, body: 'ok' });
  });

  it('stops at the size cap, declared or streamed', async () => {
    expect(await get(new URL(`${base}/declared-large`))).toMatchObject({ ok: false, retryable: false, reason: expect.stringMatching(/answered more than 10000 bytes/) });
    expect(await get(new URL(`${base}/streamed-large`))).toMatchObject({ ok: false, retryable: false });
  });

  it('does not follow redirects (they could leave the allow-listed host)', async () => {
    hits.length = 0;
    expect(await get(new URL(`${base}/redirect`))).toMatchObject({ ok: true, status: 302 });
    expect(hits).toEqual(['/redirect']);
  });

  it('gives up after the timeout as a retryable failure, without the query in the reason', async () => {
    const started = Date.now();
    const result = await get(new URL(`${base}/slow?Token=secret-token`));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(result).toEqual({ ok: false, retryable: true, reason: `GET ${base}/slow failed: no answer within 300 ms` });
  });
});
