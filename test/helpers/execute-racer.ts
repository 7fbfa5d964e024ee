// A second (and third) bot process for race tests: executes the given proposals at an agreed
// moment, so two processes claim against one database at once. Prints one JSON line and exits.
// usage: node --experimental-strip-types execute-racer.ts DB_URL POLICY_PATH AWS_URL START_AT_MS ID...
import { setTimeout as sleep } from 'node:timers/promises';
import { executeProposal } from '../../src/actions/execute.ts';
import { createDb } from '../../src/store/db.ts';
import { buildTestContext } from './context.ts';

const [dbUrl, policyPath, awsEndpoint, startAt, ...ids] = process.argv.slice(2);
if (!dbUrl || !policyPath || !awsEndpoint || !startAt || ids.length === 0) {
  console.error('usage: execute-racer.ts DB_URL POLICY_PATH AWS_URL START_AT_MS ID...');
  process.exit(2);
}
const db = createDb(dbUrl, ids.length + 2);
const { ctx } = await buildTestContext({ db, policyPath, awsEndpoint });
// Warm the pool so the race is between claims, not between connection setups.
await Promise.all(ids.map(() => db.selectFrom('kill_switch').select('scope').execute()));
await sleep(Math.max(0, Number(startAt) - Date.now()));
const results = await Promise.allSettled(ids.map((id) => executeProposal(ctx, id)));
console.log(JSON.stringify({ pid: process.pid, errors: results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)) }));
await db.destroy();
process.exit(0);
