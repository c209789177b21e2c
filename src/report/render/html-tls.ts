// The TLS matrix: per audited endpoint, accepted cipher suites by protocol version × strength
// class, the grade with what capped it, the certificate and the rule sets' verdicts.

import type { Report, ReportResult } from '../model.js';
import { offendingIn } from '../../tls/offending-text.js';
import { html, type SafeHtml } from './html-escape.js';
import { gradeBadge } from './html-parts.js';
import type { HtmlText } from './html-text.js';

const VERSIONS = ['TLSv1.3', 'TLSv1.2', 'TLSv1.1', 'TLSv1.0', 'SSLv3', 'SSLv2'] as const;
const OBSOLETE = new Set(['TLSv1.1', 'TLSv1.0', 'SSLv3', 'SSLv2']);
const STRENGTHS = ['recommended', 'secure', 'weak', 'insecure'] as const;

interface Accepted {
  version: string;
  strength: string;
}
type Rec = Record<string, any>;

export function tlsAudited(report: Report): ReportResult[] {
  return report.results.filter((r) => r.check === 'tls' && Array.isArray(r.facts.accepted));
}

export function tlsSection(report: Report, x: HtmlText): SafeHtml {
  const audited = tlsAudited(report);
  const notAudited = report.results.filter((r) => r.check === 'tls' && r.status === 'skipped' && !Array.isArray(r.facts.accepted) && r.target !== '-');
  if (!audited.length && !notAudited.length) return html``;
  return html`<h3 id="tls-matrix">${x.t('html.tls')}</h3>
<p class="small muted">${x.t('html.tlsIntro')}</p>
${audited.map((r) => endpoint(r, x))}
${notAudited.length ? html`<p class="small muted">${x.t('html.tls.notAudited', { endpoints: notAudited.map((r) => r.target).join(', ') })}</p>` : ''}`;
}

function endpoint(r: ReportResult, x: HtmlText): SafeHtml {
  const d = r.facts as Rec;
  const grade = d.grade as { grade: string; score: number; caps?: Array<{ id?: string; reason: string; cap: string }> } | undefined;
  const accepted = d.accepted as Accepted[];
  const versions = (d.versions ?? {}) as Record<string, boolean | 'unknown'>;
  const rows = VERSIONS.map((v) => {
    const mine = accepted.filter((a) => a.version === v);
    const on = versions[v];
    const state = on === true ? (OBSOLETE.has(v) ? 'html.tls.obsolete' : 'html.tls.offered') : on === 'unknown' ? 'html.tls.unknown' : 'html.tls.notOffered';
    const stateClass = on === true ? (OBSOLETE.has(v) ? 's-fail' : 's-pass') : 's-info';
    const cells = STRENGTHS.map((s) => {
      const count = mine.filter((a) => a.strength === s).length;
      return count ? html`<td class="cell-${s}" data-cell="${v}|${s}">${count}</td>` : html`<td class="cell-empty">·</td>`;
    });
    return html`<tr><td class="nowrap">${v.replace('TLSv', 'TLS ')}</td><td><span class="badge ${stateClass}">${x.t(state)}</span></td>${cells}</tr>`;
  });
  const caps = grade?.caps ?? [];
  return html`<div class="tls-endpoint" data-tls="${r.target}">
  <div class="check-head"><h4 style="margin:0"><span class="mono">${r.target}</span> <span class="muted small mono">${typeof d.serverName === 'string' ? d.serverName : ''}</span></h4>
  <div>${x.t('html.tls.grade')} <span data-fact="tls-grade">${gradeBadge(grade?.grade)}</span>${grade ? html` <span class="muted small">${x.t('html.tls.points', { score: grade.score })}</span>` : ''}</div></div>
  <table class="matrix">
    <thead><tr><th>${x.t('html.tls.version')}</th><th></th>${STRENGTHS.map((s) => html`<th>${x.t(`html.tls.${s}`)}</th>`)}</tr></thead>
    <tbody>${rows}</tbody>
  </table>
  ${caps.length ? html`<p class="small"><strong>${x.t('html.tls.caps')}:</strong> ${caps.map((c, i) => html`${i ? '; ' : ''}${(c.id ? x.fromCheck('tls', c.id) : undefined) ?? c.reason} → ${c.cap}`)}</p>` : ''}
  ${certificateLine(d.certificate as Rec | undefined, x)}
  ${ruleSets(d.rules as Rec[] | undefined, x)}
</div>`;
}

function certificateLine(cert: Rec | undefined, x: HtmlText): SafeHtml {
  if (!cert) return html``;
  const leaf = (Array.isArray(cert.chain) ? cert.chain[0] : undefined) as Rec | undefined;
  const key = leaf ? `${String(leaf.keyType ?? '')} ${leaf.curve ? String(leaf.curve) : String(leaf.keyBits ?? '')}`.trim() : '';
  const parts: SafeHtml[] = [];
  if (leaf?.subject) parts.push(html`<span class="mono">${String(leaf.subject).replace(/\n/g, ', ')}</span>`);
  if (key) parts.push(html`${key}`);
  if (leaf?.signatureAlgorithm) parts.push(html`${String(leaf.signatureAlgorithm)}`);
  if (cert.notAfter) parts.push(html`${x.t('html.tls.expires', { date: String(cert.notAfter).slice(0, 10), days: String(cert.daysLeft ?? '?') })}`);
  parts.push(cert.trusted ? html`<span class="badge s-pass">${x.t('html.tls.trusted')}</span>` : html`<span class="badge s-fail">${x.t('html.tls.untrusted', { why: String(cert.trustError ?? '?') })}</span>`);
  parts.push(cert.hostnameMatch ? html`<span class="badge s-pass">${x.t('html.tls.nameOk')}</span>` : html`<span class="badge s-fail">${x.t('html.tls.nameBad', { name: String(cert.checkedName ?? '?') })}</span>`);
  return html`<p class="small"><strong>${x.t('html.tls.certificate')}:</strong> ${parts.map((p, i) => html`${i ? ' · ' : ''}${p}`)}</p>`;
}

function ruleSets(rules: Rec[] | undefined, x: HtmlText): SafeHtml {
  if (!Array.isArray(rules) || !rules.length) return html``;
  const sets = [...new Set(rules.map((r) => String(r.ruleSet)))];
  return html`${sets.map((set) => {
    const mine = rules.filter((r) => r.ruleSet === set && r.evaluated !== false);
    const failed = mine.filter((r) => !r.passed);
    const name = x.fromCheck('tls', `tls.set.${set}`) ?? set;
    return html`<p class="small"><span class="badge ${failed.length ? 's-warn' : 's-pass'}">${failed.length ? x.t('html.tls.rulesFailed', { set: name, failed: failed.length, total: mine.length }) : x.t('html.tls.rulesPassed', { set: name, total: mine.length })}</span></p>
${failed.length ? html`<ul class="findings small">${failed.map((r) => html`<li>${x.fromCheck('tls', `tls.rule.${String(r.id)}`) ?? String(r.title ?? r.id)} <span class="mono muted">${Array.isArray(r.offending) ? (r.offending as unknown[]).slice(0, 6).map((o) => offendingIn(x.lang, String(o))).join('; ') : ''}</span></li>`)}</ul>` : ''}`;
  })}`;
}
