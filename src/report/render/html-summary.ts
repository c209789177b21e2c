// The executive summary: verdict, score gauge, grade with its cap, category scores, and the
// blockers in plain language with the fix, an owner and an effort estimate.

import type { Report, ReportBlocker, ReportCause } from '../model.js';
import { causesOf } from './causes.js';
import { resultOfBlocker } from './localize.js';
import { scoreGauge } from './html-charts.js';
import { changeKind, effortOf, ownerOf } from './html-effort.js';
import { html, type SafeHtml } from './html-escape.js';
import { anchor, gradeBadge, locationText, richText, severityBadge } from './html-parts.js';
import type { HtmlText } from './html-text.js';

export function summarySection(report: Report, x: HtmlText): SafeHtml {
  const gradeNote = report.gradeNote
    ? x.t(report.gradeNote === 'unreachable' ? 'grade.unreachable' : 'grade.nothing')
    : report.gradeCap
      ? x.t('report.gradeCapped', { grade: report.gradeCap.grade, reason: x.t(`cap.${report.gradeCap.reason}`) })
      : '';
  const verdictClass = `verdict-${report.verdict.replace(/ /g, '-')}`;
  return html`<section id="summary" class="summary">
  <h2>${x.t('html.summary')}</h2>
  <div class="summary-top">
    <figure class="chart gauge" style="margin:0">${scoreGauge(report.score, report.grade ?? '—', x.t('html.gauge'), x.t('html.outOf'))}</figure>
    <div>
      <div class="verdict ${verdictClass}" data-fact="verdict">${x.t(`verdict.${report.verdict}`)}</div>
      <p class="lead">${x.t(`html.lead.${report.verdict}`)}</p>
      <div class="facts">
        <div class="fact"><div class="label">${x.t('report.score')}</div><div class="value" data-fact="score">${report.score === null ? '—' : `${report.score}/100`}</div></div>
        <div class="fact"><div class="label">${x.t('report.grade')}</div><div class="value" data-fact="grade">${gradeBadge(report.grade)}</div></div>
        <div class="fact"><div class="label">${x.t('report.blockers')}</div><div class="value">${report.blockers.length}</div></div>
      </div>
      ${gradeNote ? html`<p class="note" data-fact="grade-note">${gradeNote}${report.gradeCap && report.uncappedGrade ? html`<br>${x.t('html.gradeUncapped', { grade: report.uncappedGrade })}` : ''}</p>` : ''}
      ${report.interruption ? html`<p class="note" data-fact="interrupted"><strong>${x.t('report.interrupted', { signal: report.interruption.signal ?? report.interruption.kind })}</strong></p>` : ''}
      ${report.complete ? '' : html`<p class="note">${x.t('html.incompleteNote')}</p>`}
    </div>
  </div>
  <h3>${x.t('html.categoryScores')}</h3>
  ${categoryBars(report, x)}
  ${report.causes ? firstActions(report, x) : legacyBlockers(report, x)}
</section>`;
}

/** How many causes the one-page summary names; the causes chapter has them all. */
const FIRST_ACTIONS = 3;

/** The summary's last word: the first things to do, one line each, pointing at the causes chapter. */
function firstActions(report: Report, x: HtmlText): SafeHtml {
  const { blocking, risks } = causesOf(report);
  const first = (blocking.length ? blocking : risks).slice(0, FIRST_ACTIONS);
  const more = blocking.length + risks.length - first.length;
  return html`<h3>${x.t('html.firstActions')}</h3>
  <p class="small muted">${x.t('report.blockerCount', { blockers: report.blockers.length, risks: report.risks?.length ?? 0, causes: report.causes?.length ?? 0 })}</p>
  ${
    first.length
      ? html`<ol class="first-actions">${first.map((c) => {
          const v = x.cause(c);
          return html`<li>${severityBadge(x, c.severity)} ${richText(v.title)}${v.fix ? html`<div class="small">${richText(v.fix)}</div>` : ''}</li>`;
        })}</ol>${more > 0 ? html`<p class="small"><a href="#causes">${x.t('html.firstActions.more', { count: more })}</a></p>` : ''}`
      : html`<p>${x.t('report.noBlockers')}</p>`
  }`;
}

/** The causes chapter: every blocking cause as a card, the risks as a table. */
export function causesChapter(report: Report, x: HtmlText): SafeHtml {
  if (!report.causes) return html``;
  return html`<section class="chapter" id="causes">${causeList(report, x)}</section>`;
}

function legacyBlockers(report: Report, x: HtmlText): SafeHtml {
  return html`<h3>${x.t('report.blockers')}</h3>
  ${report.blockers.length === 0 ? html`<p>${x.t('report.noBlockers')}</p>` : html`<p>${x.t('html.blockersIntro')}</p>${blockerList(report, x)}<p class="note">${x.t('html.effortNote')}</p>`}`;
}

/** One card per blocking cause (its fix, owner, effort, the results it clears folded), then the risks as a table. */
function causeList(report: Report, x: HtmlText): SafeHtml {
  const { blocking, risks } = causesOf(report);
  const facts = (c: ReportCause, n: number) => {
    const lead = report.blockers.find((b) => b.check === c.lead.check && b.target === c.lead.target && b.finding === c.lead.finding) ?? {
      ...c.lead,
      category: report.results.find((r) => r.check === c.lead.check)?.category ?? 'integration',
      severity: c.severity,
    };
    const v = x.cause(c);
    const f = blockerFacts(report, lead, n, x);
    const what = c.kind !== 'finding' && v.lead ? `${v.title} ${x.finding(c.lead.check, v.lead.finding, 'message')}` : v.title;
    return { c, f, v, what };
  };
  const card = ({ c, f, v, what }: ReturnType<typeof facts>) => html`<li class="sev-border-${c.severity}" data-cause="${c.id}">
  <div class="blocker-head"><span class="num">${f.n}.</span> ${severityBadge(x, c.severity)} ${richText(what)}</div>
  ${v.fix ? html`<div class="fix"><strong>${x.t('report.fix')}:</strong> ${richText(v.fix)}</div>` : ''}
  <div class="blocker-grid small">
    <div><div class="label">${x.t('html.col.owner')}</div>${f.owner}</div>
    <div><div class="label">${x.t('html.col.effort')}</div>${f.effort} <span class="muted">(${f.kind})</span></div>
    ${c.location ? html`<div><div class="label">${x.t('html.col.where')}</div><span class="mono">${locationText(c.location)}</span></div>` : ''}
  </div>
  <details class="small"><summary>${x.t('report.causeAffects', { count: c.affected.length, results: c.results, list: '' }).replace(/[:：]\s*$/, '')}</summary>
  <ul>${c.affected.map((a) => html`<li><span class="mono">${a.check} · ${a.target}</span> ${severityBadge(x, a.severity)} <span class="muted mono">${a.finding}</span></li>`)}</ul></details>
</li>`;
  return html`<h2>${x.t('report.causes')}</h2>
  <p class="small muted">${x.t('report.blockerCount', { blockers: report.blockers.length, risks: report.risks?.length ?? 0, causes: report.causes?.length ?? 0 })}</p>
  ${blocking.length === 0 ? html`<p>${x.t('report.noBlockers')}</p>` : html`<p>${x.t('report.causesIntro')}</p><ol class="blockers">${blocking.map((c, i) => card(facts(c, i + 1)))}</ol><p class="note">${x.t('html.effortNote')}</p>`}
  ${
    risks.length
      ? html`<h3 id="risks">${x.t('report.risksTitle')}</h3>
  <table class="blockers-minor">
  <colgroup><col style="width:4%"><col style="width:9%"><col style="width:40%"><col style="width:35%"><col style="width:12%"></colgroup>
  <thead><tr><th>#</th><th>${x.t('html.col.severity')}</th><th>${x.t('html.col.problem')}</th><th>${x.t('html.col.fix')}</th><th>${x.t('html.col.owner')}</th></tr></thead>
  <tbody>${risks.map((c, i) => {
    const { f, v, what } = facts(c, i + 1);
    return html`<tr data-cause="${c.id}"><td class="num">${i + 1}</td><td>${severityBadge(x, c.severity)}</td><td>${richText(what)}<br><span class="small muted">${x.t('report.causeAffects', { count: c.affected.length, results: c.results, list: v.affected })}</span></td><td class="small">${richText(v.fix)}</td><td class="small">${f.owner}</td></tr>`;
  })}</tbody></table>`
      : ''
  }`;
}

function categoryBars(report: Report, x: HtmlText): SafeHtml {
  const rows = report.categories.map((c) => {
    const label = x.t(`category.${c.id}`);
    if (c.status === 'not-applicable' || c.score === null) {
      return html`<div><a href="#${anchor('cat', c.id)}">${label}</a></div><div class="muted small">${x.t('html.categoryNothing')}</div><div class="num muted">—</div>`;
    }
    return html`<div><a href="#${anchor('cat', c.id)}">${label}</a></div><div class="bar" role="img" aria-label="${label} ${c.score}"><span style="width:${Math.max(0, Math.min(100, c.score))}%"></span></div><div class="num"><strong>${c.score}</strong>${c.status === 'incomplete' ? html` <span class="badge s-error">${x.t('report.incomplete')}</span>` : ''}</div>`;
  });
  return html`<div class="bars">${rows}</div>`;
}

/** Critical to medium blockers get a card each; low and info ones a compact table after them. */
function blockerList(report: Report, x: HtmlText): SafeHtml {
  const rows = report.blockers.map((b, i) => blockerFacts(report, b, i + 1, x));
  const major = rows.filter((r) => !MINOR.has(r.b.severity));
  const minor = rows.filter((r) => MINOR.has(r.b.severity));
  return html`${major.length ? html`<ol class="blockers">${major.map(card)}</ol>` : ''}
${
  minor.length
    ? html`<table class="blockers-minor">
  <colgroup><col style="width:4%"><col style="width:9%"><col style="width:34%"><col style="width:33%"><col style="width:12%"><col style="width:8%"></colgroup>
  <thead><tr><th>#</th><th>${x.t('html.col.severity')}</th><th>${x.t('html.col.problem')}</th><th>${x.t('html.col.fix')}</th><th>${x.t('html.col.owner')}</th><th>${x.t('html.col.effort')}</th></tr></thead>
  <tbody>${minor.map((r) => html`<tr data-blocker="${r.b.check}|${r.b.target}|${r.b.finding}"><td class="num">${r.n}</td><td>${severityBadge(x, r.b.severity)}</td><td><span class="mono small">${r.b.check} · ${r.b.target}</span><br>${richText(r.message)}</td><td class="small">${richText(r.fix)}</td><td class="small">${r.owner}</td><td class="small">${r.effort}</td></tr>`)}</tbody>
</table>`
    : ''
}`;

  function card(r: BlockerFacts): SafeHtml {
    const b = r.b;
    return html`<li class="sev-border-${b.severity}" data-blocker="${b.check}|${b.target}|${b.finding}">
  <div class="blocker-head"><span class="num">${r.n}.</span> ${severityBadge(x, b.severity)} <span class="mono">${b.check} · ${b.target}</span> — ${r.title}</div>
  <p>${richText(r.message)}</p>
  ${r.fix ? html`<div class="fix"><strong>${x.t('report.fix')}:</strong> ${richText(r.fix)}</div>` : ''}
  <div class="blocker-grid small">
    <div><div class="label">${x.t('html.col.owner')}</div>${r.owner}</div>
    <div><div class="label">${x.t('html.col.effort')}</div>${r.effort} <span class="muted">(${r.kind})</span></div>
    ${b.location ? html`<div><div class="label">${x.t('html.col.where')}</div><span class="mono">${locationText(b.location)}</span></div>` : ''}
    <div><div class="label">${x.t('col.check')}</div><span class="mono">${b.finding}</span></div>
  </div>
</li>`;
  }
}

const MINOR = new Set(['low', 'info']);

interface BlockerFacts {
  b: ReportBlocker;
  n: number;
  message: string;
  fix: string;
  owner: string;
  effort: string;
  kind: string;
  /** The compliance rule's title for a rule, else the check's. */
  title: string;
}

function blockerFacts(report: Report, b: ReportBlocker, n: number, x: HtmlText): BlockerFacts {
  const r = resultOfBlocker(report, b);
  const f = r?.findings.find((y) => y.id === b.finding);
  const kind = changeKind(report, b);
  const owner = ownerOf(report, b);
  return {
    b,
    n,
    message: f ? x.finding(b.check, f, 'message') : b.finding,
    fix: f ? x.finding(b.check, f, 'remediation') : '',
    owner: owner.kind === 'waiver' ? x.t('html.owner.waiver', { owner: owner.name }) : x.t(`html.owner.${owner.category}`),
    effort: x.t(`html.effort.${effortOf(kind, b.severity)}`),
    kind: x.t(`html.kind.${kind}`),
    title: (b.check === 'compliance' ? x.fromCheck('compliance', `${b.finding}.title`) : undefined) ?? x.checkTitle(b.check),
  };
}
