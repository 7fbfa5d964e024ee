import { verifyAuditChain } from '../store/audit.ts';
import { withDatabase } from './with-database.ts';

export async function auditCommand(args: string[]): Promise<number> {
  if (args[0] !== 'verify') {
    console.error('usage: infra-agent audit verify');
    return 2;
  }
  const result = await withDatabase((db) => verifyAuditChain(db));
  if (result.ok) {
    console.log(`audit chain OK: ${result.rows} rows verified`);
    return 0;
  }
  console.error(`audit chain BROKEN at seq ${result.seq}: ${result.problem} (${result.rows} rows read)`);
  return 1;
}
