// The HTML report: one self-contained file for a client — executive summary, a chapter per
// category with charts and the evidence, waivers, and an appendix. No script and no external
// resource; a Content-Security-Policy forbids fetching anything even if markup slipped through.

import type { Catalog } from '../../plugin-api.js';
import type { Lang } from '../../i18n/index.js';
import type { Report } from '../model.js';
import type { Handover } from '../handover.js';
import { appendixSection, waiversSection } from './html-appendix.js';
import { methodologySection, vantageSection } from './html-context.js';
import { complianceSection } from './html-compliance.js';
import { html, type SafeHtml } from './html-escape.js';
import { checkBlock } from './html-evidence.js';
import { anchor } from './html-parts.js';
import { documentHead } from './html-head.js';
import { pageStyles } from './html-styles.js';
import { causesChapter, summarySection } from './html-summary.js';
import { platformComparison, type PlatformComparison } from './platforms.js';
import { htmlText, type HtmlText } from './html-text.js';

export function renderHtml(
  report: Report,
  opts: { lang: Lang; catalogs?: Map<string, Record<string, Catalog>>; handover?: Handover },
): string {
  const client = opts.handover?.client ?? report.site.organisation;
  const x = htmlText(report, opts.lang, opts.catalogs);
  const title = `${x.t('report.title')} — ${report.site.name}`;
  const chapters = report.categories.map((c) => categoryChapter(report, c, x));
  const compared = platformComparison(report, x);
  const toc: Array<[string, string]> = [
    ...(compared && compared.rows.length > 1 ? [['platforms', compared.title] as [string, string]] : []),
    ['summary', x.t('html.summary')],
    ...(report.causes ? [['causes', x.t('report.causes')] as [string, string]] : []),
    ...(compared && compared.rows.length === 1 ? [['platforms', compared.title] as [string, string]] : []),
    ...report.categories.map((c) => [anchor('cat', c.id), x.t(`category.${c.id}`)] as [string, string]),
    ...(report.vantage ? [['vantage-point', x.t('html.vantage')] as [string, string]] : []),
    ['methodology', x.t('html.methodology')],
    ['waivers', x.t('report.waivers')],
    ['appendix', x.t('html.appendix')],
  ];
  const doc = html`${documentHead({ lang: opts.lang, title, version: report.tool.version, css: pageStyles(x.t('html.footer', { site: report.site.name, date: x.date(report.finishedAt) })) })}
<body>
<main>
<header class="cover">
  <div>
    ${opts.handover?.logo ? html`<img class="logo" src="${opts.handover.logo}" alt="">` : ''}
    <div class="kicker">${x.t('report.title')}</div>
    <h1 data-fact="site">${report.site.name}</h1>
    ${client ? html`<div class="muted" data-fact="client">${x.t('html.preparedFor', { organisation: client })}</div>` : ''}
    ${opts.handover?.preparedBy ? html`<div class="muted" data-fact="prepared-by">${x.t('html.preparedBy', { who: opts.handover.preparedBy })}</div>` : ''}
  </div>
  <div class="meta">
    <div>${x.t('html.assessedOn', { date: x.date(report.finishedAt) })}</div>
    <div>${x.t('html.generatedBy', { version: report.tool.version })}</div>
    <div class="mono small">${report.site.file}</div>
  </div>
</header>
<nav class="toc"><h4>${x.t('html.contents')}</h4><ol>${toc.map(([id, label]) => html`<li><a href="#${id}">${label}</a></li>`)}</ol></nav>
${compared && compared.rows.length > 1 ? platformsSection(compared, x) : ''}
${summarySection(report, x)}
${causesChapter(report, x)}
${compared && compared.rows.length === 1 ? platformsSection(compared, x) : ''}
${chapters}
${report.vantage ? vantageSection(report.vantage, x) : ''}
${methodologySection(x)}
<section class="chapter" id="waivers"><h2>${x.t('report.waivers')}</h2>${waiversSection(report, x)}</section>
<section class="chapter" id="appendix"><h2>${x.t('html.appendix')}</h2>${appendixSection(report, x)}</section>
<footer class="doc"><span>${x.t('html.footer', { site: report.site.name, date: x.date(report.finishedAt) })}</span><span>siteready ${report.tool.version}</span></footer>
</main>
</body>
</html>
`;
  return doc.value;
}

function notApplicableTable(report: Report, checks: Report['checks'], x: HtmlText): SafeHtml {
  const reason = (id: string) => {
    const r = report.results.find((y) => y.check === id);
    const why = r?.reason;
    return x.t(why === 'disabled' ? 'report.disabled' : why === 'opt-in' ? 'report.optIn' : 'report.notApplicable');
  };
  return html`<table class="not-applicable"><thead><tr><th>${x.t('col.check')}</th><th></th><th>${x.t('col.status')}</th></tr></thead>
<tbody>${checks.map((c) => html`<tr id="${anchor('check', c.id)}"><td>${x.checkTitle(c.id)}</td><td class="mono muted">${c.id}</td><td><span class="badge s-skipped">${x.t('status.skipped')}</span> <span class="small muted">${reason(c.id)}</span></td></tr>`)}</tbody></table>`;
}

function categoryChapter(report: Report, category: Report['categories'][number], x: HtmlText): SafeHtml {
  const checks = report.checks.filter((c) => c.category === category.id && report.results.some((r) => r.check === c.id));
  const results = report.results.filter((r) => r.category === category.id);
  // What each check shows of its facts (charts, matrices, tables) is drawn with its evidence below;
  // the compliance rules, a stage of the core rather than a check, get their own table here.
  const visuals: SafeHtml[] = [];
  if (category.id === 'compliance') visuals.push(complianceSection(report, x));
  // Compliance rules are shown as the rules table above, not again as generic results.
  const shown = checks.filter((c) => c.id !== 'compliance');
  // Checks that did not apply to this site get one line each instead of an empty evidence table.
  const idle = shown.filter((c) =>
    report.results.filter((r) => r.check === c.id).every((r) => r.status === 'skipped' && !r.findings.length),
  );
  const blocks = shown.filter((c) => !idle.includes(c)).map((c) => checkBlock(report, c, x));
  if (idle.length) blocks.push(notApplicableTable(report, idle, x));
  return html`<section class="chapter" id="${anchor('cat', category.id)}">
  <h2>${x.t(`category.${category.id}`)} <span class="muted small" style="font-weight:400">${category.score === null ? x.t('html.categoryNothing') : html`${x.t('report.score')} ${category.score}`} · ${x.t('html.categoryWeight', { weight: category.weight })}</span>${category.status === 'incomplete' ? html` <span class="badge s-error">${x.t('report.incomplete')}</span>` : ''}</h2>
  <p class="small muted">${x.t('html.categoryIntro', { checks: checks.length, results: results.length })}</p>
  ${visuals}
  ${blocks.length ? html`<h3 class="evidence-head">${x.t('html.evidence')}</h3>${blocks}` : ''}
</section>`;
}

const VERDICT_BADGE: Record<Report['verdict'], string> = { READY: 's-pass', 'READY WITH RISKS': 's-warn', 'NOT READY': 's-fail' };

function platformsSection(c: PlatformComparison, x: HtmlText): SafeHtml {
  return html`<section class="chapter" id="platforms"><h2>${c.title}</h2>
<table class="platforms"><thead><tr>${c.header.map((h) => html`<th>${h}</th>`)}</tr></thead>
<tbody>${c.rows.map(
    (r) =>
      html`<tr><td><strong>${r.name}</strong></td><td class="mono small nowrap">${r.catalog}</td><td class="num">${r.score}</td><td class="num"><strong>${r.grade}</strong></td><td><span class="badge ${VERDICT_BADGE[r.verdict]}">${x.t(`verdict.${r.verdict}`)}</span></td><td class="num">${r.blockers}</td><td class="small">${r.first}</td></tr>`,
  )}</tbody></table>
${c.notes.map((n) => html`<p class="small">${n}</p>`)}
</section>`;
}
