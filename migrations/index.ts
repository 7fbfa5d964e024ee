import type { Migration } from 'kysely/migration';
import * as initial from './2026-11-21T0000-initial.ts';
import * as killSwitch from './2026-11-21T0100-kill-switch.ts';
import * as approvals from './2026-11-21T0200-approvals.ts';
import * as threadQuestions from './2026-11-21T0300-thread-questions.ts';
import * as incidentActivity from './2026-11-21T0400-incident-activity.ts';
import * as executionDryRun from './2026-11-21T0510-execution-dry-run.ts';
import * as verificationRollback from './2026-11-21T0520-verification-rollback.ts';
import * as breakersWatchdog from './2026-11-21T0530-breakers-watchdog.ts';
import * as digestRuns from './2026-11-22T0100-digest-runs.ts';
import * as feedback from './2026-11-22T0200-feedback.ts';

// Explicit list (not a directory scan) so the set of migrations is reviewed like code.
export const migrations: Record<string, Migration> = {
  '2026-11-21T0000-initial': initial,
  '2026-11-21T0100-kill-switch': killSwitch,
  '2026-11-21T0200-approvals': approvals,
  '2026-11-21T0300-thread-questions': threadQuestions,
  '2026-11-21T0400-incident-activity': incidentActivity,
  '2026-11-21T0510-execution-dry-run': executionDryRun,
  '2026-11-21T0520-verification-rollback': verificationRollback,
  '2026-11-21T0530-breakers-watchdog': breakersWatchdog,
  '2026-11-22T0100-digest-runs': digestRuns,
  '2026-11-22T0200-feedback': feedback,
};
