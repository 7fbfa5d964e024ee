import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthResult } from './source.ts';

// Constant-time comparison: the token must not leak through response timing.
export function checkBearer(headers: IncomingHttpHeaders, expected: string): AuthResult {
  const header = headers.authorization;
  if (!header) return { ok: false, reason: 'missing Authorization header (expected "Bearer <WEBHOOK_TOKEN>")' };
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match) return { ok: false, reason: 'Authorization header is not a Bearer token' };
  const given = Buffer.from(match[1]!);
  const want = Buffer.from(expected);
  if (given.length !== want.length || !timingSafeEqual(given, want)) return { ok: false, reason: 'bearer token does not match' };
  return { ok: true };
}
