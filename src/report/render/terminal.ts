// The human summary: verdict first, then blockers with their fixes, categories, results, waivers.

import { Chalk, type ChalkInstance } from 'chalk';
import type { Catalog, Status } from '../../plugin-api.js';
import { displayWidth, pad, truncate } from '../../util/text.js';
import { translator, type Lang } from '../../i18n/index.js';
import type { Report, ReportCause, ReportFinding, ReportResult } from '../model.js';
import { renderCompliance } from './compliance.js';
import { blockText, textBlock, type TextBlock } from './blocks.js';
import { messageText, reportText, resultOfBlocker } from './localize.js';
import { platformComparison } from './platforms.js';
import { causesOf, causeView, classificationText, taskCounts } from './causes.js';
import { byCodeUnit } from '../../util/order.js';

export interface TerminalOptions {
  lang: Lang;
  color: boolean;
  verbose?: boolean;
  /** Message catalogs of the checks, to translate findings; falls back to the report's English. */
  catalogs?: Map<string, Record<string, Catalog>>;
  width?: number;
}

const STATUS_ORDER: Status[] = ['fail', 'error', 'warn', 'info', 'pass', 'skipped'];
/** Blocks shown under a failing or warning result without --verbose. */
const DEFAULT_BLOCKS = 3;

export function renderTerminal(report: Report, opts: TerminalOptions): string {
  const c: ChalkInstance = new Chalk({ level: opts.color ? 1 : 0 });
  const tr = translator(opts.lang);
  const { t } = tr;
  const width = Math.max(80, Math.min(opts.width ?? 100, 160));
  const findingText = (r: { check: string }, f: ReportFinding, kind: 'message' | 'remediation'): string => {
    const msg = kind === 'message' ? f.message : f.remediation;
    return msg ? messageText(tr, opts.catalogs?.get(r.check), msg) : '';
  };
  const statusColor = (s: Status, text: string) =>
    s === 'pass'
      ? c.green(text)
      : s === 'fail'
        ? c.red(text)
        : s === 'warn'
          ? c.yellow(text)
          : s === 'error'
            ? c.magenta(text)
            : c.dim(text);
  const verdictColor = report.verdict === 'READY' ? c.green.bold : report.verdict === 'NOT READY' ? c.red.bold : c.yellow.bold;
  const lines: string[] = [];
  const out = (s = '') => lines.push(s);

  out(c.bold(`${t('report.title')} · siteready ${report.tool.version}`));
  out(
    `${pad(t('report.site'), 8)} ${report.site.name}${report.site.organisation ? ` (${report.site.organisation})` : ''} · ${report.site.file}`,
  );
  const grade = report.grade ?? '—';
  const gradeNote = report.gradeNote
    ? c.dim(` (${t(report.gradeNote === 'unreachable' ? 'grade.unreachable' : 'grade.nothing')})`)
    : report.gradeCap
      ? c.dim(` (${t('report.gradeCapped', { grade: report.gradeCap.grade, reason: t(`cap.${report.gradeCap.reason}`) })})`)
      : '';
  out(
    `${pad(t('report.score'), 8)} ${c.bold(report.score === null ? '—' : `${report.score}/100`)}   ${t('report.grade')} ${c.bold(grade)}${gradeNote}   ${t('report.verdict')} ${verdictColor(t(`verdict.${report.verdict}`))}${report.complete ? '' : c.magenta(` (${t('report.incomplete')})`)}`,
  );
  if (report.interruption) out(c.magenta.bold(t('report.interrupted', { signal: report.interruption.signal ?? report.interruption.kind })));
  out();

  const compared = platformComparison(report, reportText(opts.lang, opts.catalogs));
  if (compared) {
    out(c.bold(compared.title));
    const cells = compared.rows.map((r) => [r.name, r.catalog, r.score, r.grade, t(`verdict.${r.verdict}`), r.blockers]);
    const widths = compared.header
      .slice(0, 6)
      .map((h, i) => Math.min(30, Math.max(displayWidth(h), ...cells.map((row) => displayWidth(row[i]!)))));
    out(
      c.dim(
        `  ${compared.header
          .slice(0, 6)
          .map((h, i) => pad(h, widths[i]!))
          .join('  ')}`,
      ),
    );
    compared.rows.forEach((r, i) => {
      const color = r.verdict === 'READY' ? c.green : r.verdict === 'NOT READY' ? c.red : c.yellow;
      out(
        `  ${cells[i]!.map((cell, j) => (j === 4 ? color(pad(truncate(cell, widths[j]!), widths[j]!)) : pad(truncate(cell, widths[j]!), widths[j]!))).join('  ')}`,
      );
      if (r.first) out(c.dim(`    ${truncate(`${compared.header[6]}: ${r.first}`, width - 4)}`));
    });
    for (const n of compared.notes) out(`  ${n}`);
    out();
  }

  if (report.causes) {
    // One entry per root cause, the ones to do first first; its findings folded under it.
    const { blocking, risks } = causesOf(report);
    const view = (cause: ReportCause) => causeView(report, cause, tr, opts.catalogs);
    out(
      `${c.bold(t('report.causes'))}  ${c.dim(t('report.blockerCount', { blockers: report.blockers.length, risks: report.risks?.length ?? 0, causes: report.causes.length }))}`,
    );
    if (blocking.length === 0) out(`  ${c.green(t('report.noBlockers'))}`);
    blocking.forEach((cause, i) => {
      const v = view(cause);
      out(`  ${i + 1}. ${c.red.bold(t(`severity.${cause.severity}`).toUpperCase())}  ${c.bold(v.title)}`);
      if (cause.kind !== 'finding' && v.lead) out(`     ${findingText(v.lead.result, v.lead.finding, 'message')}`);
      if (v.fix) out(`     ${c.cyan(t('report.fixLabel'))} ${v.fix}`);
      out(
        c.dim(
          `     ${truncate(t('report.causeAffects', { count: cause.affected.length, results: cause.results, list: v.affected }), width - 5)}`,
        ),
      );
      if (cause.location) out(c.dim(`     ${cause.location.file}:${cause.location.line}:${cause.location.column}`));
    });
    if (risks.length) {
      out();
      out(c.bold(t('report.risksTitle')));
      for (const cause of risks) {
        const v = view(cause);
        const what = cause.kind !== 'finding' && v.lead ? `${v.title} ${findingText(v.lead.result, v.lead.finding, 'message')}` : v.title;
        out(`  ${c.yellow(pad(t(`severity.${cause.severity}`), 8))} ${truncate(what, width - 12)}`);
        if (v.fix) out(c.dim(`           ${truncate(v.fix, width - 12)}`));
      }
    }
    out();
  } else {
    legacyBlockers();
  }

  function legacyBlockers() {
    out(c.bold(t('report.blockers')));
    if (report.blockers.length === 0) out(`  ${c.green(t('report.noBlockers'))}`);
    report.blockers.forEach((b, i) => {
      const r = resultOfBlocker(report, b);
      const f = r?.findings.find((x) => x.id === b.finding);
      const sev = b.severity === 'critical' || b.severity === 'high' ? c.red.bold : c.yellow;
      out(`  ${i + 1}. ${sev(t(`severity.${b.severity}`).toUpperCase())}  ${c.bold(`${b.check} · ${b.target}`)}`);
      out(`     ${r && f ? findingText(r, f, 'message') : b.finding}`);
      const fix = r && f ? findingText(r, f, 'remediation') : undefined;
      if (fix) out(`     ${c.cyan(t('report.fixLabel'))} ${fix}`);
      if (b.location) out(c.dim(`     ${b.location.file}:${b.location.line}:${b.location.column}`));
    });
    out();
  }

  out(c.bold(t('report.categories')));
  for (const cat of report.categories) {
    if (cat.status === 'not-applicable') continue;
    const score = cat.score === null ? '—' : String(cat.score);
    const bar = cat.score === null ? '' : `${'█'.repeat(Math.round(cat.score / 5))}${'░'.repeat(20 - Math.round(cat.score / 5))}`;
    out(
      `  ${pad(t(`category.${cat.id}`), 14)} ${score.padStart(3)}  ${c.dim(bar)}${cat.status === 'incomplete' ? c.magenta(` ${t('report.incomplete')}`) : ''}`,
    );
  }
  out();

  out(c.bold(t('report.results')));
  // Compliance rules get their own section below.
  const sorted = report.results
    .filter((r) => r.check !== 'compliance')
    .sort(
      (a, b) =>
        STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || byCodeUnit(a.check, b.check) || byCodeUnit(a.target, b.target),
    );
  const shown = opts.verbose
    ? sorted
    : sorted.filter((r) => r.status !== 'pass' && r.status !== 'skipped').concat(sorted.filter((r) => r.status === 'pass').slice(0, 12));
  const hidden = sorted.length - shown.length;
  // On a narrow terminal the result column keeps at least a third of the width.
  const narrow = width < 100;
  const targetW = Math.min(narrow ? 18 : 28, Math.max(6, ...shown.map((r) => r.target.length)));
  const checkW = Math.min(narrow ? 12 : 16, Math.max(5, ...shown.map((r) => r.check.length)));
  const fixedW = 8 + checkW + targetW + 8 + 8;
  out(
    c.dim(
      `  ${pad(t('col.status'), 7)} ${pad(t('col.check'), checkW)} ${pad(t('col.target'), targetW)} ${pad(t('col.result'), width - fixedW)} ${t('col.time')}`,
    ),
  );
  for (const r of shown) {
    const status = pad(r.waiver ? t('report.waived') : t(`status.${r.status}`), 7);
    const summary = truncate(resultSummary(r, t, findingText), width - fixedW);
    out(
      `  ${r.waiver ? c.dim(status) : statusColor(r.status, status)} ${pad(truncate(r.check, checkW), checkW)} ${pad(truncate(r.target, targetW), targetW)} ${pad(summary, width - fixedW)} ${c.dim(`${r.durationMs} ms`)}`,
    );
    // What the check shows of its facts, under its row: every block with --verbose; otherwise the first
    // few of a result that needs attention (a TLS audit's grade and matrix, say).
    const shownBlocks = opts.verbose
      ? (r.blocks ?? [])
      : r.status === 'fail' || r.status === 'warn'
        ? (r.blocks ?? []).slice(0, DEFAULT_BLOCKS)
        : [];
    for (const b of shownBlocks)
      lines.push(
        ...blockLines(textBlock(b, blockText(tr, opts.catalogs?.get(r.check), String), tr), width - 10).map((l) => c.dim(`          ${l}`)),
      );
  }
  if (hidden > 0) {
    const passing = sorted.filter((r) => r.status === 'pass').length - shown.filter((r) => r.status === 'pass').length;
    const skipped = sorted.filter((r) => r.status === 'skipped').length - shown.filter((r) => r.status === 'skipped').length;
    out(c.dim(`  ${t('report.moreResultsSplit', { passing, skipped })}`));
  }
  out();

  if (report.compliance?.length) {
    lines.push(
      ...renderCompliance(report, {
        lang: opts.lang,
        color: c,
        verbose: Boolean(opts.verbose),
        width,
        catalogs: opts.catalogs?.get('compliance'),
      }),
    );
    out();
  }

  if (report.waivers.length) {
    out(c.bold(t('report.waivers')));
    for (const w of report.waivers) {
      const state =
        w.status === 'expired'
          ? c.red(t('report.waiverExpired', { date: w.expires ?? '' }))
          : w.status === 'unused'
            ? c.yellow(t('report.waiverUnused'))
            : c.dim(w.expires ? `→ ${w.expires}` : '');
      out(`  ${w.check}${w.target ? ` · ${w.target}` : ''}: ${w.justification} ${state}`);
    }
    out();
  }
  if (report.gate) {
    out(
      report.gate.passed
        ? c.green(t('report.gate.passed'))
        : c.red.bold(t('report.gate.failed', { reasons: report.gate.reasons.map((m) => t(m.id, m.params)).join('; ') })),
    );
  }
  const checks = new Set(report.results.map((r) => r.check)).size;
  out(c.dim(t('report.duration', { seconds: (report.durationMs / 1000).toFixed(1), ...taskCounts(report), checks })));
  return `${lines.join('\n')}\n`;
}

/** A block as aligned columns, cut to the width. */
function blockLines(b: TextBlock, width: number): string[] {
  const rows = b.header ? [b.header, ...b.rows] : b.rows;
  const cols = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: cols }, (_, i) => Math.min(40, Math.max(...rows.map((r) => displayWidth(r[i] ?? '')))));
  return [
    ...(b.title ? [b.title] : []),
    ...rows.map((r) => truncate(r.map((cell, i) => (i < cols - 1 ? pad(truncate(cell, widths[i]!), widths[i]!) : cell)).join('  '), width)),
    ...(b.note ? [b.note] : []),
  ];
}

function resultSummary(
  r: ReportResult,
  t: (id: string, p?: Record<string, string | number>) => string,
  findingText: (r: ReportResult, f: ReportFinding, kind: 'message' | 'remediation') => string,
): string {
  if (r.status === 'error') {
    const why = r.findings[0] ? findingText(r, r.findings[0], 'message') : (r.error?.message ?? '');
    return t('report.error', { message: why });
  }
  if (r.status === 'skipped')
    return t(r.reason === 'disabled' ? 'report.disabled' : r.reason === 'opt-in' ? 'report.optIn' : 'report.notApplicable');
  const first = r.findings[0];
  if (first && r.status !== 'pass') return findingText(r, first, 'message');
  const parts: string[] = [];
  if (r.classification !== undefined)
    parts.push(
      r.path === 'proxy'
        ? t('report.viaProxy', { classification: classificationText(t, r.classification) })
        : classificationText(t, r.classification),
    );
  for (const m of r.measurements.slice(0, 3)) parts.push(`${m.id} ${m.value}${m.unit && m.unit !== 'count' ? ` ${m.unit}` : ''}`);
  return parts.join(' · ');
}
