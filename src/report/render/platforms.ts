// The platform comparison every human format shows: one row per platform (catalog version, score,
// grade, verdict, blockers, the first thing to fix) and the sentences that answer "which platform
// is this site ready for". Formats differ only in how they draw it.

import type { Report } from '../model.js';
import type { ReportText } from './localize.js';

export interface PlatformRow {
  name: string;
  catalog: string;
  score: string;
  grade: string;
  verdict: Report['verdict'];
  blockers: string;
  first: string;
}

export interface PlatformComparison {
  title: string;
  header: string[];
  rows: PlatformRow[];
  /** Ready for / with risks / not ready, the best fit, then unconfirmed and untested entries. */
  notes: string[];
}

const ORDER: Record<Report['verdict'], number> = { READY: 0, 'READY WITH RISKS': 1, 'NOT READY': 2 };

export function platformComparison(report: Report, x: Pick<ReportText, 't' | 'finding'>): PlatformComparison | undefined {
  const list = report.platforms ?? [];
  if (!list.length) return undefined;
  const t = x.t;
  const sorted = [...list].sort((a, b) => ORDER[a.verdict] - ORDER[b.verdict] || (b.score ?? -1) - (a.score ?? -1));
  const rows = sorted.map((p) => {
    const first = p.blockers[0];
    return {
      name: p.instance ? `${p.name} (${p.instance})` : p.name,
      catalog: t('platforms.catalogVersion', { id: p.id, version: p.version }),
      score: p.score === null ? '—' : String(p.score),
      grade: p.grade ?? '—',
      verdict: p.verdict,
      blockers: t('platforms.blockerSplit', { own: p.ownBlockerCount, site: p.blockerCount - p.ownBlockerCount }),
      first: first
        ? `${first.check} · ${first.target}: ${x.finding(first.check, { id: first.finding, severity: first.severity, message: first.message }, 'message')}`
        : '',
    };
  });
  const names = (verdict: Report['verdict']) => sorted.filter((p) => p.verdict === verdict).map((p) => p.name);
  const notes: string[] = [];
  if (list.length > 1) {
    const ready = names('READY');
    const risks = names('READY WITH RISKS');
    const not = names('NOT READY');
    if (ready.length) notes.push(t('platforms.readyFor', { list: ready.join(', ') }));
    if (risks.length) notes.push(t('platforms.risksFor', { list: risks.join(', ') }));
    if (not.length) notes.push(t('platforms.notReadyFor', { list: not.join(', ') }));
    const best = sorted[0]!;
    if (best.score !== null) notes.push(t('platforms.best', { name: best.name, score: best.score }));
    notes.push(t('platforms.overallNote'));
  }
  for (const p of sorted) {
    if (p.unconfirmed.length)
      notes.push(
        t('platforms.unconfirmed', {
          name: p.name,
          count: p.unconfirmed.length,
          entries: p.unconfirmed
            .slice(0, 4)
            .map((u) => u.entry)
            .join(', ')
            .concat(p.unconfirmed.length > 4 ? ', …' : ''),
        }),
      );
    if (p.untested.length) notes.push(t('platforms.untested', { name: p.name, list: p.untested.join('; ') }));
  }
  return {
    title: t(list.length > 1 ? 'platforms.title' : 'platforms.single'),
    header: ['platform', 'catalog', 'score', 'grade', 'verdict', 'blockers', 'first'].map((k) => t(`platforms.col.${k}`)),
    rows,
    notes,
  };
}
