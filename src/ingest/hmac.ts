import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthResult } from './source.ts';

// Shared by the HMAC-signed sources (Grafana, generic). Signed timestamps bound how long a
// captured request can be replayed; 5 minutes tolerates clock skew and a sender's retries.
export const MAX_SIGNATURE_AGE_SECONDS = 300;

export function hmacSha256Hex(secret: string, ...parts: (string | Buffer)[]): string {
  const mac = createHmac('sha256', secret);
  for (const part of parts) mac.update(part);
  return mac.digest('hex');
}

/** Constant-time comparison of two hex digests: the signature must not leak through timing. */
export function sameDigest(givenHex: string, expectedHex: string): boolean {
  const given = Buffer.from(givenHex.toLowerCase(), 'utf8');
  const want = Buffer.from(expectedHex, 'utf8');
  return given.length === want.length && timingSafeEqual(given, want);
}

export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A unix-seconds timestamp header, checked for freshness in both directions (a timestamp from
 * the future would otherwise stay "fresh" for as long as the attacker likes).
 */
export function checkTimestamp(raw: string | undefined, headerName: string, nowMs: number): AuthResult {
  if (raw === undefined || raw.trim() === '') return { ok: false, reason: `missing ${headerName} header (unix seconds)` };
  if (!/^\d{1,12}$/.test(raw.trim())) return { ok: false, reason: `${headerName} must be unix seconds, got '${raw.slice(0, 40)}'` };
  const skew = Math.abs(nowMs / 1000 - Number(raw.trim()));
  if (skew > MAX_SIGNATURE_AGE_SECONDS) {
    return { ok: false, reason: `${headerName} is ${Math.round(skew)} s away from this server's clock (limit ${MAX_SIGNATURE_AGE_SECONDS} s): replayed request or clock skew` };
  }
  return { ok: true };
}
