// Digest slots on the nights the clocks change: one slot per week, never two, never none.
import { describe, expect, it } from 'vitest';
import { dueSlot, nextSlot, resolveWallTime, slotWindow } from '../../src/digest/schedule.ts';

const at = (iso: string) => new Date(iso);

describe('digest slots across DST', () => {
  it('a wall time the clocks repeat is its first occurrence (London, 25 Oct 2026, 01:30 happens at 00:30Z and 01:30Z)', () => {
    expect(resolveWallTime('2026-10-25', '01:30', 'Europe/London')).toEqual(at('2026-10-25T00:30:00Z'));
    const s = { day: 'sunday', time: '01:30', timezone: 'Europe/London' } as const;
    // At the second 01:30 the due slot is still the first one: nothing new to post.
    expect(dueSlot(s, at('2026-10-25T01:30:00Z'))).toEqual({ date: '2026-10-25', at: at('2026-10-25T00:30:00Z') });
    expect(nextSlot(s, at('2026-10-25T00:30:00Z'))).toEqual({ date: '2026-11-01', at: at('2026-11-01T01:30:00Z') });
  });

  it('a wall time the clocks skip moves to just after the gap, and is due (London, 29 Mar 2026, 01:30 → 02:30 BST)', () => {
    expect(resolveWallTime('2026-03-29', '01:30', 'Europe/London')).toEqual(at('2026-03-29T01:30:00Z'));
    const s = { day: 'sunday', time: '01:30', timezone: 'Europe/London' } as const;
    expect(nextSlot(s, at('2026-03-28T12:00:00Z'))).toEqual({ date: '2026-03-29', at: at('2026-03-29T01:30:00Z') });
    expect(dueSlot(s, at('2026-03-29T01:31:00Z'))).toEqual({ date: '2026-03-29', at: at('2026-03-29T01:30:00Z') });
    // Its week: Sunday 01:30 GMT to Sunday 02:30 BST, 7 days exactly.
    expect(slotWindow(s, { date: '2026-03-29', at: at('2026-03-29T01:30:00Z') })).toEqual({ from: at('2026-03-22T01:30:00Z'), to: at('2026-03-29T01:30:00Z') });
  });

  it('New York: skipped 02:30 on 8 Mar 2026 and repeated 01:30 on 1 Nov 2026', () => {
    expect(resolveWallTime('2026-03-08', '02:30', 'America/New_York')).toEqual(at('2026-03-08T07:30:00Z'));
    expect(resolveWallTime('2026-11-01', '01:30', 'America/New_York')).toEqual(at('2026-11-01T05:30:00Z'));
    expect(resolveWallTime('2026-11-02', '09:00', 'America/New_York')).toEqual(at('2026-11-02T14:00:00Z'));
  });

  it('zones far from UTC keep their local date: Auckland Monday 09:00 is Sunday 20:00Z', () => {
    const s = { day: 'monday', time: '09:00', timezone: 'Pacific/Auckland' } as const;
    expect(nextSlot(s, at('2026-11-22T00:00:00Z'))).toEqual({ date: '2026-11-23', at: at('2026-11-22T20:00:00Z') });
    expect(dueSlot(s, at('2026-11-22T20:00:00Z'))).toEqual({ date: '2026-11-23', at: at('2026-11-22T20:00:00Z') });
  });
});
