// The least-privilege IAM policy for a whitelist: the reads diagnosis needs, and for each
// whitelisted action only its executor's writes, on only the resources its target patterns
// name. Pure, and deterministic (sorted, stable Sids) so a diff of the output is a review of
// exactly what changed in the bot's permissions.
import type { ArnScope, ExecutorIam } from '../actions/executor.ts';
import { ownValue } from './matchers.ts';
import type { Policy } from './schema.ts';

export interface IamStatement {
  Sid: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string | string[];
}

export interface IamDocument {
  Version: '2012-10-17';
  Statement: IamStatement[];
}

export type IamResult = { ok: true; document: IamDocument } | { ok: false; errors: string[] };

export const READ_SID = 'Read';

/** Byte order, so the output never depends on the machine's locale. */
function sorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `scale-asg` → `ActionScaleAsg` (Sids allow only letters and digits). */
function actionSid(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return `Action${words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')}`;
}

export function iamPolicyDocument(
  policy: Policy,
  executors: ReadonlyMap<string, { iam: ExecutorIam }>,
  collectorReads: readonly string[],
  scope: ArnScope,
): IamResult {
  const errors: string[] = [];
  const reads = new Set(collectorReads);
  const statements: IamStatement[] = [];
  const sids = new Set([READ_SID]);
  for (const name of sorted(Object.keys(policy.actions))) {
    const action = ownValue(policy.actions, name)!;
    const executor = executors.get(action.executor);
    if (!executor) {
      errors.push(`action '${name}' uses executor '${action.executor}', which this build does not know; its permissions cannot be derived`);
      continue;
    }
    for (const read of executor.iam.reads) reads.add(read);
    // An executor that writes nothing in AWS (a runbook POSTs to the team's own automation) needs no grant.
    if (executor.iam.writes.length === 0) continue;
    // `scale-asg` and `scale_asg` would share a Sid; names are sorted, so the suffix is stable.
    let sid = actionSid(name);
    for (let n = 2; sids.has(sid); n++) sid = `${actionSid(name)}${n}`;
    sids.add(sid);
    statements.push({
      Sid: sid,
      Effect: 'Allow',
      Action: sorted(executor.iam.writes),
      Resource: sorted(action.targets.map((t) => executor.iam.resourceArn(t.asg ?? t.service ?? '', scope))),
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  // Describe*/GetMetricData support no resource-level permissions: `*` is the only valid Resource.
  const read: IamStatement = { Sid: READ_SID, Effect: 'Allow', Action: sorted(reads), Resource: '*' };
  return { ok: true, document: { Version: '2012-10-17', Statement: [read, ...statements] } };
}
