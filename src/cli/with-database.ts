import { createLogger } from '../log.ts';
import { openDatabase } from '../main.ts';
import { createDb, migrateToLatest, type Db } from '../store/db.ts';
import { loadDbConfig } from './database-config.ts';

/** Opens the configured database (embedded by default), migrated unless asked not to, for one CLI command. */
export async function withDatabase<T>(fn: (db: Db) => Promise<T>, opts: { migrate: boolean } = { migrate: true }): Promise<T> {
  const config = loadDbConfig();
  const log = createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const database = await openDatabase(config, log);
  const db = createDb(database.url, 2);
  try {
    if (opts.migrate) await migrateToLatest(db);
    return await fn(db);
  } finally {
    await db.destroy();
    await database.stop();
  }
}
