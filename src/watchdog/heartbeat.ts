// The pipeline watchdog's heartbeat: a synthetic Alertmanager webhook goes through the real pieces —
// the source's schema and normaliser, the policy's grouping and routing, the diagnosis engine (with
// a rule that makes no AWS call), the evidence snapshot, and the proposal card with Slack's block
// limits — and nothing else: no row, no job, no Slack call, no executor. A stage that throws or
// produces nothing usable fails the heartbeat, naming the stage.
import { proposalCard, type ProposalCardInput } from '../../blocks/proposal.ts';
import { validateBlocks, validateMessageText } from '../../blocks/limits.ts';
import { buildSnapshot } from '../approvals/evidence-snapshot.ts';
import { runDiagnosis } from '../diagnosis/engine.ts';
import { diagnoseRequestFor } from '../diagnosis/request.ts';
import type { NormalizedAlert } from '../domain/alert.ts';
import type { AlertSource } from '../ingest/source.ts';
import { alertmanagerSource } from '../ingest/alertmanager.ts';
import { matchRule, resolveEnvironment } from '../policy/evaluator.ts';
import { incidentGroupKey } from '../policy/grouping.ts';
import type { Policy, Rule } from '../policy/schema.ts';
import { HEARTBEAT_RULE, heartbeatRule } from './heartbeat-rule.ts';

export const HEARTBEAT_ALERT = 'InfraAgentHeartbeat';

export type HeartbeatStage = 'ingest' | 'routing' | 'diagnosis' | 'evidence' | 'render';

export type HeartbeatResult = { ok: true; ms: number; environment: string } | { ok: false; stage: HeartbeatStage; error: string; ms: number };

export interface HeartbeatDeps {
  policy: Policy;
  now: Date;
  /** The card renderer; tests pass a broken one to prove a failing stage is caught. */
  render?: (input: ProposalCardInput) => { text: string; blocks: unknown[] };
  /** The alert source the payload is parsed by; default the real Alertmanager source. */
  source?: AlertSource;
}

/** Labels that route the synthetic alert to the first declared environment (its `match`, first values). */
function routingLabels(policy: Policy): Record<string, string> {
  const first = Object.values(policy.environments)[0];
  return Object.fromEntries(Object.entries(first?.match ?? {}).map(([k, values]) => [k, values[0] ?? '']));
}

/** A version-4 Alertmanager webhook body, as Alertmanager 0.25 sends it. */
export function heartbeatPayload(policy: Policy, now: Date): unknown {
  const labels = { ...routingLabels(policy), alertname: HEARTBEAT_ALERT, severity: 'none', infra_agent_heartbeat: 'true' };
  return {
    version: '4',
    groupKey: `{}:{alertname="${HEARTBEAT_ALERT}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'infra-agent-watchdog',
    groupLabels: { alertname: HEARTBEAT_ALERT },
    commonLabels: labels,
    commonAnnotations: { summary: 'synthetic heartbeat' },
    externalURL: 'http://infra-agent.invalid/watchdog',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: 'synthetic heartbeat of the infra-agent pipeline' },
        startsAt: now.toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: '',
        fingerprint: 'infra-agent-heartbeat',
      },
    ],
  };
}

class StageError extends Error {
  readonly stage: HeartbeatStage;
  constructor(stage: HeartbeatStage, message: string) {
    super(message);
    this.stage = stage;
  }
}

async function stage<T>(name: HeartbeatStage, fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StageError) throw err;
    throw new StageError(name, err instanceof Error ? err.message : String(err));
  }
}

export async function runHeartbeat(deps: HeartbeatDeps): Promise<HeartbeatResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  const { policy, now } = deps;
  try {
    const alert = await stage('ingest', () => {
      // The token is never checked: authentication belongs to the HTTP route, which the heartbeat skips.
      const parsed = (deps.source ?? alertmanagerSource('heartbeat-token-unused')).parse(heartbeatPayload(policy, now));
      if (!parsed.ok) throw new StageError('ingest', `the synthetic webhook was refused: ${parsed.reason}`);
      if (!('alerts' in parsed)) throw new StageError('ingest', 'the synthetic webhook was taken for a control message');
      const [first] = parsed.alerts;
      if (parsed.alerts.length !== 1 || !first || first.name !== HEARTBEAT_ALERT) throw new StageError('ingest', `normalised into ${parsed.alerts.length} alert(s), expected one ${HEARTBEAT_ALERT}`);
      return first;
    });
    const env = await stage('routing', () => {
      incidentGroupKey(policy, alert);
      const found = resolveEnvironment(policy, alert);
      if (!found) throw new StageError('routing', 'the synthetic alert matches no environment of the policy');
      // A real rule for the heartbeat's name is not expected; matching is exercised all the same.
      matchRule(policy, alert);
      return found;
    });
    // A rule that is never in a policy (a policy rule needs a candidate): the heartbeat proposes nothing.
    const rule: Rule = { name: HEARTBEAT_RULE, when: { alertname: HEARTBEAT_ALERT }, diagnose: HEARTBEAT_RULE, candidates: [] };
    const diagnosis = await stage('diagnosis', () =>
      runDiagnosis({ autoscaling: unreachable(), cloudwatch: unreachable(), now: () => now, rules: { [HEARTBEAT_RULE]: heartbeatRule } }, diagnoseRequestFor(policy, env, rule, alert)),
    );
    const snapshot = await stage('evidence', () => buildSnapshot({ takenAt: now, incidentId: 'heartbeat', alert, env, rule: HEARTBEAT_RULE, diagnosis, decision: null, blocked: [], actionDecl: undefined }));
    await stage('render', () => {
      const card = (deps.render ?? proposalCard)(cardInput(alert, snapshot.environment, diagnosis, snapshot.policy.trace));
      const errors = [...validateBlocks(card.blocks), ...validateMessageText(card.text)];
      if (errors.length > 0) throw new StageError('render', `the card breaks Slack's limits: ${errors.slice(0, 3).join('; ')}`);
    });
    return { ok: true, ms: ms(), environment: env.name };
  } catch (err) {
    const s = err instanceof StageError ? err.stage : 'ingest';
    return { ok: false, stage: s, error: (err instanceof Error ? err.message : String(err)).slice(0, 500), ms: ms() };
  }
}

/** The heartbeat's rule reads nothing from AWS; a client that is touched anyway fails the stage loudly. */
function unreachable<T>(): T {
  return new Proxy({}, { get: () => { throw new Error('the heartbeat must make no AWS call'); } }) as T;
}

function cardInput(alert: NormalizedAlert, environment: string, diagnosis: ProposalCardInput['diagnosis'], trace: string[]): ProposalCardInput {
  return {
    proposalId: 'heartbeat',
    environment,
    action: 'none',
    target: alert.name,
    params: {},
    requirement: 'advisory',
    approvers: [],
    blastRadius: 'n/a',
    rollback: 'n/a',
    alert: { name: alert.name, severity: alert.severity, summary: alert.annotations.summary ?? null, link: alert.link },
    diagnosis,
    state: 'advisory',
    decidedBy: null,
    decidedAt: null,
    outcome: trace.join('; ') || null,
  };
}
