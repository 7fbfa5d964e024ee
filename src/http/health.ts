import type { CustomRoute } from '@slack/bolt';
import { sql } from 'kysely';
import type { Db } from '../store/db.ts';

// /healthz: the process answers. /readyz: it can reach its database (fail closed: not ready).
export function healthRoutes(db: Db): CustomRoute[] {
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
        const ok = await sql`SELECT 1`.execute(db).then(() => true, () => false);
        res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok, database: ok ? 'up' : 'unreachable' }));
      },
    },
  ];
}
