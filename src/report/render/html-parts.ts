// Small pieces the HTML sections share: badges, measurement text, source locations.

import type { Measurement, SourceLocation, Status } from '../../plugin-api.js';
import type { ReportResult } from '../model.js';
import { html, type SafeHtml } from './html-escape.js';
import type { HtmlText } from './html-text.js';

export function statusBadge(x: HtmlText, r: Pick<ReportResult, 'status' | 'waiver'>): SafeHtml {
  if (r.waiver) return html`<span class="badge s-waived">${x.t('report.waived')}</span>`;
  return html`<span class="badge s-${r.status}">${x.t(`status.${r.status}`)}</span>`;
}

export function severityBadge(x: HtmlText, severity: string): SafeHtml {
  return html`<span class="badge sev-${severity}">${x.t(`severity.${severity}`)}</span>`;
}

export function gradeClass(grade: string | null | undefined): string {
  if (!grade) return 'grade-mid';
  return /^A/.test(grade) ? 'grade-good' : /^[BC]/.test(grade) ? 'grade-mid' : 'grade-bad';
}

export function gradeBadge(grade: string | null | undefined): SafeHtml {
  return html`<span class="grade ${gradeClass(grade)}">${grade ?? '—'}</span>`;
}

export function locationText(loc: SourceLocation | undefined): string {
  return loc ? `${loc.file}:${loc.line}` : '';
}

export function valueText(x: HtmlText, m: Pick<Measurement, 'value' | 'unit'>): string {
  const v = typeof m.value === 'number' ? x.number(m.value) : String(m.value);
  return m.unit && m.unit !== 'count' ? `${v} ${m.unit}` : v;
}

export function thresholdText(x: HtmlText, m: Measurement): string {
  const th = m.threshold;
  if (!th) return '';
  const unit = m.unit && m.unit !== 'count' ? ` ${m.unit}` : '';
  const parts: string[] = [];
  if (th.min !== undefined) parts.push(x.t('html.thresholdMin', { value: `${x.number(th.min)}${unit}` }));
  if (th.max !== undefined) parts.push(x.t('html.thresholdMax', { value: `${x.number(th.max)}${unit}` }));
  return parts.join(', ');
}

/** Ids stay ids; the stable anchor of a section or check. */
export function anchor(...parts: string[]): string {
  return parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-');
}

export function statusCounts(results: ReportResult[]): Record<'pass' | 'warn' | 'fail' | 'other', number> {
  const count = (s: Status) => results.filter((r) => !r.waiver && r.status === s).length;
  const pass = count('pass');
  const warn = count('warn');
  const fail = count('fail');
  return { pass, warn, fail, other: results.length - pass - warn - fail };
}

/** Host names, ids and addresses may break after a dot, slash, dash or @ rather than mid-word. */
export function breakable(text: string): SafeHtml {
  const pieces = text.split(/(?<=[./@-])/);
  return html`${pieces.map((p, i) => html`${i ? html`<wbr>` : ''}${p}`)}`;
}

/** Finding text with `inline code` (configuration lines in fixes) set as code; everything escaped. */
export function richText(text: string): SafeHtml {
  const pieces = text.split('`');
  // An odd number of pieces means the backticks pair up; otherwise show the text as it is.
  if (pieces.length < 3 || pieces.length % 2 === 0) return html`${text}`;
  return html`${pieces.map((p, i) => (i % 2 ? html`<code>${p}</code>` : html`${p}`))}`;
}
