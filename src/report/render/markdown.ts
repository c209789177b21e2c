// Markdown for wikis, pull requests and the GitHub Actions step summary: the terminal report's
// content (verdict, blockers with fixes, categories, results, TLS audit, compliance, waivers, gate) as
// GitHub-flavoured tables, in the reader's language.

import type { Catalog, Status } from '../../plugin-api.js';
import type { Lang } from '../../i18n/index.js';
import type { Report, ReportCause, ReportResult } from '../model.js';
import type { Handover } from '../handover.js';
import { mdCell, mdCode, mdTable, mdText } from './markdown-escape.js';
import { blockText, textBlock } from './blocks.js';
import { coversText } from './covers-text.js';
import { displayTarget, reportText, resultOfBlocker, type ReportText } from './localize.js';
import { platformComparison } from './platforms.js';
import { clauseIn, cm } from '../../compliance/messages.js';
import { causesOf, causeView, classificationText, taskCounts } from './causes.js';
import { byCodeUnit } from '../../util/order.js';

const locCell = (l?: { file: string; line: number; column: number }) => (l ? mdCode(`${l.file}:${l.line}:${l.column}`) : ' ');

export interface MarkdownOptions {
  lang: Lang;
  catalogs?: Map<string, Record<string, Catalog>>;
  /** List passing results too (they are summarised by count otherwise). */
  verbose?: boolean;
  handover?: Handover;
}

const STATUS_ORDER: Status[] = ['fail', 'error', 'warn', 'info', 'pass', 'skipped'];
const STATUS_ICON: Record<Status, string> = { fail: '❌', error: '⚠️', warn: '🟡', info: 'ℹ️', pass: '✅', skipped: '➖' };
const VERDICT_ICON: Record<Report['verdict'], string> = { READY: '✅', 'READY WITH RISKS': '🟡', 'NOT READY': '❌' };

export function renderMarkdown(report: Report, opts: MarkdownOptions): string {
  const x = reportText(opts.lang, opts.catalogs);
  const { t } = x;
  const out: string[] = [];
  const loc = locCell;

  out.push(`# ${mdText(t('report.title'))}`, '');
  const h = opts.handover;
  const client = h?.client ?? report.site.organisation;
  if (h?.preparedBy || h?.client)
    out.push(
      `_${mdText([client ? t('html.preparedFor', { organisation: client }) : '', h?.preparedBy ? t('html.preparedBy', { who: h.preparedBy }) : ''].filter(Boolean).join(' · '))}_`,
      '',
    );
  const grade = report.grade ?? '—';
  const gradeNote = report.gradeNote
    ? ` (${t(report.gradeNote === 'unreachable' ? 'grade.unreachable' : 'grade.nothing')})`
    : report.gradeCap
      ? ` (${t('report.gradeCapped', { grade: report.gradeCap.grade, reason: t(`cap.${report.gradeCap.reason}`) })})`
      : '';
  if (report.interruption)
    out.push(`> **${mdText(t('report.interrupted', { signal: report.interruption.signal ?? report.interruption.kind }))}**`, '');
  out.push(
    ...mdTable(
      [mdCell(t('md.summary')), ' '],
      [
        [
          mdCell(t('report.verdict')),
          `${VERDICT_ICON[report.verdict]} **${mdText(t(`verdict.${report.verdict}`))}**${report.complete ? '' : ` (${mdText(t('report.incomplete'))})`}`,
        ],
        [mdCell(t('report.score')), report.score === null ? '—' : `**${report.score}**/100`],
        [mdCell(t('report.grade')), `**${grade}**${mdText(gradeNote)}`],
        [mdCell(t('report.site')), mdCell(report.site.name)],
        ...(report.site.organisation ? [[mdCell(t('md.organisation')), mdCell(report.site.organisation)]] : []),
        [mdCell(t('report.file')), `${mdCode(report.site.file)} (sha256 ${mdCode(report.site.sha256.slice(0, 12))})`],
        [mdCell(t('md.generated')), mdCell(report.finishedAt)],
        [mdCell(t('md.tool')), mdCell(`siteready ${report.tool.version}`)],
      ],
    ),
    '',
  );
  if (report.gate) {
    out.push(
      report.gate.passed
        ? `**${mdText(t('report.gate.passed'))}**`
        : `**${mdText(t('report.gate.failed', { reasons: report.gate.reasons.map((m) => t(m.id, m.params)).join('; ') }))}**`,
      '',
    );
  }

  const compared = platformComparison(report, x);
  if (compared) {
    out.push(`## ${mdText(compared.title)}`, '');
    out.push(
      ...mdTable(
        compared.header.map(mdCell),
        compared.rows.map((r) => [
          mdCell(r.name),
          mdCode(r.catalog),
          r.score,
          `**${r.grade}**`,
          `${VERDICT_ICON[r.verdict]} ${mdText(t(`verdict.${r.verdict}`))}`,
          r.blockers,
          mdCell(r.first),
        ]),
      ),
      '',
      ...compared.notes.flatMap((n) => [mdText(n), '']),
    );
  }

  if (report.causes) out.push(...causesSection(report, x, opts.catalogs));
  else out.push(...legacyBlockers());

  function legacyBlockers(): string[] {
    const out: string[] = [];
    out.push(`## ${mdText(t('report.blockers'))}`, '');
    if (report.blockers.length === 0) out.push(mdText(t('report.noBlockers')), '');
    else {
      out.push(
        ...mdTable(
          [
            '#',
            mdCell(t('md.severity')),
            mdCell(t('col.check')),
            mdCell(t('col.target')),
            mdCell(t('md.finding')),
            mdCell(t('report.fix')),
            mdCell(t('md.location')),
          ],
          report.blockers.map((b, i) => {
            const r = resultOfBlocker(report, b);
            const f = r?.findings.find((y) => y.id === b.finding);
            const message = r && f ? x.finding(b.check, f, 'message') : b.finding;
            const fix = r && f ? x.finding(b.check, f, 'remediation') : '';
            return [
              String(i + 1),
              `**${mdText(t(`severity.${b.severity}`))}**`,
              mdCell(x.checkTitle(report, b.check)),
              mdCode(r ? displayTarget(r) : b.target),
              mdCell(message),
              mdCell(fix),
              loc(b.location),
            ];
          }),
        ),
        '',
      );
    }

    return out;
  }

  out.push(`## ${mdText(t('report.categories'))}`, '');
  out.push(
    ...mdTable(
      [mdCell(t('md.category')), mdCell(t('col.score')), mdCell(t('md.weight')), mdCell(t('col.status'))],
      report.categories
        .filter((c) => c.status !== 'not-applicable')
        .map((c) => [
          mdCell(t(`category.${c.id}`)),
          c.score === null ? '—' : String(c.score),
          String(c.weight),
          c.status === 'incomplete' ? mdCell(t('report.incomplete')) : ' ',
        ]),
    ),
    '',
  );

  out.push(`## ${mdText(t('report.results'))}`, '');
  const sorted = report.results
    .filter((r) => r.check !== 'compliance')
    .sort(
      (a, b) =>
        STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || byCodeUnit(a.check, b.check) || byCodeUnit(a.target, b.target),
    );
  const shown = opts.verbose ? sorted : sorted.filter((r) => r.status !== 'pass');
  out.push(
    ...mdTable(
      [
        mdCell(t('col.status')),
        mdCell(t('col.check')),
        mdCell(t('col.target')),
        mdCell(t('col.result')),
        mdCell(t('report.fix')),
        mdCell(t('col.time')),
      ],
      shown.map((r) => {
        const status = r.waiver ? `➖ ${mdText(t('report.waived'))}` : `${STATUS_ICON[r.status]} ${mdText(t(`status.${r.status}`))}`;
        const first = r.findings[0];
        const fix = first && r.status !== 'pass' ? x.finding(r.check, first, 'remediation') : '';
        return [status, mdCell(x.checkTitle(report, r.check)), mdCode(r.target), mdCell(summary(r, x)), mdCell(fix), `${r.durationMs} ms`];
      }),
    ),
    '',
  );
  if (shown.length < sorted.length) out.push(`_${mdText(t('md.passingHidden', { count: sorted.length - shown.length }))}_`, '');

  // What the checks show of their facts, one folded section per result (GitHub renders <details>).
  const shownWithBlocks = shown.filter((r) => r.blocks?.length);
  for (const r of shownWithBlocks) {
    out.push(`<details><summary>${mdText(`${x.checkTitle(report, r.check)} · ${r.target}`)}</summary>`, '');
    for (const b of r.blocks!) {
      const tb = textBlock(b, blockText(x.tr, opts.catalogs?.get(r.check), String), x.tr);
      if (tb.title) out.push(`**${mdText(tb.title)}**`, '');
      out.push(
        ...mdTable(
          (tb.header ?? ['', '']).map(mdCell),
          tb.rows.map((row) => row.map(mdCell)),
        ),
        '',
      );
      if (tb.note) out.push(`_${mdText(tb.note)}_`, '');
    }
    if (r.covers?.length) out.push(`_${mdText(coversText(t, r.covers))}_`, '');
    out.push('</details>', '');
  }

  if (report.compliance?.length) out.push(...complianceSection(report, x, Boolean(opts.verbose)));

  if (report.waivers.length) {
    out.push(`## ${mdText(t('report.waivers'))}`, '');
    out.push(
      ...mdTable(
        [
          mdCell(t('md.waiverCheck')),
          mdCell(t('md.justification')),
          mdCell(t('md.expires')),
          mdCell(t('md.owner')),
          mdCell(t('md.waiverState')),
          mdCell(t('md.location')),
        ],
        report.waivers.map((w) => [
          mdCode([w.check, w.target, w.finding].filter(Boolean).join(' · ')),
          mdCell(w.justification),
          mdCell(w.expires ?? '—'),
          mdCell(w.owner ?? '—'),
          mdCell(
            w.status === 'expired'
              ? t('report.waiverExpired', { date: w.expires ?? '' })
              : w.status === 'unused'
                ? t('report.waiverUnused')
                : t('md.waiverApplied'),
          ),
          loc(w.location),
        ]),
      ),
      '',
    );
  }

  const checks = new Set(report.results.map((r) => r.check)).size;
  out.push(`_${mdText(t('report.duration', { seconds: (report.durationMs / 1000).toFixed(1), ...taskCounts(report), checks }))}_`, '');
  return `${out.join('\n')}\n`;
}

function summary(r: ReportResult, x: ReportText): string {
  const { t } = x;
  if (r.status === 'error') {
    const why = r.findings[0] ? x.finding(r.check, r.findings[0], 'message') : (r.error?.message ?? '');
    return t('report.error', { message: why });
  }
  if (r.status === 'skipped')
    return t(r.reason === 'disabled' ? 'report.disabled' : r.reason === 'opt-in' ? 'report.optIn' : 'report.notApplicable');
  const first = r.findings[0];
  if (first && r.status !== 'pass') return x.finding(r.check, first, 'message');
  const parts: string[] = [];
  if (r.classification !== undefined) {
    const word = classificationText(t, r.classification);
    parts.push(r.path === 'proxy' ? `${word} (${t('md.viaProxy')})` : word);
  }
  for (const m of r.measurements.slice(0, 3)) parts.push(`${m.id} ${m.value}${m.unit && m.unit !== 'count' ? ` ${m.unit}` : ''}`);
  return parts.join(' · ');
}

interface RuleDetails {
  profile: string;
  rule: string;
  title: string;
  outcome: string;
  severity: string;
  references: Array<{ standard: string; clause: string; clauseZh?: string }>;
  why?: string;
}

function complianceSection(report: Report, x: ReportText, verbose: boolean): string[] {
  const { t } = x;
  const out = [`## ${mdText(t('md.compliance'))}`, ''];
  if (report.declared?.passed)
    out.push(`_${mdText(cm(x.tr.lang, 'declaredSummary', { passed: report.declared.passed, points: report.declared.points }))}_`, '');
  const order = ['fail', 'not-evaluated', 'pass', 'not-applicable'];
  for (const p of report.compliance ?? []) {
    out.push(`### ${mdText(p.id)} v${mdText(p.version)} — ${mdText(x.profileTitle(p.id) ?? p.title)}`, '');
    out.push(
      mdText(
        t('md.profileSummary', {
          passed: p.passed,
          failed: p.failed,
          notEvaluated: p.notEvaluated,
          notApplicable: p.notApplicable,
          waived: p.waived,
        }),
      ),
      '',
    );
    const mine = report.results
      .filter((r) => r.check === 'compliance' && r.target === p.id)
      .filter((r) => verbose || r.facts.outcome !== 'not-applicable')
      .sort((a, b) => order.indexOf(String(a.facts.outcome)) - order.indexOf(String(b.facts.outcome)));
    out.push(
      ...mdTable(
        [
          mdCell(t('md.outcome')),
          mdCell(t('md.rule')),
          mdCell(t('md.severity')),
          mdCell(t('md.clause')),
          mdCell(t('md.finding')),
          mdCell(t('report.fix')),
          mdCell(t('md.location')),
        ],
        mine.map((r) => {
          const d = r.facts as unknown as RuleDetails;
          const id = `${d.profile}.${d.rule}`;
          const outcome = r.waiver ? t('report.waived') : t(`outcome.${d.outcome}`);
          const finding = r.findings[0];
          const message = finding && d.outcome !== 'pass' ? x.finding('compliance', finding, 'message') : (x.rule(id, 'title') ?? d.title);
          const fix = d.outcome === 'fail' ? (x.rule(id, 'fix') ?? '') : '';
          const l = r.location;
          return [
            mdCell(outcome),
            mdCode(d.rule),
            mdCell(t(`severity.${d.severity}`)),
            mdCell(d.references.map((ref) => `${ref.standard} ${clauseIn(x.tr.lang, ref)}`).join('; ')),
            mdCell(message),
            mdCell(fix),
            l ? mdCode(`${l.file}:${l.line}:${l.column}`) : ' ',
          ];
        }),
      ),
      '',
    );
  }
  return out;
}

/** Causes first: blockers as a table with their fix and what they clear, then the risks. */
function causesSection(report: Report, x: ReportText, catalogs: Map<string, Record<string, Catalog>> | undefined): string[] {
  const { t } = x;
  const { blocking, risks } = causesOf(report);
  const rows = (list: ReportCause[]) =>
    list.map((cause, i) => {
      const v = causeView(report, cause, x.tr, catalogs);
      const what = cause.kind !== 'finding' && v.lead ? `${v.title} ${x.finding(cause.lead.check, v.lead.finding, 'message')}` : v.title;
      return [
        String(i + 1),
        `**${mdText(t(`severity.${cause.severity}`))}**`,
        mdCell(what),
        mdCell(v.fix),
        mdCell(t('report.causeAffects', { count: cause.affected.length, results: cause.results, list: v.affected })),
        locCell(cause.location),
      ];
    });
  const header = [
    '#',
    mdCell(t('md.severity')),
    mdCell(t('md.finding')),
    mdCell(t('report.fix')),
    mdCell(t('md.clears')),
    mdCell(t('md.location')),
  ];
  const out = [
    `## ${mdText(t('report.causes'))}`,
    '',
    `_${mdText(t('report.blockerCount', { blockers: report.blockers.length, risks: report.risks?.length ?? 0, causes: report.causes?.length ?? 0 }))}_`,
    '',
  ];
  if (!blocking.length) out.push(mdText(t('report.noBlockers')), '');
  else out.push(mdText(t('report.causesIntro')), '', ...mdTable(header, rows(blocking)), '');
  if (risks.length) out.push(`### ${mdText(t('report.risksTitle'))}`, '', ...mdTable(header, rows(risks)), '');
  return out;
}
