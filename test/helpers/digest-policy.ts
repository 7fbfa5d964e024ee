// The end-to-end test policy plus a `digest` section, in a temporary directory: the e2e policy has
// no schedule on purpose (a digest due mid-suite would post into every test's fake Slack).
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WEEKDAYS } from '../../src/policy/schema-digest.ts';
import { E2E_POLICY } from './bot.ts';

export const DIGEST_CHANNEL = 'C0SRE00001';

/** A UTC schedule that fires at `at` (to the minute), e.g. a minute ago: due now. */
export function scheduleAt(at: Date): { day: string; time: string; timezone: string } {
  const hh = String(at.getUTCHours()).padStart(2, '0');
  const mm = String(at.getUTCMinutes()).padStart(2, '0');
  return { day: WEEKDAYS[at.getUTCDay()]!, time: `${hh}:${mm}`, timezone: 'UTC' };
}

export async function policyWithDigest(s: { day: string; time: string; timezone: string }, channel = DIGEST_CHANNEL): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'digest-policy-'));
  await cp(E2E_POLICY, dir, { recursive: true });
  await writeFile(join(dir, '60-digest.yml'), `digest:\n  channel: ${channel}\n  day: ${s.day}\n  time: "${s.time}"\n  timezone: ${s.timezone}\n`);
  return { path: dir, remove: () => rm(dir, { recursive: true, force: true }) };
}
