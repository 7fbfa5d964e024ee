// Pure: the risk level on a card, derived from what can go wrong and how badly, never from how
// sure the rule sounds alone. Points add up so every factor is visible in words on the card and in
// "why?": a small, reversible change to one group in a non-production environment on solid
// evidence is low; the same change in production, or irreversible, or on shaky evidence, is not.
import type { RiskLevel } from '../domain/diagnosis.ts';
import type { BlastRadius } from '../domain/proposal.ts';

export interface RiskInput {
  /** The rule's judgement of the change itself (its size relative to the target). */
  change: RiskLevel;
  changeFactors: string[];
  /** null when no change is proposed: then the rule's level describes the situation. */
  action: { name: string; blastRadius: BlastRadius; reversible: boolean } | null;
  environment: { name: string; production: boolean };
  confidence: number;
}

export interface RiskAssessment {
  level: RiskLevel;
  factors: string[];
}

const LEVEL_POINTS: Record<RiskLevel, number> = { low: 0, medium: 1, high: 2 };
const BLAST_POINTS: Record<BlastRadius, number> = { resource: 0, service: 1, environment: 2, global: 3 };

/** Points → level: 0–1 low, 2–3 medium, 4+ high. */
export function levelOf(points: number): RiskLevel {
  return points >= 4 ? 'high' : points >= 2 ? 'medium' : 'low';
}

export function assessRisk(i: RiskInput): RiskAssessment {
  if (!i.action) {
    return {
      level: i.change,
      factors: [...i.changeFactors, `No change is proposed: "${i.change}" describes leaving the situation to a human.`],
    };
  }
  const factors: string[] = [];
  let points = 0;
  const add = (n: number, why: string) => {
    points += n;
    factors.push(n > 0 ? `${why} (+${n})` : `${why} (+0)`);
  };
  add(LEVEL_POINTS[i.change], `Change size: ${i.change}${i.changeFactors.length ? ` — ${i.changeFactors.join('; ')}` : ''}`);
  add(BLAST_POINTS[i.action.blastRadius], `Blast radius of ${i.action.name}: ${i.action.blastRadius}`);
  add(i.action.reversible ? 0 : 1, i.action.reversible ? 'Reversible: the previous state can be restored' : 'Not reversible: a wrong change cannot simply be undone');
  add(i.environment.production ? 1 : 0, i.environment.production ? `Environment ${i.environment.name} is production` : `Environment ${i.environment.name} is not production`);
  const c = Math.round(i.confidence * 100);
  add(i.confidence < 0.5 ? 2 : i.confidence < 0.75 ? 1 : 0, `Confidence ${c}%${i.confidence < 0.5 ? ' is low' : i.confidence < 0.75 ? ' is moderate' : ''}`);
  const level = levelOf(points);
  factors.push(`${points} point${points === 1 ? '' : 's'} → ${level} (0–1 low, 2–3 medium, 4+ high)`);
  return { level, factors };
}

/** A rule's view of a capacity change: bigger steps relative to the group deserve more scrutiny. */
export function capacityChangeRisk(step: number, desired: number): { level: RiskLevel; factors: string[] } {
  const frac = Math.abs(step) / Math.max(desired, 1);
  const level: RiskLevel = frac > 0.5 ? 'high' : frac > 0.25 ? 'medium' : 'low';
  const sign = step >= 0 ? '+' : '−';
  return { level, factors: [`step ${sign}${Math.abs(step)} on ${desired} instance${desired === 1 ? '' : 's'} (${Math.round(frac * 100)}%)`] };
}
