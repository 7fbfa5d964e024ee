import type { IncomingHttpHeaders } from 'node:http';
import type { NormalizedAlert } from '../domain/alert.ts';

export interface WebhookRequest {
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
}

/**
 * Why a request is refused, as the answer the sender gets. 401 when the sender is not who it
 * claims (the default), 403 when it is but may not post here, 400 when the envelope needed to
 * check it is malformed, 503 when it cannot be checked right now (a sender retries on 5xx).
 */
export type AuthResult = { ok: true } | { ok: false; reason: string; status?: 400 | 401 | 403 | 503 };

/** The answer to a message that carries no alert to store. */
export interface Reply {
  status: number;
  body: Record<string, unknown>;
  /** One line for the log: what was answered and why. */
  note: string;
  level?: 'info' | 'warn' | 'error';
}

export type ParseResult =
  | { ok: true; alerts: NormalizedAlert[] }
  // A message for the bot itself (an SNS subscription handshake, an alarm state that is neither
  // firing nor resolved): the route runs it and answers with its reply, storing nothing. Parsing
  // stays free of side effects; the effect runs only after authentication and parsing succeeded.
  | { ok: true; control: () => Promise<Reply> }
  | { ok: false; reason: string };

/** One alert source: how it authenticates and how its body maps to normalized alerts. */
export interface AlertSource {
  name: string;
  /** Runs on the raw bytes before anything is parsed for the route: signatures cover exact bytes. */
  authenticate(request: WebhookRequest): AuthResult | Promise<AuthResult>;
  parse(body: unknown): ParseResult;
}
