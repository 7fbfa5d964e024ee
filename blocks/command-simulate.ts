// `/infra-agent simulate`: the card a synthetic alert would get, marked SIMULATION and without
// its buttons (there is no proposal to approve). Pure.
import type { KnownBlock } from '@slack/types';
import { safeCode, safeLine } from './escape.ts';
import { section } from './kit.ts';
import { LIMITS } from './limits.ts';
import { proposalCard, type ProposalCardInput } from './proposal.ts';

export const SIMULATION_BANNER = ':crystal_ball: *SIMULATION* — the card this alert would get now. Nothing was stored, posted or executed; AWS was only read.';

export function simulatedCard(input: ProposalCardInput): { text: string; blocks: KnownBlock[] } {
  const card = proposalCard(input);
  const blocks = [section('simulation.banner', SIMULATION_BANNER), ...card.blocks.filter((b) => b.type !== 'actions')].slice(0, LIMITS.messageBlocks);
  return { text: `SIMULATION: ${card.text}`, blocks };
}

/** When the alert would get no card at all, say why — in the same words the log would use. */
export function simulationNoCard(alertname: string, why: string): string {
  return `:crystal_ball: *SIMULATION* of ${safeCode(alertname, 100)}: no card would be posted — ${safeLine(why, 600)}. Nothing was stored or executed.`;
}
