// Inline SVG charts: drawn from numbers in the report, no script, no external resource. Every
// label goes through the escaping template; shapes carry patterns as well as colours so that a
// greyscale print still tells the series apart.

import { html, trusted, type SafeHtml } from './html-escape.js';
import { byCodeUnit } from '../../util/order.js';

const INK = '#1d2433';
const MUTED = '#5b6477';
const GRID = '#d9dee8';
const ACCENT = '#1f4e8c';

function n(v: number): string {
  return (Math.round(v * 100) / 100).toString();
}

/** A grade's colour: green for A, amber for B and C, red below; grey for no grade. */
export function gradeColor(grade: string | null): string {
  return grade === null ? MUTED : /^A/.test(grade) ? '#1e7b4a' : /^[BC]/.test(grade) ? '#c58a00' : '#b3261e';
}

/** Half-circle gauge of the overall score, with the grade in the middle. */
export function scoreGauge(score: number | null, grade: string, label: string, outOf: string): SafeHtml {
  const cx = 120,
    cy = 120,
    r = 96;
  const value = score === null ? 0 : Math.max(0, Math.min(100, score));
  const point = (p: number) => {
    const a = Math.PI * (1 - p / 100);
    return [cx + r * Math.cos(a), cy - r * Math.sin(a)] as const;
  };
  const arc = (from: number, to: number) => {
    const [x1, y1] = point(from);
    const [x2, y2] = point(to);
    return `M ${n(x1)} ${n(y1)} A ${r} ${r} 0 0 1 ${n(x2)} ${n(y2)}`;
  };
  // Coloured by the grade, not the number: a capped grade is the message.
  const color = gradeColor(grade);
  // Grade boundaries (A ≥ 80, B ≥ 65, C ≥ 50, D ≥ 35, E ≥ 20) as ticks on the dial.
  const ticks = [20, 35, 50, 65, 80].map((p) => {
    const a = Math.PI * (1 - p / 100);
    return html`<line x1="${n(cx + (r - 16) * Math.cos(a))}" y1="${n(cy - (r - 16) * Math.sin(a))}" x2="${n(cx + (r + 14) * Math.cos(a))}" y2="${n(cy - (r + 14) * Math.sin(a))}" stroke="#ffffff" stroke-width="2"/>`;
  });
  return html`<svg viewBox="0 0 240 150" role="img" aria-label="${label}: ${score === null ? '—' : String(score)} ${outOf}, ${grade}">
  <path d="${arc(0, 100)}" fill="none" stroke="${GRID}" stroke-width="22"/>
  ${value > 0 ? html`<path d="${arc(0, value)}" fill="none" stroke="${color}" stroke-width="22"/>` : ''}
  ${ticks}
  <text x="${cx}" y="${cy - 26}" text-anchor="middle" font-size="40" font-weight="800" fill="${INK}">${score === null ? '—' : String(score)}</text>
  <text x="${cx}" y="${cy - 6}" text-anchor="middle" font-size="12" fill="${MUTED}">${outOf}</text>
  <text x="${cx}" y="${cy + 24}" text-anchor="middle" font-size="22" font-weight="800" fill="${color}">${grade}</text>
  <text x="${cx - r}" y="${cy + 16}" text-anchor="middle" font-size="10" fill="${MUTED}">0</text>
  <text x="${cx + r}" y="${cy + 16}" text-anchor="middle" font-size="10" fill="${MUTED}">100</text>
</svg>`;
}

export interface SeriesChart {
  /** [milliseconds since start, round trip in ms]. */
  points: Array<[number, number]>;
  p50?: number;
  p95?: number;
  /** The target, drawn only when it is within reach of the data (else it flattens the curve). */
  limit?: number;
  labels: { axisX: string; axisY: string; p50: string; p95: string; limit: string };
}

/** RTT per packet over the stream, with median and 95th percentile as reference lines. */
export function seriesChart(c: SeriesChart): SafeHtml {
  const W = 560,
    H = 230,
    L = 54,
    R = 14,
    T = 14,
    B = 42;
  const xs = c.points.map((p) => p[0]);
  const ys = c.points.map((p) => p[1]);
  const xMax = niceCeil(Math.max(1, ...xs));
  const showLimit = c.limit !== undefined && c.limit <= Math.max(...ys, 0) * 4;
  const yTop = niceCeil(Math.max(...ys, c.p95 ?? 0, showLimit ? c.limit! : 0) * 1.1 || 1);
  const x = (v: number) => L + (v / xMax) * (W - L - R);
  const y = (v: number) => T + (1 - v / yTop) * (H - T - B);
  const path = c.points.map((p, i) => `${i ? 'L' : 'M'} ${n(x(p[0]))} ${n(y(p[1]))}`).join(' ');
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yTop);
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * xMax);
  // Labels alternate sides so that close reference lines do not print over each other.
  const ref = (v: number | undefined, dash: string, text: string, side: 'start' | 'end') =>
    v === undefined
      ? ''
      : html`<line x1="${L}" x2="${W - R}" y1="${n(y(v))}" y2="${n(y(v))}" stroke="${INK}" stroke-width="1" stroke-dasharray="${dash}"/>
  <text x="${side === 'end' ? W - R - 4 : L + 4}" y="${n(y(v) - 4)}" text-anchor="${side}" font-size="11" fill="${INK}" stroke="#ffffff" stroke-width="3" paint-order="stroke">${text}</text>`;
  return html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${c.labels.axisY}">
  ${yTicks.map((v) => html`<line x1="${L}" x2="${W - R}" y1="${n(y(v))}" y2="${n(y(v))}" stroke="${GRID}" stroke-width="1"/><text x="${L - 6}" y="${n(y(v) + 3)}" text-anchor="end" font-size="10" fill="${MUTED}">${fmtAxis(v)}</text>`)}
  ${xTicks.map((v) => html`<text x="${n(x(v))}" y="${H - B + 14}" text-anchor="middle" font-size="10" fill="${MUTED}">${fmtAxis(v / 1000)}</text>`)}
  <path d="${path}" fill="none" stroke="${ACCENT}" stroke-width="1.6" stroke-linejoin="round"/>
  ${ref(c.p50, '2 3', c.labels.p50, 'start')}
  ${ref(c.p95, '6 3', c.labels.p95, 'end')}
  ${showLimit ? ref(c.limit, '10 4', c.labels.limit, 'end') : ''}
  <text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle" font-size="11" fill="${MUTED}">${c.labels.axisX}</text>
  <text x="12" y="${(T + H - B) / 2}" text-anchor="middle" font-size="11" fill="${MUTED}" transform="rotate(-90 12 ${(T + H - B) / 2})">${c.labels.axisY}</text>
</svg>`;
}

export interface BulletRow {
  label: string;
  value: number;
  limit: number;
  /** The value, formatted with its unit, shown after the bar. */
  text: string;
}

/** Each value as a bar on a track that ends at 125 % of its target; the target is a thick mark. */
export function bulletChart(rows: BulletRow[], targetLabel: string): SafeHtml {
  const W = 1000,
    L = 250,
    R = 230,
    rowH = 30,
    T = 8;
  const H = T + rows.length * rowH + 22;
  const trackW = W - L - R;
  return html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${targetLabel}">
  ${rows.map((row, i) => {
    const top = T + i * rowH;
    const scale = row.limit * 1.25;
    const w = Math.max(1.5, Math.min(1, row.value / scale) * trackW);
    const over = row.value > row.limit;
    const lx = L + (row.limit / scale) * trackW;
    return html`<text x="${L - 10}" y="${top + 16}" text-anchor="end" font-size="13" fill="${INK}">${row.label}</text>
  <rect x="${L}" y="${top + 4}" width="${trackW}" height="16" fill="#f4f6fa" stroke="${GRID}"/>
  <rect x="${L}" y="${top + 7}" width="${n(w)}" height="10" fill="${over ? '#b3261e' : ACCENT}"/>
  <line x1="${n(lx)}" x2="${n(lx)}" y1="${top + 1}" y2="${top + 23}" stroke="${INK}" stroke-width="3"/>
  <text x="${L + trackW + 10}" y="${top + 16}" font-size="13" fill="${over ? '#b3261e' : INK}">${row.text}</text>`;
  })}
  <text x="${L}" y="${H - 4}" font-size="12" fill="${MUTED}">${targetLabel}</text>
</svg>`;
}

export interface BarGroup {
  label: string;
  bars: Array<{ label: string; value: number; kind: 'measured' | 'capacity' | 'allowance' | 'demand'; text: string }>;
}

const BAR_STYLE: Record<BarGroup['bars'][number]['kind'], { fill: string; pattern?: string }> = {
  measured: { fill: ACCENT },
  capacity: { fill: '#8795ab' },
  allowance: { fill: '#c9d1de', pattern: 'hatch' },
  demand: { fill: '#c58a00', pattern: 'dots' },
};

/**
 * Horizontal bars per direction. Measured goodput on a lab or LAN dwarfs the real-time demand by
 * three or four orders of magnitude, so the axis turns logarithmic when the spread is that large
 * (and says so), which keeps the demand visible next to the capacity.
 */
export function barChart(groups: BarGroup[], logNote: string): { svg: SafeHtml; log: boolean } {
  const values = groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => v > 0);
  const max = Math.max(...values, 1);
  const min = Math.min(...values, max);
  const log = max / min > 50;
  const W = 1000,
    L = 230,
    R = 150,
    rowH = 22,
    gap = 14,
    T = 6;
  const rows = groups.reduce((s, g) => s + g.bars.length, 0);
  const H = T + rows * rowH + groups.length * (gap + 16) + (log ? 40 : 26);
  const trackW = W - L - R;
  const lo = log ? Math.pow(10, Math.floor(Math.log10(min))) : 0;
  const hi = log ? Math.pow(10, Math.ceil(Math.log10(max))) : niceCeil(max);
  const scale = (v: number) => (log ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : v / hi) * trackW;
  const ticks: number[] = [];
  if (log) for (let v = lo; v <= hi * 1.0001; v *= 10) ticks.push(v);
  else for (let i = 0; i <= 4; i++) ticks.push((hi * i) / 4);
  let top = T;
  const body: SafeHtml[] = [];
  for (const g of groups) {
    body.push(html`<text x="0" y="${top + 12}" font-size="13" font-weight="700" fill="${INK}">${g.label}</text>`);
    top += 16;
    for (const b of g.bars) {
      const style = BAR_STYLE[b.kind];
      const w = Math.max(1.5, scale(b.value));
      body.push(html`<text x="${L - 10}" y="${top + 14}" text-anchor="end" font-size="13" fill="${INK}">${b.label}</text>
  <rect x="${L}" y="${top + 3}" width="${n(w)}" height="13" fill="${style.fill}" stroke="${INK}" stroke-width="0.5"/>
  ${style.pattern ? html`<rect x="${L}" y="${top + 3}" width="${n(w)}" height="13" fill="url(#${style.pattern})"/>` : ''}
  <text x="${n(L + w + 8)}" y="${top + 14}" font-size="13" fill="${INK}">${b.text}</text>`);
      top += rowH;
    }
    top += gap;
  }
  const axisY = top;
  const svg = html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${groups.map((g) => g.label).join(', ')}">
  <defs>
    <pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="${INK}" stroke-width="1.2"/></pattern>
    <pattern id="dots" width="5" height="5" patternUnits="userSpaceOnUse"><circle cx="2.5" cy="2.5" r="1" fill="${INK}"/></pattern>
  </defs>
  ${ticks.map((v) => html`<line x1="${n(L + scale(v))}" x2="${n(L + scale(v))}" y1="${T}" y2="${axisY}" stroke="${GRID}"/><text x="${n(L + scale(v))}" y="${axisY + 14}" text-anchor="middle" font-size="12" fill="${MUTED}">${fmtAxis(v)}</text>`)}
  ${body}
  ${log ? html`<text x="${L}" y="${H - 4}" font-size="12" fill="${MUTED}">${logNote}</text>` : ''}
</svg>`;
  return { svg, log };
}

function niceCeil(v: number): number {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  const m = v / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
}

function fmtAxis(v: number): string {
  if (v === 0) return '0';
  if (v >= 1000) return `${Math.round(v / 100) / 10}k`.replace('.0k', 'k');
  if (v >= 10) return String(Math.round(v));
  if (v >= 1) return String(Math.round(v * 10) / 10);
  return String(Math.round(v * 1000) / 1000);
}

export interface LineSeries {
  label: string;
  values: number[];
}

const LINE_DASH = ['', '6 3', '2 3', '10 3 2 3'];

/**
 * Several series over their sample index on one axis, with the limits they are judged against;
 * series are told apart by dash as well as colour so a greyscale print still reads.
 */
export function lineChart(series: LineSeries[], unit: string, limits: Array<{ value: number; label: string }>, aria: string): SafeHtml {
  const W = 560,
    H = 200,
    L = 54,
    R = 14,
    T = 14,
    B = 30;
  const all = series.flatMap((s) => s.values);
  const xMax = Math.max(1, ...series.map((s) => s.values.length - 1));
  const shown = limits.filter((l) => l.value <= Math.max(...all, 0) * 4);
  const yTop = niceCeil(Math.max(...all, ...shown.map((l) => l.value), 0) * 1.1 || 1);
  const x = (i: number) => L + (i / xMax) * (W - L - R);
  const y = (v: number) => T + (1 - v / yTop) * (H - T - B);
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yTop);
  const colours = [ACCENT, '#c58a00', '#1e7b4a', '#b3261e'];
  return html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${aria}">
  ${yTicks.map((v) => html`<line x1="${L}" x2="${W - R}" y1="${n(y(v))}" y2="${n(y(v))}" stroke="${GRID}" stroke-width="1"/><text x="${L - 6}" y="${n(y(v) + 3)}" text-anchor="end" font-size="10" fill="${MUTED}">${fmtAxis(v)}</text>`)}
  ${series.map((s, k) => html`<path d="${s.values.map((v, i) => `${i ? 'L' : 'M'} ${n(x(i))} ${n(y(v))}`).join(' ')}" fill="none" stroke="${colours[k % colours.length]}" stroke-width="1.6" stroke-dasharray="${LINE_DASH[k % LINE_DASH.length]}"/>`)}
  ${shown.map((l) => html`<line x1="${L}" x2="${W - R}" y1="${n(y(l.value))}" y2="${n(y(l.value))}" stroke="${INK}" stroke-width="1" stroke-dasharray="10 4"/><text x="${W - R - 4}" y="${n(y(l.value) - 4)}" text-anchor="end" font-size="11" fill="${INK}" stroke="#ffffff" stroke-width="3" paint-order="stroke">${l.label}</text>`)}
  ${series.length > 1 ? series.map((s, k) => html`<text x="${L + 4 + k * 130}" y="${H - 8}" font-size="11" fill="${colours[k % colours.length]}">— ${s.label}</text>`) : ''}
  <text x="12" y="${(T + H - B) / 2}" text-anchor="middle" font-size="11" fill="${MUTED}" transform="rotate(-90 12 ${(T + H - B) / 2})">${unit}</text>
</svg>`;
}

/** One run of a site, as a point of its score over time. */
export interface TrendPoint {
  id: number | string;
  /** ISO date-time. */
  startedAt: string;
  score: number | null;
  grade: string | null;
}

/** A site's score over time: one dot per run, coloured and labelled by its grade, on a time axis. */
export function scoreTrendChart(runs: readonly TrendPoint[], labels: { title: string; axisY: string }): SafeHtml {
  const W = 720,
    H = 260,
    left = 48,
    right = 48,
    top = 16,
    bottom = 40;
  const pts = [...runs].sort((a, b) => byCodeUnit(a.startedAt, b.startedAt));
  const times = pts.map((r) => Date.parse(r.startedAt));
  const t0 = Math.min(...times),
    t1 = Math.max(...times);
  const x = (t: number, i: number) =>
    t1 > t0
      ? left + ((t - t0) / (t1 - t0)) * (W - left - right)
      : pts.length > 1
        ? left + (i / (pts.length - 1)) * (W - left - right)
        : (W + left - right) / 2;
  const y = (s: number) => top + (1 - s / 100) * (H - top - bottom);
  const grid = [0, 20, 35, 50, 65, 80, 100].map(
    (s) =>
      html`<line x1="${left}" y1="${n(y(s))}" x2="${W - right}" y2="${n(y(s))}" stroke="${GRID}" stroke-width="1"${s > 0 && s < 100 ? trusted(' stroke-dasharray="4 3"') : ''}/>
  <text x="${left - 6}" y="${n(y(s) + 3.5)}" text-anchor="end" font-size="10" fill="${MUTED}">${s}</text>`,
  );
  const scored = pts.map((r, i) => ({ r, px: x(times[i]!, i) })).filter((p) => p.r.score !== null);
  const path = scored.map((p, i) => `${i ? 'L' : 'M'} ${n(p.px)} ${n(y(p.r.score!))}`).join(' ');
  const dots = scored.map(
    (
      p,
    ) => html`<g><title>#${p.r.id} ${`${p.r.startedAt.slice(0, 10)} ${p.r.startedAt.slice(11, 16)}`} · ${p.r.score!} ${p.r.grade ?? ''}</title>
    <circle cx="${n(p.px)}" cy="${n(y(p.r.score!))}" r="5" fill="#ffffff" stroke="${gradeColor(p.r.grade)}" stroke-width="2.5"/>
    <text x="${n(p.px)}" y="${n(y(p.r.score!) - 9)}" text-anchor="middle" font-size="10" font-weight="700" fill="${gradeColor(p.r.grade)}">${p.r.grade ?? ''}</text></g>`,
  );
  // Date labels: first, last, and a few between, never overlapping.
  const every = Math.max(1, Math.ceil(pts.length / 6));
  const ticks = pts
    .map((r, i) => ({ r, i }))
    .filter(({ i }) => i === 0 || i === pts.length - 1 || (i % every === 0 && pts.length - 1 - i >= every / 2))
    .map(
      ({ r, i }) =>
        html`<text x="${n(x(times[i]!, i))}" y="${H - bottom + 16}" text-anchor="middle" font-size="10" fill="${MUTED}">${r.startedAt.slice(0, 10)}</text>
  <text x="${n(x(times[i]!, i))}" y="${H - bottom + 28}" text-anchor="middle" font-size="9" fill="${MUTED}">${r.startedAt.slice(11, 16)}</text>`,
    );
  return html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${labels.title}" style="width:100%;max-width:${W}px;height:auto">
  ${grid}
  <text x="12" y="${n(top + (H - top - bottom) / 2)}" transform="rotate(-90 12 ${n(top + (H - top - bottom) / 2)})" text-anchor="middle" font-size="10" fill="${MUTED}">${labels.axisY}</text>
  ${path ? html`<path d="${path}" fill="none" stroke="${ACCENT}" stroke-width="2"/>` : ''}
  ${dots}
  ${ticks}
  <line x1="${left}" y1="${H - bottom}" x2="${W - right}" y2="${H - bottom}" stroke="${INK}" stroke-width="1"/>
</svg>`;
}
