import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export interface IncidentsTable {
  id: Generated<string>;
  group_key: string;
  source: string;
  title: string;
  status: 'open' | 'resolved';
  opened_at: Timestamp;
  resolved_at: Date | null;
}

export interface AlertsTable {
  id: Generated<string>;
  source: string;
  fingerprint: string;
  starts_at: Date;
  ends_at: Date | null;
  status: 'firing' | 'resolved';
  name: string;
  severity: string | null;
  labels: Json<Record<string, string>>;
  annotations: Json<Record<string, string>>;
  link: string | null;
  incident_id: string;
  received_at: Timestamp;
  last_seen_at: Timestamp;
  times_seen: Generated<number>;
  /** times_seen when the incident's thread was last told about this alert (0: never). */
  reported_seen: Generated<number>;
  reported_status: 'firing' | 'resolved' | null;
  /** The chained `incident.alerts` audit row that covers this alert (null: not yet, or chained by `incident.opened`). */
  chained_seq: string | null;
}

export interface EvidenceTable {
  id: Generated<string>;
  incident_id: string;
  hash: string;
  snapshot: Json<unknown>;
  created_at: Timestamp;
}

export interface ProposalsTable {
  id: Generated<string>;
  incident_id: string;
  evidence_id: string;
  action: string;
  target: string;
  environment: string;
  params: Json<Record<string, unknown>>;
  hash: string;
  requirement: string;
  approvers: Json<string[]>;
  state: string;
  slack_channel: string | null;
  slack_ts: string | null;
  decided_by: string | null;
  decided_at: Date | null;
  outcome: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  requested_by: string | null;
  posted_at: Date | null;
  approval_expires_at: Date | null;
  execute_by: Date | null;
  escalated_at: Date | null;
  escalated_by: string | null;
  /** Set on a rollback proposal: the proposal whose execution it undoes (unique). */
  rollback_of: Generated<string | null>;
}

export interface ApprovalsTable {
  id: Generated<string>;
  proposal_id: string;
  slack_user: string;
  proposal_hash: string;
  via: string;
  at: Timestamp;
  voided_at: Date | null;
  void_reason: string | null;
}

export interface ProposalMessagesTable {
  proposal_id: string;
  channel: string;
  ts: string;
  kind: 'channel' | 'dm';
  slack_user: string | null;
  posted_at: Timestamp;
}

export interface ClicksTable {
  id: Generated<string>;
  proposal_id: string | null;
  slack_user: string;
  action_id: string;
  allowed: boolean;
  reason: string;
  retry_num: number | null;
  at: Timestamp;
  seen_ms: number | null;
}

export interface ExecutionsTable {
  id: Generated<string>;
  proposal_id: string;
  action: string;
  target: string;
  params: Json<Record<string, unknown>>;
  status: 'running' | 'succeeded' | 'failed' | 'refused';
  pre_state: Json<unknown> | null;
  post_state: Json<unknown> | null;
  rollback: Json<unknown> | null;
  error: string | null;
  started_at: Timestamp;
  finished_at: Date | null;
  /** Did everything but the write (dry run): see migrations/2026-11-21T0510-execution-dry-run.ts. */
  dry_run: Generated<boolean>;
}

export interface AuditLogTable {
  seq: string;
  at: Date;
  actor: string;
  kind: string;
  subject: string;
  payload: Json<unknown>;
  prev_hash: string;
  hash: string;
}

export interface KillSwitchTable {
  scope: 'global' | 'environment' | 'action' | 'auto';
  /** Environment or action name; '' for `global` and `auto`. */
  name: string;
  paused: boolean;
  changed_by: string;
  reason: string;
  changed_at: Timestamp;
}

/** A summary of an incident's later alerts, recorded (and chained) before it is posted in the card's thread. */
export interface IncidentActivityTable {
  id: Generated<string>;
  incident_id: string;
  audit_seq: string;
  new_alerts: number;
  repeats: number;
  resolved: number;
  firing_now: number;
  total_now: number;
  incident_status: 'open' | 'resolved';
  samples: Json<AlertSample[]>;
  created_at: Timestamp;
  posted_at: Date | null;
  slack_ts: string | null;
}

/** A few of the new alerts a summary names; the rest are counted. */
export interface AlertSample {
  name: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
}

/** The next moment a Slack write to `channel` may happen, shared by every replica. */
export interface SlackPacingTable {
  channel: string;
  next_at: Date;
}

/** Slack Events API deliveries already handled, by event_id: a retry of one is not handled again. */
export interface SlackEventsTable {
  event_id: string;
  received_at: Timestamp;
}

/** One demotion of an action's autonomy in one environment (lifted_at null: in force). */
export interface DemotionsTable {
  id: Generated<string>;
  action: string;
  environment: string;
  /** Steps of auto → one → two → advisory (1–3). */
  level: number;
  reasons: Json<DemotionReason[]>;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  lifted_by: string | null;
  lifted_at: Date | null;
  lift_reason: string | null;
}

/** Why one step was taken: the breaker and what it saw. */
export interface DemotionReason {
  at: string;
  breaker: string;
  reason: string;
}

/** One trip of a circuit breaker; (action, environment, breaker, trip_key) is unique. */
export interface BreakerTripsTable {
  id: Generated<string>;
  action: string;
  environment: string;
  breaker: 'recurrence' | 'verification_failures' | 'soft_limit' | 'hard_limit';
  trip_key: string;
  reason: string;
  at: Date;
  notified_at: Date | null;
}

/** A verification verdict, as the breakers count streaks of failures. */
export interface BreakerVerdictsTable {
  proposal_id: string;
  action: string;
  environment: string;
  passed: boolean;
  at: Date;
}

/** The pipeline watchdog's last heartbeat, shared by every replica (one row, id 'pipeline'). */
export interface WatchdogStateTable {
  id: string;
  last_run_at: Date | null;
  last_ok_at: Date | null;
  last_error: string | null;
  last_ms: number | null;
  stall_notified_at: Date | null;
}

/** The post-change check of one execution and its human gate (one row per execution). */
export interface VerificationsTable {
  id: Generated<string>;
  proposal_id: string;
  execution_id: string;
  signal: string;
  query: string;
  window: string;
  before_value: number | null;
  after_value: number | null;
  comparison: 'below' | 'above';
  threshold: number;
  verdict: 'passed' | 'failed' | 'unavailable';
  detail: string | null;
  checked_at: Date;
  slack_channel: string | null;
  slack_ts: string | null;
  decision: 'confirmed' | 'not-fixed' | null;
  decided_by: string | null;
  decided_at: Date | null;
}

export interface DigestRunsTable {
  id: Generated<string>;
  kind: 'scheduled' | 'manual';
  /** The local date of the scheduled slot this row posts, YYYY-MM-DD (null for a manual digest). */
  slot_date: string | null;
  /** The instant that slot fell on (null for a manual digest). */
  slot: Date | null;
  window_from: Date;
  window_to: Date;
  channel: string;
  requested_by: string | null;
  status: 'claimed' | 'posted' | 'failed';
  attempts: Generated<number>;
  claimed_at: Date;
  posted_at: Date | null;
  slack_ts: string | null;
  chart_file_id: string | null;
  chart_error: string | null;
  error: string | null;
}

/** One person's verdict on the bot's call for one proposal, after its incident resolved (their latest answer). */
export interface FeedbackTable {
  id: Generated<string>;
  proposal_id: string;
  slack_user: string;
  verdict: 'right' | 'wrong' | 'should_escalate';
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface Database {
  incidents: IncidentsTable;
  alerts: AlertsTable;
  evidence: EvidenceTable;
  proposals: ProposalsTable;
  clicks: ClicksTable;
  executions: ExecutionsTable;
  audit_log: AuditLogTable;
  kill_switch: KillSwitchTable;
  approvals: ApprovalsTable;
  proposal_messages: ProposalMessagesTable;
  slack_events: SlackEventsTable;
  incident_activity: IncidentActivityTable;
  slack_pacing: SlackPacingTable;
  verifications: VerificationsTable;
  demotions: DemotionsTable;
  breaker_trips: BreakerTripsTable;
  breaker_verdicts: BreakerVerdictsTable;
  watchdog_state: WatchdogStateTable;
  digest_runs: DigestRunsTable;
  feedback: FeedbackTable;
}

export type Incident = Selectable<IncidentsTable>;
export type AlertRow = Selectable<AlertsTable>;
export type ProposalRow = Selectable<ProposalsTable>;
export type NewAlert = Insertable<AlertsTable>;
