// Outcomes per day as stacked bars, drawn as an SVG string and rasterised by resvg (Rust, shipped
// as a prebuilt binary inside the npm package): no browser, no canvas, no native build step.
// Text needs a system font; where none is installed the bars still render and labels are blank.
import { Resvg } from '@resvg/resvg-js';
import { outcomes, type DigestFigures, type Outcome } from './figures.ts';

export const outcomeColours: Record<Outcome, string> = {
  succeeded: '#2eb67d',
  failed: '#e01e5a',
  rejected: '#ecb22e',
  advisory: '#36c5f0',
  refused: '#8e44ad',
  expired: '#9e9e9e',
  cancelled: '#c0c0c0',
  superseded: '#607d8b',
  open: '#1d1c1d',
};

export interface ChartOptions {
  width?: number;
  height?: number;
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function outcomeChartSvg(figures: Pick<DigestFigures, 'perDay'>, opts: ChartOptions = {}): string {
  const width = opts.width ?? 800;
  const height = opts.height ?? 400;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 200 || height < 150 || width > 4000 || height > 4000) {
    throw new RangeError(`chart size must be whole pixels within 200×150 … 4000×4000, got ${width}×${height}`);
  }
  const pad = { left: 48, right: 140, top: 32, bottom: 40 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const days = figures.perDay;
  const totals = days.map((d) => outcomes.reduce((s, o) => s + d.counts[o], 0));
  const max = Math.max(1, ...totals);
  const slot = plotW / Math.max(1, days.length);
  const barW = Math.max(2, slot * 0.6);
  const used = outcomes.filter((o) => days.some((d) => d.counts[o] > 0));

  const parts: string[] = [
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${pad.left}" y="20" font-family="DejaVu Sans, sans-serif" font-size="14" font-weight="bold">Proposals per day by outcome</text>`,
    `<line x1="${pad.left}" y1="${pad.top + plotH}" x2="${pad.left + plotW}" y2="${pad.top + plotH}" stroke="#555"/>`,
    `<text x="${pad.left - 6}" y="${pad.top + 4}" font-family="DejaVu Sans, sans-serif" font-size="11" text-anchor="end">${max}</text>`,
    `<text x="${pad.left - 6}" y="${pad.top + plotH}" font-family="DejaVu Sans, sans-serif" font-size="11" text-anchor="end">0</text>`,
  ];
  days.forEach((d, i) => {
    const x = pad.left + i * slot + (slot - barW) / 2;
    let y = pad.top + plotH;
    for (const o of outcomes) {
      const n = d.counts[o];
      if (n === 0) continue;
      const h = (n / max) * plotH;
      y -= h;
      parts.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}" fill="${outcomeColours[o]}"/>`);
    }
    parts.push(`<text x="${(x + barW / 2).toFixed(1)}" y="${pad.top + plotH + 16}" font-family="DejaVu Sans, sans-serif" font-size="11" text-anchor="middle">${escapeXml(d.date.slice(5))}</text>`);
  });
  used.forEach((o, i) => {
    const y = pad.top + i * 18;
    const x = pad.left + plotW + 16;
    parts.push(`<rect x="${x}" y="${y}" width="12" height="12" fill="${outcomeColours[o]}"/>`);
    parts.push(`<text x="${x + 18}" y="${y + 11}" font-family="DejaVu Sans, sans-serif" font-size="12">${escapeXml(o)}</text>`);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${parts.join('')}</svg>`;
}

/** The chart as PNG bytes, ready for files.uploadV2. */
export function renderOutcomeChart(figures: Pick<DigestFigures, 'perDay'>, opts: ChartOptions = {}): Buffer {
  const svg = outcomeChartSvg(figures, opts);
  const resvg = new Resvg(svg, { fitTo: { mode: 'original' }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } });
  return resvg.render().asPng();
}
