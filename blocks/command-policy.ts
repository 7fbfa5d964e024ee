// `/infra-agent policy [env]`: the effective approval matrix and the whitelisted actions with
// their targets and bounds. Pure; policy names are escaped like any other text.
import type { KnownBlock } from '@slack/types';
import type { Action, Environment } from '../src/policy/schema.ts';
import { safeCode, safeLine } from './escape.ts';
import { context, listSections } from './kit.ts';

export interface PolicyCellLine {
  environment: string;
  action: string;
  blastRadius: string;
  declared: string | null;
  effective: string | null;
  demotedSteps: number;
  freeze: string | null;
}

const code = (s: string, max = 80): string => safeCode(s, max);

function cellLine(c: PolicyCellLine): string {
  if (c.declared === null || c.effective === null) return `• ${code(c.action)} (${safeLine(c.blastRadius, 20)}): _no requirement row for this environment: nothing may run_`;
  const why: string[] = [];
  if (c.demotedSteps > 0) why.push(`demoted ${c.demotedSteps} step(s) by the circuit breakers`);
  if (c.freeze) why.push(`freeze ${code(c.freeze)} open: admins only`);
  const change = c.effective === c.declared ? `*${c.effective}*` : `~${c.declared}~ → *${c.effective}*`;
  return `• ${code(c.action)} (${safeLine(c.blastRadius, 20)}): ${change}${why.length ? ` — ${why.join('; ')}` : ''}`;
}

function envHeading(name: string, env: Environment): string {
  const flags = [env.production ? 'production' : null, env.dry_run ? 'dry run' : null].filter((f) => f !== null);
  return `Environment ${safeLine(name, 60)} (<#${env.channel}>${flags.length ? `, ${flags.join(', ')}` : ''})`;
}

function actionLine(name: string, a: Action): string {
  const targets = a.targets
    .map((t) => (t.asg !== undefined ? `asg ${code(t.asg)} [min ${t.min}, max ${t.max}, step ≤ ${t.max_step}]` : `service ${code(t.service ?? '')}`))
    .join(', ');
  const extras = [a.reversible ? 'reversible' : 'not reversible', a.requirement ? `at least ${a.requirement}` : null, a.dry_run ? 'dry run' : null, a.cooldown ? `cooldown ${safeLine(a.cooldown, 20)}` : null, a.budget ? `budget ${a.budget.max}/${safeLine(a.budget.per, 20)}` : null]
    .filter((x) => x !== null)
    .join(', ');
  return `• ${code(name)} — ${code(a.executor)}, blast radius ${safeLine(a.blast_radius, 20)}, ${extras}; targets: ${targets}`;
}

export function policyBlocks(input: {
  environments: [string, Environment][];
  cells: readonly PolicyCellLine[];
  actions: [string, Action][];
  hash: string;
}): { text: string; blocks: KnownBlock[] } {
  const perEnv = input.environments.flatMap(([name, env]) =>
    listSections(`command.policy.env.${safeLine(name, 40)}`, envHeading(name, env), input.cells.filter((c) => c.environment === name).map(cellLine), {
      maxBlocks: 3,
      empty: '_no actions are whitelisted_',
      more: (n) => `… ${n} more actions`,
    }),
  );
  const blocks: KnownBlock[] = [
    ...perEnv.slice(0, 36),
    ...listSections('command.policy.actions', 'Whitelisted actions', input.actions.map(([n, a]) => actionLine(n, a)), { maxBlocks: 10, empty: '_none_', more: (n) => `… ${n} more actions` }),
    context('command.policy.source', [`Effective now (demotions and open freezes applied), policy hash \`${input.hash.slice(0, 12)}\`. Pauses: \`/infra-agent status\`.`]),
  ];
  return { text: `Effective policy for ${input.environments.map(([n]) => safeLine(n, 40)).join(', ')}`, blocks };
}
