// Outbound GETs made because of an inbound webhook (SNS signing certificates, subscription
// confirmations). A sender controls when they happen, so each one is bounded in time and size
// and never follows a redirect (a redirect could lead off the allow-listed host).

export type GetResult =
  | { ok: true; status: number; body: string }
  /** `retryable`: a network failure or timeout, worth the sender retrying later. */
  | { ok: false; reason: string; retryable: boolean };

export type HttpGet = (url: URL) => Promise<GetResult>;

export const DEFAULT_GET_TIMEOUT_MS = 5_000;
export const DEFAULT_GET_MAX_BYTES = 64 * 1024;

export function boundedGet(opts: { timeoutMs?: number; maxBytes?: number } = {}): HttpGet {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_GET_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? DEFAULT_GET_MAX_BYTES;
  return async (url) => {
    // Named without its query: a SubscribeURL carries the subscription token there.
    const where = `${url.origin}${url.pathname}`;
    const tooLarge = { ok: false as const, reason: `GET ${where} answered more than ${maxBytes} bytes`, retryable: false };
    try {
      // The timeout covers reading the body too: a slow trickle cannot hold the request open.
      const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
      if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
        await res.body?.cancel();
        return tooLarge;
      }
      const chunks: Uint8Array[] = [];
      let size = 0;
      for await (const chunk of res.body ?? []) {
        size += chunk.length;
        // Leaving the loop cancels the stream.
        if (size > maxBytes) return tooLarge;
        chunks.push(chunk);
      }
      return { ok: true, status: res.status, body: Buffer.concat(chunks).toString('utf8') };
    } catch (err) {
      const e = err as Error;
      const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause as Error | undefined)?.message ?? e.message;
      return { ok: false, reason: `GET ${where} failed: ${why}`, retryable: true };
    }
  };
}
