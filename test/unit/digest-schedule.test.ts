// When the weekly digest is due, and the policy section that says so.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { dueSlot, LATE_GRACE_MS, nextSlot, slotWindow } from '../../src/digest/schedule.ts';
import { policyLoadOptions } from '../../src/known-kinds.ts';
import { formatPolicyErrors, loadPolicy } from '../../src/policy/loader.ts';

const berlin = { day: 'monday', time: '09:00', timezone: 'Europe/Berlin' } as const;
const at = (iso: string) => new Date(iso);

describe('digest schedule', () => {
  it('is due from the slot itself until the grace period ends, then not', () => {
    // Monday 30 March 2026, 09:00 in Berlin is 07:00 UTC (summer time began on the 29th).
    const monday = { date: '2026-03-30', at: at('2026-03-30T07:00:00Z') };
    expect(dueSlot(berlin, at('2026-03-30T07:00:00Z'))).toEqual(monday);
    expect(dueSlot(berlin, at('2026-03-31T06:59:59Z'))).toEqual(monday);
    expect(dueSlot(berlin, at('2026-03-31T07:00:01Z'))).toBeNull();
    // A minute before the slot, last week's slot is long past its grace.
    expect(dueSlot(berlin, at('2026-03-30T06:59:00Z'))).toBeNull();
    expect(LATE_GRACE_MS).toBe(24 * 3_600_000);
  });

  it('next slot is strictly after now, in the right offset on either side of a DST change', () => {
    expect(nextSlot(berlin, at('2026-03-30T07:00:00Z'))).toEqual({ date: '2026-04-06', at: at('2026-04-06T07:00:00Z') });
    expect(nextSlot(berlin, at('2026-03-25T12:00:00Z'))).toEqual({ date: '2026-03-30', at: at('2026-03-30T07:00:00Z') });
    expect(nextSlot(berlin, at('2026-03-20T12:00:00Z'))).toEqual({ date: '2026-03-23', at: at('2026-03-23T08:00:00Z') });
  });

  it('a slot reviews the week since the previous slot: 167 hours across the spring DST change', () => {
    const w = slotWindow(berlin, { date: '2026-03-30', at: at('2026-03-30T07:00:00Z') });
    expect(w).toEqual({ from: at('2026-03-23T08:00:00Z'), to: at('2026-03-30T07:00:00Z') });
    expect(w.to.getTime() - w.from.getTime()).toBe(167 * 3_600_000);
    const plain = slotWindow({ day: 'friday', time: '17:30', timezone: 'UTC' }, { date: '2026-11-20', at: at('2026-11-20T17:30:00Z') });
    expect(plain).toEqual({ from: at('2026-11-13T17:30:00Z'), to: at('2026-11-20T17:30:00Z') });
  });
});

describe('policy digest section', () => {
  const shipped = fileURLToPath(new URL('../../policies/', import.meta.url));
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  /** The shipped policy with its digest file replaced by `yaml`. */
  async function load(yaml: string) {
    const dir = await mkdtemp(join(tmpdir(), 'policy-digest-'));
    dirs.push(dir);
    await cp(shipped, dir, { recursive: true, filter: (src) => !src.endsWith('60-digest.yml') && !src.includes('/tests') });
    await writeFile(join(dir, '60-digest.yml'), yaml);
    return loadPolicy(dir, policyLoadOptions);
  }
  const errors = async (yaml: string) => {
    const r = await load(yaml);
    if (r.ok) throw new Error('expected the digest section to be rejected');
    return r.errors.map((e) => `${e.file.split('/').pop()}:${e.line}: ${e.message}`);
  };

  it('the shipped section loads, with its line cited', async () => {
    const r = await loadPolicy(shipped, policyLoadOptions);
    if (!r.ok) throw new Error(formatPolicyErrors(r.errors));
    expect(r.policy.digest).toEqual({ channel: 'C0SRE00001', day: 'monday', time: '09:00', timezone: 'Europe/London', fast_approval: '30s' });
    expect(r.policy.origin?.['digest']).toMatch(/60-digest\.yml:\d+$/);
  });

  it('fills in UTC and 30s when left out', async () => {
    const r = await load('digest:\n  channel: C0SRE00001\n  day: friday\n  time: "16:00"\n');
    if (!r.ok) throw new Error(formatPolicyErrors(r.errors));
    expect(r.policy.digest).toEqual({ channel: 'C0SRE00001', day: 'friday', time: '16:00', timezone: 'UTC', fast_approval: '30s' });
  });

  it('rejects each mistake with a message a person can act on', async () => {
    expect(await errors('digest:\n  channel: "#sre"\n  day: monday\n  time: "09:00"\n')).toEqual(['60-digest.yml:2: digest.channel: expected a Slack channel id such as C0123ABCD']);
    expect(await errors('digest:\n  channel: C0SRE00001\n  day: Monday\n  time: "09:00"\n')).toEqual([
      '60-digest.yml:3: digest.day: expected a day of the week in lower case (sunday, monday, tuesday, wednesday, thursday, friday, saturday), got "Monday"',
    ]);
    expect(await errors('digest:\n  channel: C0SRE00001\n  day: monday\n  time: "9am"\n')).toEqual(['60-digest.yml:4: digest.time: expected a time as "HH:MM" (24-hour, e.g. "09:00"), got "9am"']);
    expect(await errors('digest:\n  channel: C0SRE00001\n  day: monday\n  time: "24:00"\n')).toHaveLength(1);
    expect(await errors('digest:\n  channel: C0SRE00001\n  day: monday\n  time: "09:00"\n  timezone: Europe/Londn\n')).toEqual([
      '60-digest.yml:5: digest.timezone: unknown time zone "Europe/Londn": expected an IANA time zone name such as UTC or Europe/Paris',
    ]);
    expect(await errors('digest:\n  channel: C0SRE00001\n  day: monday\n  time: "09:00"\n  every: week\n')).toEqual([
      expect.stringMatching(/^60-digest\.yml:5: digest: unknown key 'every'/),
    ]);
    expect(await errors('digest:\n  channel: C0SRE00001\n  day: monday\n')).toEqual([expect.stringMatching(/^60-digest\.yml:\d: digest: missing required key 'time'/)]);
  });

  it('may be declared in one file only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'policy-digest-twice-'));
    dirs.push(dir);
    await cp(shipped, dir, { recursive: true, filter: (src) => !src.includes('/tests') });
    await writeFile(join(dir, '70-digest-again.yml'), 'digest:\n  channel: C0SRE00002\n  day: friday\n  time: "16:00"\n');
    const r = await loadPolicy(dir, policyLoadOptions);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(formatPolicyErrors(r.errors)).toMatch(/digest is declared twice: in .*60-digest\.yml:\d+ and in .*70-digest-again\.yml:1/);
  });
});
