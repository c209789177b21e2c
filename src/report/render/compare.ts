// `siteready compare` output: the comparison as text for people (terminal, Markdown, translated)
// or as JSON for pipelines (field names and ids only, never translated).

import { Chalk } from 'chalk';
import { translator, type Lang } from '../../i18n/index.js';
import type { ReportComparison } from './compare-diff.js';
import { mdText } from './markdown-escape.js';

export const COMPARE_FORMATS = ['terminal', 'json', 'md'] as const;
export type CompareFormat = (typeof COMPARE_FORMATS)[number];

interface Section {
  title: string;
  tone: 'bad' | 'good' | 'plain';
  items: string[];
}

function sections(c: ReportComparison, lang: Lang): { headline: string[]; sections: Section[]; verdict: string } {
  const { t } = translator(lang);
  const status = (s: string) => t(`status.${s}`);
  const score = (n: number | null) => (n === null ? '—' : String(n));
  const headline = [
    t('compare.before', { file: c.before.file, time: c.before.finishedAt }),
    t('compare.after', { file: c.after.file, time: c.after.finishedAt }),
    `${t('compare.score', { before: score(c.score.before), after: score(c.score.after) })}${c.score.delta ? ` (${c.score.delta > 0 ? '+' : ''}${c.score.delta})` : ''} · ${t('compare.grade', { before: c.grade.before ?? '—', after: c.grade.after ?? '—' })} · ${t('compare.verdict', { before: t(`verdict.${c.before.verdict}`), after: t(`verdict.${c.after.verdict}`) })}`,
  ];
  const change = (x: ReportComparison['regressed'][number]) =>
    x.before.status === x.after.status
      ? t('compare.resultScore', { check: x.check, target: x.target, before: score(x.before.score), after: score(x.after.score) })
      : t('compare.result', { check: x.check, target: x.target, before: status(x.before.status), after: status(x.after.status) });
  const finding = (f: ReportComparison['appeared']['findings'][number], kind: 'compare.findingNew' | 'compare.findingGone') =>
    `${t(kind, { check: f.check, target: f.target, finding: f.finding, severity: t(`severity.${f.severity}`) })}${f.waived ? ` (${t('report.waived')})` : ''}`;
  const list: Section[] = [
    { title: t('compare.regressed'), tone: 'bad', items: c.regressed.map(change) },
    { title: t('compare.improved'), tone: 'good', items: c.improved.map(change) },
    {
      title: t('compare.appeared'),
      tone: 'bad',
      items: [
        ...c.appeared.results.map((r) => t('compare.resultNew', { check: r.check, target: r.target, status: status(r.status) })),
        ...c.appeared.findings.map((f) => finding(f, 'compare.findingNew')),
      ],
    },
    {
      title: t('compare.disappeared'),
      tone: 'good',
      items: [
        ...c.disappeared.results.map((r) => t('compare.resultGone', { check: r.check, target: r.target, status: status(r.status) })),
        ...c.disappeared.findings.map((f) => finding(f, 'compare.findingGone')),
      ],
    },
    {
      title: t('compare.measurements', { tolerance: c.tolerancePercent }),
      tone: 'plain',
      items: c.measurements.map(
        (m) =>
          `${t('compare.measurement', { check: m.check, target: m.target, measurement: m.measurement, before: m.before, after: m.after, unit: m.unit && m.unit !== 'count' ? ` ${m.unit}` : '' })} (${m.changePercent > 0 ? '+' : ''}${m.changePercent} %, ${t(`compare.${m.direction}`)})`,
      ),
    },
  ];
  const verdict = c.regressions.length ? t('compare.regressions', { count: c.regressions.length }) : t('compare.noRegression');
  return { headline, sections: list, verdict };
}

export function renderComparison(c: ReportComparison, format: CompareFormat, opts: { lang: Lang; color: boolean }): string {
  if (format === 'json') return `${JSON.stringify(c, null, 2)}\n`;
  const { t } = translator(opts.lang);
  const { headline, sections: list, verdict } = sections(c, opts.lang);
  if (format === 'md') {
    const out = [`# ${mdText(t('compare.title'))}`, '', ...headline.map((l) => `- ${mdText(l)}`), '', `**${mdText(verdict)}**`, ''];
    for (const s of list) {
      out.push(`## ${mdText(s.title)}`, '');
      out.push(...(s.items.length ? s.items.map((i) => `- ${mdText(i)}`) : [`_${mdText(t('compare.nothing'))}_`]), '');
    }
    return `${out.join('\n')}\n`;
  }
  const k = new Chalk({ level: opts.color ? 1 : 0 });
  const out = [k.bold(t('compare.title')), ...headline, ''];
  for (const s of list) {
    const paint = s.tone === 'bad' ? k.red : s.tone === 'good' ? k.green : k.reset;
    out.push(k.bold(`${s.title} (${s.items.length})`));
    out.push(...(s.items.length ? s.items.map((i) => `  ${paint(i)}`) : [k.dim(`  ${t('compare.nothing')}`)]), '');
  }
  out.push(c.regressions.length ? k.red.bold(verdict) : k.green(verdict));
  return `${out.join('\n')}\n`;
}
