import { describe, expect, it } from 'vitest';
import { expiryReason } from '../../src/approvals/clocks.ts';

const limits = { approval: '30m', execution: '15m' };
const at = (iso: string) => new Date(iso);
const base = { approval_expires_at: null, execute_by: null, decided_at: null };

describe('expiryReason', () => {
  it('expires a pending proposal once its approval window has run out, not a moment before', () => {
    const p = { ...base, state: 'pending', approval_expires_at: at('2026-11-21T10:30:00Z') };
    expect(expiryReason(p, at('2026-11-21T10:29:59.999Z'), limits)).toBeNull();
    expect(expiryReason(p, at('2026-11-21T10:30:00Z'), limits)).toBe('no decision within the approval window of 30m');
  });

  it('expires an approved proposal that has not started within its execution window', () => {
    const p = { ...base, state: 'approved', decided_at: at('2026-11-21T10:00:00Z'), execute_by: at('2026-11-21T10:15:00Z') };
    expect(expiryReason(p, at('2026-11-21T10:14:00Z'), limits)).toBeNull();
    expect(expiryReason(p, at('2026-11-21T10:15:00Z'), limits)).toBe('not started within the execution window of 15m (approved at 2026-11-21T10:00:00.000Z)');
  });

  it('leaves every other state alone, and a clock that never started', () => {
    const late = at('2030-01-01T00:00:00Z');
    for (const state of ['executing', 'succeeded', 'failed', 'rejected', 'refused', 'advisory', 'expired', 'cancelled', 'superseded']) {
      expect(expiryReason({ ...base, state, approval_expires_at: at('2026-01-01T00:00:00Z'), execute_by: at('2026-01-01T00:00:00Z') }, late, limits)).toBeNull();
    }
    expect(expiryReason({ ...base, state: 'pending' }, late, limits)).toBeNull();
  });
});
