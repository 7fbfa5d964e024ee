import type { CustomRoute } from '@slack/bolt';
import { sql } from 'kysely';
import type { Db } from '../store/db.ts';
import type { Readiness } from '../watchdog/readiness.ts';

// /healthz: the process answers. /readyz: it can reach its database and the pipeline watchdog's
// heartbeat goes through (fail closed: not ready, with the reason).
export function healthRoutes(db: Db, pipeline?: () => Promise<Readiness | null>): CustomRoute[] {
  return [
    {
      path: '/healthz',
      method: ['GET'],
      handler: (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      },
    },
    {
      path: '/readyz',
      method: ['GET'],
      handler: async (_req, res) => {
        const up = await sql`SELECT 1`.execute(db).then(() => true, () => false);
        // A watchdog that cannot be read is not ready either; null: no watchdog on this process.
        const beat = up && pipeline ? await pipeline().catch((): Readiness => ({ ok: false, reason: 'the pipeline watchdog state could not be read', lastOkAt: null })) : null;
        const ok = up && (beat?.ok ?? true);
        const body = {
          ok,
          database: up ? 'up' : 'unreachable',
          ...(beat ? { pipeline: beat.ok ? { ok: true, lastOkAt: beat.lastOkAt } : { ok: false, reason: beat.reason, lastOkAt: beat.lastOkAt } } : {}),
        };
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
    },
  ];
}
