// A tiny HTTP proxy in front of moto that fails chosen AWS Query-protocol actions (Auto Scaling,
// CloudWatch) the way AWS does: a 500 InternalFailure or a 400 Throttling, with the XML error body
// the SDK parses. Everything else is forwarded to moto unchanged. Counts the calls per action, so a
// test can prove that retries are bounded.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'internal' | 'throttling';

export interface FaultProxy {
  url: string;
  /** Fail this action from now on (or stop failing it, with null). */
  fail(action: string, fault: Fault | null): void;
  /** How many requests for this action reached the proxy (failed or forwarded). */
  calls(action: string): number;
  close(): Promise<void>;
}

const errorBody = (code: string, message: string, type: 'Sender' | 'Receiver') =>
  `<ErrorResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`;

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const faults = new Map<string, Fault>();
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? '';
      counts.set(action, (counts.get(action) ?? 0) + 1);
      const fault = faults.get(action);
      if (fault === 'internal') {
        res.writeHead(500, { 'content-type': 'text/xml' });
        return res.end(errorBody('InternalFailure', 'We encountered an internal error. Please try again.', 'Receiver'));
      }
      if (fault === 'throttling') {
        res.writeHead(400, { 'content-type': 'text/xml' });
        return res.end(errorBody('Throttling', 'Rate exceeded', 'Sender'));
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host' && k !== 'content-length') headers[k] = v;
      fetch(`${upstream}${req.url ?? '/'}`, { method: req.method ?? 'POST', headers, ...(body.length ? { body } : {}) })
        .then(async (up) => {
          const text = Buffer.from(await up.arrayBuffer());
          res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'text/xml' });
          res.end(text);
        })
        .catch((err: unknown) => {
          res.writeHead(502);
          res.end(String(err));
        });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fail: (action, fault) => (fault ? faults.set(action, fault) : faults.delete(action)),
    calls: (action) => counts.get(action) ?? 0,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
