import { X509Certificate, type KeyObject } from 'node:crypto';
import type { HttpGet } from './bounded-get.ts';

// Which URLs in an SNS message the bot may fetch, and the signing certificates behind them.
// The trust anchor is TLS to an SNS host: a certificate fetched over verified HTTPS from
// sns.<region>.amazonaws.com(.cn) is Amazon's. Anything else is refused before any request is
// made, unless an operator listed its exact origin (tests serve their own certificate over http).
const AWS_SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

export function checkSnsUrl(raw: string, field: string, extraOrigins: readonly string[]): UrlCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `${field} is not a URL` };
  }
  const onAws = url.protocol === 'https:' && url.port === '' && AWS_SNS_HOST.test(url.hostname);
  if (url.username || url.password || !(onAws || extraOrigins.includes(url.origin))) {
    const extra = extraOrigins.length ? ` or ${extraOrigins.join(', ')} (SNS_EXTRA_TRUSTED_ORIGINS)` : '';
    return { ok: false, reason: `${field} ${url.origin} is not an SNS host (expected https://sns.<region>.amazonaws.com or .amazonaws.com.cn${extra})` };
  }
  return { ok: true, url };
}

export type KeyResult = { ok: true; key: KeyObject } | { ok: false; reason: string; retryable: boolean };

export interface CertificateStore {
  publicKey(certUrl: string): Promise<KeyResult>;
}

type Fetched = { ok: true; cert: X509Certificate } | { ok: false; reason: string; retryable: boolean };

const MAX_CACHED = 100;

export function createCertificateStore(opts: { extraOrigins: readonly string[]; get: HttpGet; now: () => number }): CertificateStore {
  // SNS signs with a handful of certificates: cache by URL (in-flight fetches too, so a burst
  // fetches once). Failures are not cached: the next delivery tries again.
  const cache = new Map<string, Promise<Fetched>>();

  async function fetchCertificate(url: URL): Promise<Fetched> {
    const res = await opts.get(url);
    if (!res.ok) return res;
    if (res.status !== 200) return { ok: false, reason: `GET ${url.href} answered HTTP ${res.status}`, retryable: res.status >= 500 };
    try {
      return { ok: true, cert: new X509Certificate(res.body) };
    } catch {
      return { ok: false, reason: `${url.href} is not a PEM certificate`, retryable: false };
    }
  }

  return {
    async publicKey(certUrl) {
      const checked = checkSnsUrl(certUrl, 'SigningCertURL', opts.extraOrigins);
      if (!checked.ok) return { ...checked, retryable: false };
      if (!checked.url.pathname.endsWith('.pem')) return { ok: false, reason: 'SigningCertURL does not name a .pem certificate', retryable: false };
      const key = checked.url.href;
      let pending = cache.get(key);
      if (!pending) {
        if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
        pending = fetchCertificate(checked.url);
        cache.set(key, pending);
      }
      const fetched = await pending;
      if (!fetched.ok) {
        if (cache.get(key) === pending) cache.delete(key);
        return fetched;
      }
      // Checked at every use: a cached certificate can expire while the process runs.
      const now = opts.now();
      if (now < fetched.cert.validFromDate.getTime() || now > fetched.cert.validToDate.getTime()) {
        return { ok: false, reason: `the certificate at ${key} is not valid now (valid ${fetched.cert.validFrom} – ${fetched.cert.validTo})`, retryable: false };
      }
      return { ok: true, key: fetched.cert.publicKey };
    },
  };
}
