// Waivers with their expiry, and the appendix: about the run, the site description as parsed
// (secrets stay ${VAR} references: the report never holds their values) and every check's version.

import { stringify } from 'yaml';
import type { Report } from '../model.js';
import { html, type SafeHtml } from './html-escape.js';
import { breakable } from './html-parts.js';
import type { HtmlText } from './html-text.js';

export function waiversSection(report: Report, x: HtmlText): SafeHtml {
  if (!report.waivers.length) return html`<p>${x.t('html.noWaivers')}</p>`;
  const rows = report.waivers.map((w) => {
    const cls = w.status === 'applied' ? 's-info' : w.status === 'expired' ? 's-fail' : 's-warn';
    return html`<tr data-waiver="${w.check}">
  <td class="mono">${w.check}${w.target ? ` · ${w.target}` : ''}${w.finding ? html`<br><span class="small">${w.finding}</span>` : ''}</td>
  <td>${w.justification}</td>
  <td>${w.owner ? breakable(w.owner) : html`<span class="muted">${x.t('html.waiver.noOwner')}</span>`}</td>
  <td class="nowrap">${w.expires ?? html`<span class="muted">${x.t('html.waiver.noExpiry')}</span>`}</td>
  <td><span class="badge ${cls}">${x.t(`html.waiver.${w.status}`)}</span></td>
  <td class="mono small">${w.location ? breakable(`${w.location.file}:${w.location.line}`) : ''}</td>
</tr>`;
  });
  return html`<p class="small muted">${x.t('html.waiversIntro')}</p>
<table class="waivers">
  <colgroup><col style="width:20%"><col style="width:29%"><col style="width:19%"><col style="width:10%"><col style="width:9%"><col style="width:13%"></colgroup>
  <thead><tr><th>${x.t('col.check')}</th><th>${x.t('html.col.justification')}</th><th>${x.t('html.col.owner')}</th><th>${x.t('html.col.expires')}</th><th>${x.t('col.status')}</th><th>${x.t('html.col.where')}</th></tr></thead>
  <tbody>${rows}</tbody>
</table>`;
}

export function appendixSection(report: Report, x: HtmlText): SafeHtml {
  const kv = (label: string, value: SafeHtml | string) => html`<tr><th>${label}</th><td>${value}</td></tr>`;
  const site = report.siteDescription === undefined ? '' : stringify(report.siteDescription, { lineWidth: 0 });
  return html`<h3>${x.t('html.appendix.run')}</h3>
<table class="kv"><tbody>
  ${kv(x.t('report.site'), `${report.site.name}${report.site.organisation ? ` (${report.site.organisation})` : ''}`)}
  ${kv(x.t('html.field.file'), html`<span class="mono">${report.site.file}</span>`)}
  ${kv(x.t('html.field.sha256'), html`<span class="mono small">${report.site.sha256}</span>`)}
  ${kv(x.t('html.field.started'), x.date(report.startedAt))}
  ${kv(x.t('html.field.finished'), x.date(report.finishedAt))}
  ${kv(x.t('html.field.duration'), x.t('html.seconds', { value: x.number(report.durationMs / 1000, 1) }))}
  ${kv(x.t('html.field.tool'), `${report.tool.name} ${report.tool.version}`)}
  ${kv(x.t('html.field.node'), report.tool.node)}
  ${kv(x.t('html.field.schema'), report.schemaVersion)}
</tbody></table>
<h3>${x.t('html.appendix.versions')}</h3>
<table class="versions">
  <thead><tr><th>${x.t('col.check')}</th><th></th><th>${x.t('html.col.version')}</th><th>${x.t('html.col.origin')}</th><th class="num">${x.t('html.col.weight')}</th></tr></thead>
  <tbody>${report.checks.map((c) => html`<tr><td class="mono">${c.id}</td><td>${x.checkTitle(c.id)}</td><td class="mono">${c.version}</td><td class="small">${x.t(c.source === 'builtin' ? 'html.builtin' : 'html.plugin')} · <span class="mono">${c.origin}</span></td><td class="num">${c.weight}</td></tr>`)}</tbody>
</table>
<h3>${x.t('html.appendix.site')}</h3>
<pre class="site" data-fact="site-description">${site}</pre>`;
}
