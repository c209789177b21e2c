// Per-check evidence: one block per check with its results — status, classification, the
// measurements with their targets and sources, and the findings with what to do.

import type { Report, ReportCheck, ReportResult } from '../model.js';
import { htmlBlock } from './html-blocks.js';
import { html, type SafeHtml } from './html-escape.js';
import { anchor, breakable, richText, statusBadge, statusCounts, thresholdText, valueText } from './html-parts.js';
import type { HtmlText } from './html-text.js';
import { classificationText } from './causes.js';
import { coversText } from './covers-text.js';
import { byCodeUnit } from '../../util/order.js';

/** Measurements shown per result before "+N more": keeps a wide check readable on paper. */
const MAX_MEASUREMENTS = 8;
const STATUS_ORDER = ['fail', 'error', 'warn', 'info', 'pass', 'skipped'];

export function checkBlock(report: Report, check: ReportCheck, x: HtmlText): SafeHtml {
  const results = report.results
    .filter((r) => r.check === check.id)
    .sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || byCodeUnit(a.target, b.target));
  const counts = statusCounts(results);
  // What needs attention stays open; passing and not-applicable results are folded.
  const isQuiet = (r: ReportResult) => (r.status === 'pass' || r.status === 'skipped') && !r.waiver;
  const attention = results.filter((r) => !isQuiet(r));
  const quiet = results.filter(isQuiet);
  return html`<div class="check" id="${anchor('check', check.id)}">
  <div class="check-head"><h3>${x.checkTitle(check.id)}</h3><span class="mono muted">${check.id}${check.score === null ? '' : ` · ${Math.round(check.score * 100)}`}</span></div>
  <p class="small muted">${x.t('html.checkCounts', counts)}</p>
  ${attention.length ? resultsTable(attention, x) : ''}
  ${quiet.length ? html`<details class="passing"><summary>${x.t('html.passingFolded', { count: quiet.length })}</summary>${resultsTable(quiet, x)}</details>` : ''}
  ${check.references.length ? html`<p class="refs">${x.t('html.references')}: ${check.references.map((ref, i) => html`${i ? '; ' : ''}${ref.title}${ref.clause ? `, ${ref.clause}` : ''}${ref.url ? html` <span class="mono">${ref.url}</span>` : ''}`)}</p>` : ''}
</div>`;
}

function resultsTable(results: ReportResult[], x: HtmlText): SafeHtml {
  return html`<table class="results">
  <colgroup><col style="width:22%"><col style="width:10%"><col style="width:16%"><col style="width:52%"></colgroup>
  <thead><tr><th>${x.t('col.target')}</th><th>${x.t('col.status')}</th><th>${x.t('html.col.classification')}</th><th>${x.t('html.col.measurement')}</th></tr></thead>
  <tbody>${results.map((r) => resultRow(r, x))}</tbody>
</table>`;
}

/** One row of facts; findings, fixes and waivers on a full-width row beneath, where text has room. */
function resultRow(r: ReportResult, x: HtmlText): SafeHtml {
  const classification = r.classification ? classificationText(x.t, r.classification) : '';
  const path = r.path ? x.t(`path.${r.path}`) : '';
  const outcome = outcomeCell(r, x);
  return html`<tr data-result="${r.check}|${r.target}"${outcome.value ? html` class="has-detail"` : ''}>
  <td class="mono">${breakable(r.check === 'compliance' && typeof r.facts.rule === 'string' ? `${r.target}.${r.facts.rule}` : r.target)}</td>
  <td>${statusBadge(x, r)}</td>
  <td class="mono small">${classification}${path ? html`<br><span class="muted">${path}</span>` : ''}</td>
  <td>${measurementList(r, x)}</td>
</tr>${outcome.value ? html`<tr class="detail"><td></td><td colspan="3">${outcome}</td></tr>` : ''}`;
}

function measurementList(r: ReportResult, x: HtmlText): SafeHtml {
  if (!r.measurements.length) return html`<span class="muted small">${x.t('html.noMeasurements')}</span>`;
  // Measurements with a target first: they are the ones the verdict rests on.
  const ordered = [...r.measurements].sort((a, b) => Number(Boolean(b.threshold)) - Number(Boolean(a.threshold)));
  const shown = ordered.slice(0, MAX_MEASUREMENTS);
  return html`<ul class="measures small">${shown.map((m) => {
    const th = thresholdText(x, m);
    return html`<li><span class="mono">${m.id}</span> <strong>${valueText(x, m)}</strong>${th ? html` <span class="muted">(${th}${m.threshold?.source ? html` · ${m.threshold.source}` : ''})</span>` : ''}</li>`;
  })}${ordered.length > shown.length ? html`<li class="muted">${x.t('html.moreMeasurements', { count: ordered.length - shown.length })}</li>` : ''}</ul>`;
}

function outcomeCell(r: ReportResult, x: HtmlText): SafeHtml {
  const parts: SafeHtml[] = [];
  if (r.status === 'skipped' && !r.findings.length) {
    const reason = r.reason === 'disabled' ? 'report.disabled' : r.reason === 'opt-in' ? 'report.optIn' : 'report.notApplicable';
    parts.push(html`<span class="muted small">${x.t(reason)}</span>`);
  }
  if (r.status === 'error' && !r.findings.length && r.error)
    parts.push(html`<span class="small">${x.t('report.error', { message: r.error.message })}</span>`);
  if (r.findings.length) {
    parts.push(
      html`<ul class="findings small">${r.findings.map((f) => {
        const fix = x.finding(r.check, f, 'remediation');
        return html`<li><span class="badge sev-${f.severity}">${x.t(`severity.${f.severity}`)}</span> ${richText(x.finding(r.check, f, 'message'))}${fix ? html`<div class="fix"><strong>${x.t('report.fix')}:</strong> ${richText(fix)}</div>` : ''}</li>`;
      })}</ul>`,
    );
  }
  for (const b of r.blocks ?? []) parts.push(htmlBlock(b, x.blocks(r.check), x.t('html.chart.logScale')));
  if (r.covers?.length) parts.push(html`<div class="small muted">${coversText(x.t, r.covers)}</div>`);
  if (r.waiver)
    parts.push(
      html`<div class="small muted">${x.t('html.waivedBecause', { justification: r.waiver.justification })}${r.waiver.expires ? ` (${r.waiver.expires})` : ''}</div>`,
    );
  return html`${parts}`;
}
