// `iam-policy [path] [--account ID] [--region R] [--partition P]`: prints the least-privilege IAM
// policy for the whitelist at `path`, so the bot's role never holds more than the policy lets it use.
import { z } from 'zod';
import { executorRegistry } from '../actions/registry.ts';
import { collectorReadActions } from '../diagnosis/collectors/iam.ts';
import { iamPolicyDocument } from '../policy/iam.ts';
import { parseFlags } from './args.ts';
import { loadPolicyOrReport, policyPath } from './load-policy.ts';

export const IAM_USAGE = `usage: infra-agent iam-policy [path] [--account ID] [--region REGION] [--partition aws]
  prints the IAM policy (JSON) the bot's role needs for the policy at path;
  account and region default to * (any)`;

const options = {
  account: { type: 'string' },
  region: { type: 'string' },
  partition: { type: 'string', default: 'aws' },
} as const;

const Scope = z.object({
  account: z.string().regex(/^\d{12}$/, { error: 'expected a 12-digit AWS account id' }).default('*'),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, { error: 'expected an AWS region such as eu-west-1' }).default('*'),
  partition: z.string().regex(/^aws(-[a-z]+)*$/, { error: 'expected an AWS partition such as aws, aws-cn or aws-us-gov' }),
});

export async function iamPolicyCommand(args: string[]): Promise<number> {
  const flags = parseFlags(args, options);
  if (!flags.ok || flags.parsed.positionals.length > 1) {
    console.error(`${flags.ok ? 'expected at most one policy path' : flags.error}\n\n${IAM_USAGE}`);
    return 2;
  }
  const scope = Scope.safeParse(flags.parsed.values);
  if (!scope.success) {
    console.error(scope.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('\n'));
    return 2;
  }
  const loaded = await loadPolicyOrReport(policyPath(flags.parsed.positionals[0]));
  if (!loaded) return 2;
  const result = iamPolicyDocument(loaded.policy, executorRegistry, collectorReadActions, scope.data);
  if (!result.ok) {
    console.error(result.errors.join('\n'));
    return 2;
  }
  console.log(JSON.stringify(result.document, null, 2));
  return 0;
}
