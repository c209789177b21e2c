// The fleet report as one self-contained HTML file, in the site report's look (its stylesheet):
// the summary on page one (how many sites are ready, the causes that block the most), then every
// cause across sites, the platforms, and every site worst first. No script, nothing fetched; every
// value from a report goes through the escaping template tag.

import { html, type SafeHtml } from '../../report/render/html-escape.js';
import { gradeBadge, richText } from '../../report/render/html-parts.js';
import { documentHead } from '../../report/render/html-head.js';
import { pageStyles } from '../../report/render/html-styles.js';
import type { Verdict } from '../../scoring/score.js';
import type { FleetCause, FleetReport } from '../model.js';
import { supersededLine } from './markdown.js';
import { measuredSpan, type FleetText } from './text.js';

const VERDICT_BADGE: Record<Verdict, string> = { READY: 's-pass', 'READY WITH RISKS': 's-warn', 'NOT READY': 's-fail' };

const FLEET_STYLES = `
.fleet-bar { display: flex; height: 26px; border: 1px solid var(--line); border-radius: 4px; overflow: hidden; margin: 10px 0 4px; }
.fleet-bar > span { display: flex; align-items: center; justify-content: center; font-size: .8rem; font-weight: 700; white-space: nowrap; overflow: hidden; }
.fleet-bar .seg-ready { background: var(--pass-bg); color: var(--pass); }
.fleet-bar .seg-risks { background: var(--warn-bg); color: var(--warn); border-left: 2px dashed var(--warn); }
.fleet-bar .seg-not { background: var(--fail); color: #fff; }
.fleet-legend { display: flex; gap: 18px; flex-wrap: wrap; font-size: .88em; margin-bottom: 10px; }
ol.top-causes { padding-left: 1.4em; margin: 6px 0; }
ol.top-causes > li { margin: 8px 0; }
.count-pill { display: inline-block; font-weight: 700; border: 1.5px solid var(--fail); color: var(--fail); border-radius: 999px; padding: 0 .55em; font-size: .85rem; white-space: nowrap; }
table.fleet-sites td, table.fleet-causes td, table.fleet-platforms td { font-size: .92em; }
table.fleet-sites td:first-child { min-width: 12em; }
table.fleet-sites td:last-child { min-width: 16em; width: 45%; }
table.fleet-sites td:nth-child(2) .badge + br + .badge { margin-top: 3px; }
table.fleet-platforms td:first-child { min-width: 9em; }
table.fleet-platforms td:last-child { min-width: 16em; width: 40%; }
table.fleet-causes td:nth-child(2) { min-width: 12em; }
table.fleet-sites tr.not-ready td:first-child { border-left: 4px solid var(--fail); }
table.fleet-sites tr.with-risks td:first-child { border-left: 4px dashed #d4a017; }
table.fleet-sites tr.ready td:first-child { border-left: 4px solid var(--pass); }
ul.warnings { padding-left: 1.2em; }
ul.warnings li { margin: 4px 0; }
.key { display: block; color: var(--muted); font-size: .82em; }
`;

function severityBadge(x: FleetText, severity: string): SafeHtml {
  return html`<span class="badge sev-${severity}">${x.t(`severity.${severity}`)}</span>`;
}

export function renderFleetHtml(fleet: FleetReport, x: FleetText, opts: { preparedBy?: string } = {}): string {
  const { t } = x;
  const title = fleet.title ?? t('fleet.title');
  const span = measuredSpan(fleet);
  const footer = t('fleet.footer', { title, date: x.date(fleet.generatedAt) });
  const toc: Array<[string, string]> = [
    ['summary', t('fleet.summary')],
    ['causes', t('fleet.causes')],
    ['platforms', t('fleet.platforms')],
    ['sites', t('fleet.sitesTitle')],
    ...(fleet.superseded.length ? [['superseded', t('fleet.superseded')] as [string, string]] : []),
  ];
  const doc = html`${documentHead({ lang: x.lang, title, version: fleet.tool.version, css: `${FLEET_STYLES}\n${pageStyles(footer)}` })}
<body>
<main>
<header class="cover">
  <div>
    <div class="kicker">${t('fleet.title')}</div>
    <h1 data-fact="title">${title}</h1>
    ${opts.preparedBy ? html`<div class="muted">${t('fleet.preparedBy', { who: opts.preparedBy })}</div>` : ''}
  </div>
  <div class="meta">
    <div>${t('fleet.generated', { date: x.date(fleet.generatedAt), version: fleet.tool.version })}</div>
    ${span ? html`<div>${t('fleet.measuredBetween', { first: x.date(span.first), last: x.date(span.last) })}</div>` : ''}
  </div>
</header>
<nav class="toc"><h4>${t('fleet.contents')}</h4><ol>${toc.map(([id, label]) => html`<li><a href="#${id}">${label}</a></li>`)}</ol></nav>
${summarySection(fleet, x)}
${causesSection(fleet, x)}
${platformsSection(fleet, x)}
${sitesSection(fleet, x)}
${
  fleet.superseded.length
    ? html`<section class="chapter" id="superseded"><h2>${t('fleet.superseded')}</h2><p class="small muted">${t('fleet.supersededIntro')}</p>
<ul class="small">${fleet.superseded.map((r) => html`<li>${supersededLine(r, x)}</li>`)}</ul></section>`
    : ''
}
<footer class="doc"><span>${footer}</span><span>siteready ${fleet.tool.version}</span></footer>
</main>
</body>
</html>
`;
  return doc.value;
}

function summarySection(fleet: FleetReport, x: FleetText): SafeHtml {
  const { t } = x;
  const s = fleet.summary;
  const pct = (n: number) => (s.sites ? (100 * n) / s.sites : 0);
  const segment = (cls: string, n: number) =>
    n ? html`<span class="${cls}" style="width:${pct(n).toFixed(2)}%">${pct(n) >= 6 ? String(n) : ''}</span>` : '';
  const lead =
    s.ready === s.sites && s.sites
      ? t('fleet.lead.all')
      : s.ready
        ? t('fleet.lead.some', { ready: s.ready, sites: s.sites })
        : t('fleet.lead.none');
  const blocking = fleet.causes.filter((c) => c.blocks.length).slice(0, 3);
  const grades = (['A', 'B', 'C', 'D', 'E', 'F'] as const).filter((g) => s.grades[g]);
  return html`<section id="summary" class="summary">
  <h2>${t('fleet.summary')}</h2>
  <div class="facts">
    <div class="fact"><div class="label">${t('fleet.sitesCount')}</div><div class="value" data-fact="sites">${s.sites}</div></div>
    <div class="fact"><div class="label">${t('fleet.readyCount')}</div><div class="value" data-fact="ready">${s.ready}</div></div>
    <div class="fact"><div class="label">${t('fleet.risksCount')}</div><div class="value" data-fact="ready-with-risks">${s.readyWithRisks}</div></div>
    <div class="fact"><div class="label">${t('fleet.notReadyCount')}</div><div class="value" data-fact="not-ready">${s.notReady}</div></div>
    <div class="fact"><div class="label">${t('fleet.medianScore')}</div><div class="value" data-fact="median">${s.medianScore ?? '—'}</div></div>
  </div>
  <div class="fleet-bar" role="img" aria-label="${t('fleet.summaryLine', { sites: s.sites, ready: s.ready, risks: s.readyWithRisks, notReady: s.notReady })}">${segment('seg-not', s.notReady)}${segment('seg-risks', s.readyWithRisks)}${segment('seg-ready', s.ready)}</div>
  <div class="fleet-legend">
    <span><span class="badge s-fail">${x.verdict('NOT READY')}</span> ${s.notReady}</span>
    <span><span class="badge s-warn">${x.verdict('READY WITH RISKS')}</span> ${s.readyWithRisks}</span>
    <span><span class="badge s-pass">${x.verdict('READY')}</span> ${s.ready}</span>
    <span class="muted">${t('fleet.grades')}: ${grades.map((g) => `${g} ${s.grades[g]}`).join(' · ')}${s.grades.none ? ` · ${t('fleet.noGrade')} ${s.grades.none}` : ''}</span>
  </div>
  <p class="lead">${lead}</p>
  ${s.incomplete ? html`<p class="note">${t('fleet.incomplete', { count: s.incomplete })}</p>` : ''}
  <h3>${t('fleet.topCauses')}</h3>
  ${
    blocking.length
      ? html`<ol class="top-causes" data-fact="top-causes">${blocking.map(
          (c) =>
            html`<li><span class="count-pill">${t('fleet.blocksSites', { count: c.blocks.length })}</span> ${severityBadge(x, c.severity)} <strong>${richText(x.title(c))}</strong>
<div class="small muted">${x.list(c.blocks)}</div>${x.fix(c) ? html`<div class="fix small"><strong>${t('report.fixLabel')}</strong> ${richText(x.fix(c))}</div>` : ''}</li>`,
        )}</ol>`
      : html`<p>${t('fleet.noBlockingCauses')}</p>`
  }
  ${fleet.warnings.length ? html`<h3>${t('fleet.warnings')}</h3><ul class="warnings small">${fleet.warnings.map((w) => html`<li>${richText(t(w.id, w.params))}</li>`)}</ul>` : ''}
</section>`;
}

function causeRow(c: FleetCause, i: number, x: FleetText): SafeHtml {
  const { t } = x;
  const fix = x.fix(c);
  return html`<tr><td class="num">${i + 1}</td><td>${richText(x.title(c))}${c.kind === 'finding' && c.sites.length > 1 ? html` <span class="muted small">${t('fleet.asOn', { site: c.example })}</span>` : ''}<span class="key mono">${c.key}</span></td><td>${severityBadge(x, c.severity)}</td><td class="num"><strong>${c.blocks.length}</strong></td><td class="num">${c.sites.length}</td><td class="small">${x.list(c.blocks)}</td><td class="small">${fix ? richText(fix) : ''}</td></tr>`;
}

function causesSection(fleet: FleetReport, x: FleetText): SafeHtml {
  const { t } = x;
  return html`<section class="chapter" id="causes"><h2>${t('fleet.causes')}</h2>
<p class="small muted">${t('fleet.causesIntro')}</p>
${
  fleet.causes.length
    ? html`<table class="fleet-causes"><thead><tr><th class="num">${t('fleet.col.rank')}</th><th>${t('fleet.col.cause')}</th><th>${t('fleet.col.severity')}</th><th class="num">${t('fleet.col.blocks')}</th><th class="num">${t('fleet.col.sites')}</th><th>${t('fleet.col.blockedSites')}</th><th>${t('fleet.col.fix')}</th></tr></thead>
<tbody>${fleet.causes.map((c, i) => causeRow(c, i, x))}</tbody></table>`
    : html`<p>${t('fleet.noCauses')}</p>`
}
</section>`;
}

function platformsSection(fleet: FleetReport, x: FleetText): SafeHtml {
  const { t } = x;
  return html`<section class="chapter" id="platforms"><h2>${t('fleet.platforms')}</h2>
${
  fleet.platforms.length
    ? html`<p class="small muted">${t('fleet.platformsIntro')}</p>
<table class="fleet-platforms"><thead><tr><th>${t('fleet.col.platform')}</th><th>${t('fleet.col.catalog')}</th><th class="num">${t('fleet.col.sites')}</th><th class="num">${t('fleet.col.ready')}</th><th class="num">${t('fleet.col.risks')}</th><th class="num">${t('fleet.col.notReady')}</th><th class="num">${t('fleet.col.median')}</th><th>${t('fleet.col.blockedBy')}</th></tr></thead>
<tbody>${fleet.platforms.map(
        (p) =>
          html`<tr><td><strong>${p.name}</strong><span class="key mono">${p.id}</span></td><td class="mono small nowrap">${p.versions.map((v, i) => html`${i ? html`<br>` : ''}${v.version}${p.versions.length > 1 ? ` (${v.sites})` : ''}`)}</td><td class="num">${p.sites}</td><td class="num">${p.ready}</td><td class="num">${p.readyWithRisks}</td><td class="num"><strong>${p.notReady}</strong></td><td class="num">${p.medianScore ?? '—'}</td><td class="small">${p.topCauses
            .slice(0, 3)
            .map((k, i) => {
              const c = x.cause(k.key);
              return html`${i ? html`<br>` : ''}${c ? richText(x.title(c)) : k.key} <span class="muted">(${k.sites})</span>`;
            })}</td></tr>`,
      )}</tbody></table>`
    : html`<p>${t('fleet.noPlatforms')}</p>`
}
</section>`;
}

const ROW_CLASS: Record<Verdict, string> = { 'NOT READY': 'not-ready', 'READY WITH RISKS': 'with-risks', READY: 'ready' };

function sitesSection(fleet: FleetReport, x: FleetText): SafeHtml {
  const { t } = x;
  // Six columns, so that the table still reads on A4: when and with what a site was measured go
  // under its name, an incomplete run under its verdict.
  return html`<section class="chapter" id="sites"><h2>${t('fleet.sitesTitle')}</h2>
<p class="small muted">${t('fleet.sitesIntro')}</p>
<table class="fleet-sites"><thead><tr><th>${t('fleet.col.site')}</th><th>${t('fleet.col.verdict')}</th><th class="num">${t('fleet.col.score')}</th><th>${t('fleet.col.grade')}</th><th class="num">${t('fleet.col.blockers')}</th><th>${t('fleet.col.topCause')}</th></tr></thead>
<tbody>${fleet.sites.map((s) => {
    const top = x.cause(s.topCause);
    return html`<tr class="${ROW_CLASS[s.verdict]}"><td data-site><strong>${s.site}</strong><span class="key" title="${x.date(s.measuredAt)}">${t('fleet.siteMeta', { date: s.measuredAt.slice(0, 10), version: s.toolVersion })}</span></td><td><span class="badge ${VERDICT_BADGE[s.verdict]}">${x.verdict(s.verdict)}</span>${s.complete ? '' : html`<br><span class="badge s-error" data-fact="incomplete">${t('fleet.incompleteFlag')}</span>`}</td><td class="num">${s.score ?? '—'}</td><td>${gradeBadge(s.grade)}</td><td class="num">${s.blockers}</td><td class="small">${top ? richText(x.title(top)) : ''}</td></tr>`;
  })}</tbody></table>
</section>`;
}
