import { describe, expect, it } from 'vitest';
import { renderOutcomeChart } from '../../src/digest/chart.ts';
import { outcomes, type Outcome } from '../../src/digest/figures.ts';

const zero = (): Record<Outcome, number> => Object.fromEntries(outcomes.map((o) => [o, 0])) as Record<Outcome, number>;
const week = (fill: (i: number) => Partial<Record<Outcome, number>>) => ({
  perDay: Array.from({ length: 7 }, (_, i) => ({ date: `2026-03-0${i + 2}`, counts: { ...zero(), ...fill(i) } })),
});

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('renderOutcomeChart', () => {
  it('renders a valid PNG of the requested size', () => {
    const png = renderOutcomeChart(week((i) => ({ succeeded: i, failed: i % 2, rejected: 1 })), { width: 640, height: 320 });
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    // The first chunk is IHDR: length(4) type(4) then width and height as big-endian uint32.
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    expect(png.readUInt32BE(16)).toBe(640);
    expect(png.readUInt32BE(20)).toBe(320);
    expect(png.subarray(-8, -4).toString('ascii')).toBe('IEND');
  });

  it('draws different data as different images, and the same data the same', () => {
    const a = renderOutcomeChart(week((i) => ({ succeeded: i })));
    const b = renderOutcomeChart(week((i) => ({ failed: 7 - i })));
    expect(a.equals(b)).toBe(false);
    expect(a.equals(renderOutcomeChart(week((i) => ({ succeeded: i }))))).toBe(true);
    expect(a.readUInt32BE(16)).toBe(800); // default size
  });

  it('renders an empty week and refuses absurd sizes', () => {
    expect(renderOutcomeChart(week(() => ({}))).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(() => renderOutcomeChart(week(() => ({})), { width: 10, height: 10 })).toThrow(/chart size/);
  });
});
