// `siteready history` output: stored runs over time. Terminal and Markdown are tables for people
// (translated); JSON is `{ runs: [...] }` for pipelines (field names only); HTML stands alone, with
// one trend chart of the score per site drawn as inline SVG (no script, nothing fetched).

import { Chalk } from 'chalk';
import { translator, type Lang } from '../i18n/index.js';
import { html, trusted, type SafeHtml } from '../report/render/html-escape.js';
import { documentHead } from '../report/render/html-head.js';
import { mdCell } from '../report/render/markdown-escape.js';
import { displayWidth, pad } from '../util/text.js';
import { KEY_MEASUREMENTS, type StoredRun } from './store.js';

export const HISTORY_FORMATS = ['terminal', 'json', 'md', 'html'] as const;
export type HistoryFormat = (typeof HISTORY_FORMATS)[number];

export interface HistoryView {
  /** The store, password masked. */
  store: string;
  site?: string;
  since?: string;
  /** Newest first. */
  runs: StoredRun[];
  toolVersion: string;
}

const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
const score = (n: number | null) => (n === null ? '—' : String(n));

function keyText(run: StoredRun, t: ReturnType<typeof translator>['t']): string {
  return KEY_MEASUREMENTS.filter((k) => run.key[k.key] !== undefined)
    .map((k) => t(`history.key.${k.key}`, { value: run.key[k.key]! }))
    .join(' · ');
}

interface Row {
  cells: string[];
  tone: 'good' | 'warn' | 'bad';
}

function table(view: HistoryView, lang: Lang): { head: string[]; rows: Row[] } {
  const { t } = translator(lang);
  const head = ['id', 'started', 'site', 'score', 'grade', 'verdict', 'blockers', 'tool', 'key'].map((c) => t(`history.col.${c}`));
  const rows = view.runs.map((r) => ({
    cells: [
      String(r.id),
      when(r.startedAt),
      r.site,
      score(r.score),
      r.grade ?? '—',
      `${t(`verdict.${r.verdict}`)}${r.complete ? '' : ` (${t('report.incomplete')})`}`,
      String(r.blockers),
      r.toolVersion,
      keyText(r, t),
    ],
    tone: r.verdict === 'READY' ? ('good' as const) : r.verdict === 'NOT READY' ? ('bad' as const) : ('warn' as const),
  }));
  return { head, rows };
}

function summary(view: HistoryView, lang: Lang): string {
  const { t } = translator(lang);
  if (!view.runs.length) return view.site ? t('history.noneForSite', { site: view.site }) : t('history.none');
  return t('history.count', { count: view.runs.length, sites: new Set(view.runs.map((r) => r.site)).size });
}

function renderTerminal(view: HistoryView, lang: Lang, color: boolean): string {
  const { t } = translator(lang);
  const c = new Chalk({ level: color ? 1 : 0 });
  const { head, rows } = table(view, lang);
  const lines = [c.bold(t('history.title')), c.dim(t('history.store', { store: view.store })), ''];
  if (rows.length) {
    const widths = head.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r.cells[i]!))));
    const line = (cells: string[], verdictTone?: (s: string) => string) =>
      cells
        .map((x, i) => {
          const cell = i === cells.length - 1 ? x : pad(x, widths[i]!);
          return i === 5 && verdictTone ? verdictTone(cell) : cell;
        })
        .join('  ')
        .trimEnd();
    lines.push(c.bold(line(head)));
    for (const r of rows) lines.push(line(r.cells, r.tone === 'good' ? c.green : r.tone === 'bad' ? c.red : c.yellow));
    lines.push('');
  }
  lines.push(summary(view, lang));
  return `${lines.join('\n')}\n`;
}

function renderMarkdown(view: HistoryView, lang: Lang): string {
  const { t } = translator(lang);
  const { head, rows } = table(view, lang);
  const out = [`# ${t('history.title')}`, '', t('history.store', { store: view.store }), ''];
  if (rows.length) {
    out.push(`| ${head.map(mdCell).join(' | ')} |`, `|${head.map(() => '---').join('|')}|`);
    for (const r of rows) out.push(`| ${r.cells.map(mdCell).join(' | ')} |`);
    out.push('');
  }
  out.push(summary(view, lang));
  return `${out.join('\n')}\n`;
}

/** `{ runs: [...] }`, newest first: ids and field names, never translated. */
export function historyJson(view: HistoryView): unknown {
  return {
    store: view.store,
    ...(view.site !== undefined ? { site: view.site } : {}),
    ...(view.since !== undefined ? { since: view.since } : {}),
    runs: view.runs.map((r) => ({
      id: r.id,
      site: r.site,
      siteFile: r.siteFile,
      siteSha256: r.siteSha256,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      score: r.score,
      grade: r.grade,
      verdict: r.verdict,
      complete: r.complete,
      blockers: r.blockers,
      risks: r.risks,
      toolVersion: r.toolVersion,
      schemaVersion: r.schemaVersion,
      catalogs: r.catalogs,
      measurements: r.key,
    })),
  };
}

const INK = '#1d2433';
const MUTED = '#5b6477';
const GRID = '#d9dee8';
const ACCENT = '#1f4e8c';
const f2 = (v: number) => (Math.round(v * 100) / 100).toString();
const gradeColor = (g: string | null) => (g === null ? MUTED : /^A/.test(g) ? '#1e7b4a' : /^[BC]/.test(g) ? '#c58a00' : '#b3261e');

/** Score (0–100) over time for one site's runs, oldest on the left; grade boundaries as dashed lines. */
export function trendChart(runs: StoredRun[], labels: { title: string; axisY: string }): SafeHtml {
  const W = 720,
    H = 260,
    left = 48,
    right = 48,
    top = 16,
    bottom = 40;
  const pts = [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
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
      html`<line x1="${left}" y1="${f2(y(s))}" x2="${W - right}" y2="${f2(y(s))}" stroke="${GRID}" stroke-width="1"${s > 0 && s < 100 ? trusted(' stroke-dasharray="4 3"') : ''}/>
  <text x="${left - 6}" y="${f2(y(s) + 3.5)}" text-anchor="end" font-size="10" fill="${MUTED}">${s}</text>`,
  );
  const scored = pts.map((r, i) => ({ r, px: x(times[i]!, i) })).filter((p) => p.r.score !== null);
  const path = scored.map((p, i) => `${i ? 'L' : 'M'} ${f2(p.px)} ${f2(y(p.r.score!))}`).join(' ');
  const dots = scored.map(
    (p) => html`<g><title>#${p.r.id} ${when(p.r.startedAt)} · ${p.r.score!} ${p.r.grade ?? ''}</title>
    <circle cx="${f2(p.px)}" cy="${f2(y(p.r.score!))}" r="5" fill="#ffffff" stroke="${gradeColor(p.r.grade)}" stroke-width="2.5"/>
    <text x="${f2(p.px)}" y="${f2(y(p.r.score!) - 9)}" text-anchor="middle" font-size="10" font-weight="700" fill="${gradeColor(p.r.grade)}">${p.r.grade ?? ''}</text></g>`,
  );
  // Date labels: first, last, and a few between, never overlapping.
  const every = Math.max(1, Math.ceil(pts.length / 6));
  const ticks = pts
    .map((r, i) => ({ r, i }))
    .filter(({ i }) => i === 0 || i === pts.length - 1 || (i % every === 0 && pts.length - 1 - i >= every / 2))
    .map(
      ({ r, i }) =>
        html`<text x="${f2(x(times[i]!, i))}" y="${H - bottom + 16}" text-anchor="middle" font-size="10" fill="${MUTED}">${r.startedAt.slice(0, 10)}</text>
  <text x="${f2(x(times[i]!, i))}" y="${H - bottom + 28}" text-anchor="middle" font-size="9" fill="${MUTED}">${r.startedAt.slice(11, 16)}</text>`,
    );
  return html`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${labels.title}" style="width:100%;max-width:${W}px;height:auto">
  ${grid}
  <text x="12" y="${f2(top + (H - top - bottom) / 2)}" transform="rotate(-90 12 ${f2(top + (H - top - bottom) / 2)})" text-anchor="middle" font-size="10" fill="${MUTED}">${labels.axisY}</text>
  ${path ? html`<path d="${path}" fill="none" stroke="${ACCENT}" stroke-width="2"/>` : ''}
  ${dots}
  ${ticks}
  <line x1="${left}" y1="${H - bottom}" x2="${W - right}" y2="${H - bottom}" stroke="${INK}" stroke-width="1"/>
</svg>`;
}

/** The run table's verdict colours and the trend charts' grid, over the report's styles. */
const HISTORY_STYLES = `td.verdict-good { color: var(--pass); font-weight: 600; } td.verdict-warn { color: var(--warn); font-weight: 600; } td.verdict-bad { color: var(--fail); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.trend-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 12px 20px; }
figure.trend { margin: 0; break-inside: avoid; } figure.trend figcaption { margin: 4px 0 2px; }`;

function renderHtml(view: HistoryView, lang: Lang): string {
  const { t } = translator(lang);
  const { head, rows } = table(view, lang);
  const sites = [...new Set(view.runs.map((r) => r.site))].sort();
  const chartOf = (site: string) => {
    const runs = view.runs.filter((r) => r.site === site);
    const title = t('history.trend', { site });
    return { runs, title, svg: trendChart(runs, { title, axisY: t('history.chart.axisY') }) };
  };
  // One site: its chart in full. Several: small multiples, so a fleet's trends fit a page or two.
  const charts =
    sites.length === 1
      ? (() => {
          const c = chartOf(sites[0]!);
          return html`<section class="chapter"><h2>${c.title}</h2>
${c.svg}
<p class="muted small">${t('history.siteRuns', { count: c.runs.length })}</p></section>`;
        })()
      : html`<section class="chapter"><h2>${t('history.trends')}</h2><div class="trend-grid">${sites.map((site) => {
          const c = chartOf(site);
          return html`<figure class="trend"><figcaption><strong>${site}</strong> <span class="muted small">${t('history.siteRuns', { count: c.runs.length })}</span></figcaption>${c.svg}</figure>`;
        })}</div></section>`;
  const doc = html`${documentHead({ lang, title: t('history.title'), version: view.toolVersion, css: HISTORY_STYLES })}
<body>
<main>
<header class="cover"><div><div class="kicker">siteready</div><h1>${t('history.title')}</h1>
<div class="muted">${t('history.store', { store: view.store })}</div></div>
<div class="meta">${summary(view, lang)}</div></header>
${charts}
<section class="chapter"><h2>${t('history.runs')}</h2>
${
  rows.length
    ? html`<table><thead><tr>${head.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>
${rows.map(
  (r) =>
    html`<tr>${r.cells.map((cell, i) =>
      i === 5
        ? html`<td class="verdict-${r.tone}">${cell}</td>`
        : i === 0 || i === 3 || i === 6
          ? html`<td class="num">${cell}</td>`
          : html`<td>${cell}</td>`,
    )}</tr>
`,
)}</tbody></table>`
    : html`<p>${summary(view, lang)}</p>`
}
</section>
</main>
</body>
</html>
`;
  return doc.value;
}

export function renderHistory(view: HistoryView, format: HistoryFormat, opts: { lang: Lang; color: boolean }): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(historyJson(view), null, 2)}\n`;
    case 'md':
      return renderMarkdown(view, opts.lang);
    case 'html':
      return renderHtml(view, opts.lang);
    default:
      return renderTerminal(view, opts.lang, opts.color);
  }
}
