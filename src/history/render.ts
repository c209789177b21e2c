// `siteready history` output: stored runs over time. Terminal and Markdown are tables for people
// (translated); JSON is `{ runs: [...] }` for pipelines (field names only); HTML stands alone, with
// one trend chart of the score per site drawn as inline SVG (no script, nothing fetched).

import { Chalk } from 'chalk';
import { translator, type Lang } from '../i18n/index.js';
import { html } from '../report/render/html-escape.js';
import { scoreTrendChart } from '../report/render/html-charts.js';
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
    return { runs, title, svg: scoreTrendChart(runs, { title, axisY: t('history.chart.axisY') }) };
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
