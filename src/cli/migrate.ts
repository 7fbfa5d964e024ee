import { migrateToLatest } from '../store/db.ts';
import { withDatabase } from './with-database.ts';

export async function migrateCommand(): Promise<number> {
  const applied = await withDatabase((db) => migrateToLatest(db), { migrate: false });
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database schema is up to date');
  return 0;
}
