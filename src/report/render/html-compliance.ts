// Compliance rules per profile: outcome, the clause each rule cites and what decided it (a line
// of the site file, or a check's result on a target).

import { clauseIn, cm } from '../../compliance/messages.js';
import type { ReportedFactUse, RuleReference } from '../../compliance/types.js';
import type { Report, ReportResult } from '../model.js';
import { html, type SafeHtml } from './html-escape.js';
import { severityBadge } from './html-parts.js';
import type { HtmlText } from './html-text.js';
import { factValue } from './fact-value.js';

type Reference = Pick<RuleReference, 'standard' | 'clause' | 'clauseZh'> & { verified?: boolean };
type DecidedBy = ReportedFactUse;

const ORDER = ['fail', 'not-evaluated', 'pass', 'not-applicable'];
/** Facts listed per rule before "+N": the first ones are the deciding ones. */
const MAX_FACTS = 4;

export function complianceSection(report: Report, x: HtmlText): SafeHtml {
  if (!report.compliance?.length) return html``;
  const declared = report.declared?.passed
    ? html`<p class="note" data-fact="declared">${cm(x.lang, 'declaredSummary', { passed: report.declared.passed, points: report.declared.points })}</p>`
    : '';
  return html`<h3 id="compliance-rules">${x.t('html.compliance')}</h3>${declared}${report.compliance.map((p) => {
    const rules = report.results
      .filter((r) => r.check === 'compliance' && r.target === p.id)
      .sort((a, b) => ORDER.indexOf(String(a.facts.outcome)) - ORDER.indexOf(String(b.facts.outcome)));
    const title = x.fromCheck('compliance', `profile:${p.id}`) ?? p.title;
    return html`<h4>${x.t('html.compliance.profile', { title, id: p.id, version: p.version })}</h4>
<p class="small">${cm(x.lang, 'summary', { passed: p.passed, failed: p.failed, notEvaluated: p.notEvaluated, notApplicable: p.notApplicable })}${p.waived ? html` · ${x.t('report.waived')} ${p.waived}` : ''}</p>
<table class="rules">
  <colgroup><col style="width:25%"><col style="width:10%"><col style="width:11%"><col style="width:24%"><col style="width:30%"></colgroup>
  <thead><tr><th>${x.t('html.col.rule')}</th><th>${x.t('html.col.severity')}</th><th>${x.t('html.col.outcome')}</th><th>${x.t('html.col.clause')}</th><th>${x.t('html.col.decidedBy')}</th></tr></thead>
  <tbody>${rules.map((r) => ruleRow(r, x))}</tbody>
</table>`;
  })}`;
}

function ruleRow(r: ReportResult, x: HtmlText): SafeHtml {
  const d = r.facts as {
    profile: string;
    rule: string;
    title: string;
    outcome: string;
    severity: string;
    references?: Reference[];
    decidedBy?: DecidedBy[];
  };
  const id = `${d.profile}.${d.rule}`;
  const title = x.fromCheck('compliance', `${id}.title`) ?? d.title;
  const outcomeClass = r.waiver
    ? 's-waived'
    : d.outcome === 'pass'
      ? (r.facts as { basis?: string }).basis === 'declared'
        ? 's-info'
        : 's-pass'
      : d.outcome === 'fail'
        ? 's-fail'
        : d.outcome === 'not-evaluated'
          ? 's-error'
          : 's-info';
  const declared = (r.facts as { basis?: string }).basis === 'declared' && d.outcome === 'pass';
  const outcome = r.waiver ? x.t('report.waived') : cm(x.lang, declared ? 'outcome_declared' : (`outcome_${d.outcome}` as 'outcome_pass'));
  const refs = d.references ?? [];
  const facts = d.decidedBy ?? [];
  const fix = d.outcome === 'fail' ? x.fromCheck('compliance', `${id}.fix`) : undefined;
  return html`<tr data-rule="${id}">
  <td><span class="mono small">${id}</span><br>${title}${fix ? html`<div class="fix small"><strong>${x.t('report.fix')}:</strong> ${fix}</div>` : ''}</td>
  <td>${severityBadge(x, d.severity)}</td>
  <td><span class="badge ${outcomeClass}">${outcome}</span></td>
  <td class="small">${refs.map((ref, i) => html`${i ? html`<br>` : ''}${ref.standard} ${clauseIn(x.lang, ref)}${ref.verified === false ? '*' : ''}`)}</td>
  <td class="small">${facts.slice(0, MAX_FACTS).map((u, i) => html`${i ? html`<br>` : ''}${describe(u, x)}`)}${facts.length > MAX_FACTS ? html`<br><span class="muted">+${facts.length - MAX_FACTS}</span>` : ''}</td>
</tr>`;
}

function describe(u: DecidedBy, x: HtmlText): SafeHtml {
  const value = u.missing ? x.t('html.compliance.missing') : factValue(u.value, 60);
  if (u.source === 'check') return html`<span class="mono">${u.check} · ${u.target} · ${u.field} = ${value}</span>`;
  const where = u.location ? html`<span class="muted">${x.t('html.compliance.site', { line: u.location.line })}</span> ` : '';
  return html`${where}<span class="mono">${u.fact} = ${value}</span>`;
}
