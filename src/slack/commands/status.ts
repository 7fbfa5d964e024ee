// `/infra-agent status`: what is waiting, what is stopped and what rules are in force.
import { statusText, type OpenProposalLine, type StatusInput } from '../../../blocks/status.ts';
import type { AppContext } from '../../context.ts';
import { policyHash } from '../../control/policy-reload.ts';
import { activeFreeze } from '../../policy/freeze.ts';
import { listActiveDemotions } from '../../store/repos/demotions.ts';
import { activePauses } from '../../store/repos/kill-switch.ts';
import { lastPostedDigest } from '../../store/repos/digest-runs.ts';
import { nextSlot } from '../../digest/schedule.ts';

const OPEN_STATES = ['pending', 'approved', 'executing'];
const OPEN_SHOWN = 10;

async function openProposals(ctx: AppContext): Promise<{ items: OpenProposalLine[]; total: number }> {
  const base = ctx.db.selectFrom('proposals').where('state', 'in', OPEN_STATES);
  const [rows, count] = await Promise.all([
    base.select(['id', 'action', 'target', 'environment', 'state', 'requirement', 'created_at']).orderBy('created_at', 'desc').limit(OPEN_SHOWN).execute(),
    base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map((r) => ({ id: r.id, action: r.action, target: r.target, environment: r.environment, state: r.state, requirement: r.requirement, createdAt: new Date(r.created_at) })), total: Number(count.n) };
}

/** Everything `status` shows, read once; App Home renders the same input. */
export async function readStatus(ctx: AppContext): Promise<StatusInput> {
  const policy = ctx.policy.current;
  const now = ctx.now();
  const summary = { files: ctx.policy.files.length, environments: Object.keys(policy.environments), actions: Object.keys(policy.actions), hash: policyHash(policy) };
  const freezes = Object.keys(policy.environments).flatMap((environment) => {
    const f = activeFreeze(policy, environment, now);
    return f ? [{ environment, name: f.name, until: f.until, reason: f.reason }] : [];
  });
  const [pauses, demotions, open, last] = await Promise.all([activePauses(ctx.db, now), listActiveDemotions(ctx.db), openProposals(ctx), lastPostedDigest(ctx.db)]);
  const d = policy.digest;
  const schedule = d ? { channel: d.channel, day: d.day, time: d.time, timezone: d.timezone, next: nextSlot(d, now).at } : null;
  return { pauses, demotions, policy: summary, openProposals: open, freezes, digest: { schedule, last } };
}

export async function statusAnswer(ctx: AppContext): Promise<string> {
  return statusText(await readStatus(ctx));
}
