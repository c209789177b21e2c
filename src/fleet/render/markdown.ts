// The fleet report as GitHub-flavoured Markdown: summary, the causes that block the most sites,
// platforms across sites, every site worst first. Every value from a report is escaped.

import { mdCell, mdCode, mdTable, mdText } from '../../report/render/markdown-escape.js';
import type { FleetReport } from '../model.js';
import { measuredSpan, type FleetText } from './text.js';

export function renderFleetMarkdown(fleet: FleetReport, x: FleetText): string {
  const { t } = x;
  const s = fleet.summary;
  const out: string[] = [];
  out.push(`# ${mdText(fleet.title ?? t('fleet.title'))}`, '');
  const span = measuredSpan(fleet);
  out.push(
    `${mdText(t('fleet.generated', { date: x.date(fleet.generatedAt), version: fleet.tool.version }))}${span ? ` · ${mdText(t('fleet.measuredBetween', { first: x.date(span.first), last: x.date(span.last) }))}` : ''}`,
    '',
  );
  out.push(`## ${mdText(t('fleet.summary'))}`, '');
  out.push(`**${mdText(t('fleet.summaryLine', { sites: s.sites, ready: s.ready, risks: s.readyWithRisks, notReady: s.notReady }))}**`, '');
  out.push(
    `${mdText(t('fleet.medianScore'))}: ${s.medianScore ?? '—'} · ${mdText(t('fleet.grades'))}: ${(['A', 'B', 'C', 'D', 'E', 'F'] as const)
      .filter((g) => s.grades[g])
      .map((g) => `${g} ${s.grades[g]}`)
      .concat(s.grades.none ? [`${mdText(t('fleet.noGrade'))} ${s.grades.none}`] : [])
      .join(', ')}`,
    '',
  );
  if (s.incomplete) out.push(mdText(t('fleet.incomplete', { count: s.incomplete })), '');
  const blocking = fleet.causes.filter((c) => c.blocks.length);
  out.push(`### ${mdText(t('fleet.topCauses'))}`, '');
  if (!blocking.length) out.push(mdText(t('fleet.noBlockingCauses')), '');
  else {
    blocking.slice(0, 3).forEach((c, i) => {
      out.push(`${i + 1}. **${mdText(x.title(c))}** — ${mdText(t('fleet.blocksSites', { count: c.blocks.length }))}`);
      const fix = x.fix(c);
      if (fix) out.push(`   ${mdText(t('report.fixLabel'))} ${mdText(fix)}`);
    });
    out.push('');
  }
  if (fleet.warnings.length) {
    out.push(`### ${mdText(t('fleet.warnings'))}`, '');
    for (const w of fleet.warnings) out.push(`- ${mdText(t(w.id, w.params))}`);
    out.push('');
  }

  out.push(`## ${mdText(t('fleet.causes'))}`, '', mdText(t('fleet.causesIntro')), '');
  if (!fleet.causes.length) out.push(mdText(t('fleet.noCauses')), '');
  else {
    out.push(
      ...mdTable(
        [
          '#',
          t('fleet.col.cause'),
          t('fleet.col.severity'),
          t('fleet.col.blocks'),
          t('fleet.col.sites'),
          t('fleet.col.blockedSites'),
          t('fleet.col.fix'),
        ].map(mdCell),
        fleet.causes.map((c, i) => [
          String(i + 1),
          mdCell(c.kind === 'finding' && c.sites.length > 1 ? `${x.title(c)} ${t('fleet.asOn', { site: c.example })}` : x.title(c)),
          mdCell(t(`severity.${c.severity}`)),
          String(c.blocks.length),
          String(c.sites.length),
          mdCell(x.list(c.blocks)),
          mdCell(x.fix(c)),
        ]),
      ),
      '',
    );
  }

  out.push(`## ${mdText(t('fleet.platforms'))}`, '');
  if (!fleet.platforms.length) out.push(mdText(t('fleet.noPlatforms')), '');
  else {
    out.push(mdText(t('fleet.platformsIntro')), '');
    out.push(
      ...mdTable(
        [
          t('fleet.col.platform'),
          t('fleet.col.catalog'),
          t('fleet.col.sites'),
          t('fleet.col.ready'),
          t('fleet.col.risks'),
          t('fleet.col.notReady'),
          t('fleet.col.median'),
          t('fleet.col.blockedBy'),
        ].map(mdCell),
        fleet.platforms.map((p) => [
          mdCell(p.name),
          p.versions.map((v) => mdCode(v.version)).join(', '),
          String(p.sites),
          String(p.ready),
          String(p.readyWithRisks),
          String(p.notReady),
          p.medianScore === null ? '—' : String(p.medianScore),
          mdCell(
            p.topCauses
              .slice(0, 2)
              .map((k) => {
                const c = x.cause(k.key);
                return `${c ? x.title(c) : k.key} (${k.sites})`;
              })
              .join('; '),
          ),
        ]),
      ),
      '',
    );
  }

  out.push(`## ${mdText(t('fleet.sitesTitle'))}`, '', mdText(t('fleet.sitesIntro')), '');
  out.push(
    ...mdTable(
      [
        t('fleet.col.site'),
        t('fleet.col.verdict'),
        t('fleet.col.score'),
        t('fleet.col.grade'),
        t('fleet.col.complete'),
        t('fleet.col.blockers'),
        t('fleet.col.topCause'),
        t('fleet.col.measured'),
        t('fleet.col.version'),
      ].map(mdCell),
      fleet.sites.map((site) => {
        const top = x.cause(site.topCause);
        return [
          mdCell(site.site),
          site.verdict === 'NOT READY' ? `**${mdText(x.verdict(site.verdict))}**` : mdCell(x.verdict(site.verdict)),
          site.score === null ? '—' : String(site.score),
          site.grade ?? '—',
          site.complete ? mdCell(t('fleet.yes')) : `**${mdText(t('fleet.incompleteFlag'))}**`,
          String(site.blockers),
          mdCell(top ? x.title(top) : ''),
          mdCell(x.date(site.measuredAt)),
          mdCell(site.toolVersion),
        ];
      }),
    ),
    '',
  );

  if (fleet.superseded.length) {
    out.push(`## ${mdText(t('fleet.superseded'))}`, '', mdText(t('fleet.supersededIntro')), '');
    for (const r of fleet.superseded) out.push(`- ${mdText(supersededLine(r, x))}`);
    out.push('');
  }
  return `${out.join('\n').replace(/\n+$/, '')}\n`;
}

export function supersededLine(r: FleetReport['superseded'][number], x: FleetText): string {
  return x.t('fleet.supersededLine', {
    site: r.site,
    at: x.date(r.measuredAt),
    source: r.source ?? x.t('fleet.unknown'),
    by: x.date(r.by.measuredAt),
    bySource: r.by.source ?? x.t('fleet.unknown'),
  });
}
