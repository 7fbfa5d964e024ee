import type { IncomingHttpHeaders } from 'node:http';
import type { NormalizedAlert } from '../domain/alert.ts';

export type AuthResult = { ok: true } | { ok: false; reason: string };
export type ParseResult = { ok: true; alerts: NormalizedAlert[] } | { ok: false; reason: string };

/** One alert source: how it authenticates and how its body maps to normalized alerts. */
export interface AlertSource {
  name: string;
  authenticate(headers: IncomingHttpHeaders, rawBody: Buffer): AuthResult;
  parse(body: unknown): ParseResult;
}
