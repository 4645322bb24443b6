import { escapeHtml, px } from './escape.js';
import type { ReportBucket, ReportMark } from './report-types.js';

const WIDTH = 900;
const PLOT_HEIGHT = 240;
const LEFT = 60;
const RIGHT = 60;
const BOTTOM = 56;
const ROW = 15;
const CHAR_PX = 6.4;

const MARK_COLOURS: Readonly<Record<NonNullable<ReportMark['kind']>, string>> = {
  fault: '#c2410c',
  detection: '#7c3aed',
  action: '#0369a1',
  recovery: '#15803d',
  info: '#57534e',
};

const STEPS_S = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 21_600, 43_200, 86_400];

/** The smallest of 1, 2, 5 × 10^k at or above `v` (at least 1). */
function niceCeil(v: number): number {
  if (!(v > 1)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * Renders the series as an inline SVG line chart: counts per second (left axis) and error rate in
 * percent (right axis, with the area under it shaded), over seconds from the first bucket, with each
 * mark as a dashed vertical line labelled above the plot. Labels are placed in rows so that they do
 * not overlap. All text is escaped.
 */
export function renderSeriesChart(
  series: readonly ReportBucket[],
  bucketMs: number,
  marks: readonly ReportMark[] = [],
  labels: { readonly count: string; readonly errors: string } = { count: 'requests', errors: 'errors' },
): string {
  const rateLabel = escapeHtml(`${labels.count}/s`);
  const buckets = [...series].filter((b) => Number.isFinite(b.t)).sort((a, b) => a.t - b.t);
  const pins = [...marks].filter((m) => Number.isFinite(m.at)).sort((a, b) => a.at - b.at);
  const times = [...buckets.map((b) => b.t), ...buckets.map((b) => b.t + bucketMs), ...pins.map((m) => m.at)];
  const t0 = times.length > 0 ? Math.min(...times) : 0;
  const t1 = Math.max(t0 + 1_000, ...times);
  const plotW = WIDTH - LEFT - RIGHT;
  const x = (t: number) => LEFT + ((t - t0) / (t1 - t0)) * plotW;

  // Mark labels go in the first row where they clear the previous label.
  const rowEnds: number[] = [];
  const placed = pins.map((m) => {
    const mx = x(m.at);
    const text = m.label.length > 64 ? `${m.label.slice(0, 63)}…` : m.label;
    const w = text.length * CHAR_PX + 8;
    const anchorEnd = mx + w > WIDTH - 4;
    const from = anchorEnd ? mx - w : mx;
    let row = rowEnds.findIndex((end) => from > end);
    if (row < 0) row = rowEnds.push(0) - 1;
    rowEnds[row] = from + w;
    return { m, mx, text, row, anchorEnd };
  });
  const top = 12 + rowEnds.length * ROW;
  const height = top + PLOT_HEIGHT + BOTTOM;
  const bottom = top + PLOT_HEIGHT;

  const perSecond = (b: ReportBucket) => (b.requests * 1_000) / bucketMs;
  const maxRate = niceCeil(Math.max(1, ...buckets.map(perSecond)));
  const yRate = (v: number) => bottom - (v / maxRate) * PLOT_HEIGHT;
  const yErr = (ratio: number) => bottom - ratio * PLOT_HEIGHT;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${WIDTH} ${px(height)}" width="${WIDTH}" height="${px(height)}" role="img" aria-label="${escapeHtml(labels.count)} per second and error rate over time">`,
  );
  // Grid and axes.
  for (let i = 0; i <= 4; i++) {
    const y = bottom - (i / 4) * PLOT_HEIGHT;
    out.push(`<line x1="${LEFT}" y1="${px(y)}" x2="${WIDTH - RIGHT}" y2="${px(y)}" class="grid"/>`);
    out.push(`<text x="${LEFT - 6}" y="${px(y + 4)}" text-anchor="end" class="axis rate">${(maxRate * i) / 4}</text>`);
    out.push(`<text x="${WIDTH - RIGHT + 6}" y="${px(y + 4)}" class="axis err">${25 * i}%</text>`);
  }
  const spanS = (t1 - t0) / 1_000;
  const step = STEPS_S.find((s) => spanS / s <= 12) ?? STEPS_S.at(-1)!;
  for (let s = 0; s <= spanS + 1e-9; s += step) {
    const tx = x(t0 + s * 1_000);
    out.push(`<line x1="${px(tx)}" y1="${bottom}" x2="${px(tx)}" y2="${bottom + 4}" class="tick"/>`);
    out.push(`<text x="${px(tx)}" y="${bottom + 16}" text-anchor="middle" class="axis">${+s.toFixed(1)} s</text>`);
  }
  out.push(`<line x1="${LEFT}" y1="${bottom}" x2="${WIDTH - RIGHT}" y2="${bottom}" class="baseline"/>`);
  out.push(
    `<text x="14" y="${px(top + PLOT_HEIGHT / 2)}" transform="rotate(-90 14 ${px(top + PLOT_HEIGHT / 2)})" text-anchor="middle" class="axis rate">${rateLabel}</text>`,
    `<text x="${WIDTH - 12}" y="${px(top + PLOT_HEIGHT / 2)}" transform="rotate(90 ${WIDTH - 12} ${px(top + PLOT_HEIGHT / 2)})" text-anchor="middle" class="axis err">error rate</text>`,
  );

  // Error rate: shaded area and line, broken where a bucket counted nothing.
  const segments: { x: number; y: number }[][] = [];
  let current: { x: number; y: number }[] | undefined;
  for (const b of buckets) {
    if (b.requests <= 0) {
      current = undefined;
      continue;
    }
    if (!current) {
      current = [];
      segments.push(current);
    }
    current.push({ x: x(b.t + bucketMs / 2), y: yErr(Math.min(1, Math.max(0, b.errors / b.requests))) });
  }
  for (const seg of segments) {
    const pts = seg.map((p) => `${px(p.x)},${px(p.y)}`).join(' ');
    const first = seg[0]!;
    const last = seg.at(-1)!;
    out.push(
      `<polygon class="err-area" points="${px(first.x)},${bottom} ${pts} ${px(last.x)},${bottom}"/>`,
      `<polyline class="err-line" points="${pts}"/>`,
    );
  }
  if (buckets.length > 0) {
    const pts = buckets.map((b) => `${px(x(b.t + bucketMs / 2))},${px(yRate(perSecond(b)))}`).join(' ');
    out.push(`<polyline class="rate-line" points="${pts}"/>`);
  }

  // Marks: a dashed line through the plot, the label in its row above.
  for (const { m, mx, text, row, anchorEnd } of placed) {
    const colour = MARK_COLOURS[m.kind ?? 'info'] ?? MARK_COLOURS.info;
    const ly = 12 + row * ROW + 10;
    out.push(
      `<g class="mark mark-${escapeHtml(m.kind ?? 'info')}"><title>${escapeHtml(m.label)}</title>`,
      `<line x1="${px(mx)}" y1="${px(ly + 3)}" x2="${px(mx)}" y2="${bottom}" stroke="${colour}" stroke-dasharray="4 3"/>`,
      `<text x="${px(anchorEnd ? mx - 3 : mx + 3)}" y="${px(ly)}" fill="${colour}"${anchorEnd ? ' text-anchor="end"' : ''} class="mark-label">${escapeHtml(text)}</text></g>`,
    );
  }

  const ly = bottom + 38;
  out.push(
    `<g class="legend"><line x1="${LEFT}" y1="${ly - 4}" x2="${LEFT + 22}" y2="${ly - 4}" class="rate-line"/>`,
    `<text x="${LEFT + 28}" y="${ly}" class="axis">${rateLabel}</text>`,
    `<rect x="${LEFT + 120}" y="${ly - 9}" width="22" height="10" class="err-area"/><line x1="${LEFT + 120}" y1="${ly - 9}" x2="${LEFT + 142}" y2="${ly - 9}" class="err-line"/>`,
    `<text x="${LEFT + 148}" y="${ly}" class="axis">error rate (${escapeHtml(labels.errors)} / ${escapeHtml(labels.count)})</text></g>`,
  );
  out.push('</svg>');
  return out.join('\n');
}
