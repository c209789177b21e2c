// The fleet at a glance on a terminal: how many sites are ready, the causes that block the most
// sites with their fix, the platforms, and the worst sites. The files have the rest.

import { Chalk } from 'chalk';
import { pad, truncate } from '../../util/text.js';
import type { Verdict } from '../../scoring/score.js';
import type { FleetReport } from '../model.js';
import type { FleetText } from './text.js';

/** Causes and sites listed on a terminal; every format written to a file lists them all. */
const CAUSES_SHOWN = 5;
const SITES_SHOWN = 10;

/** Control characters from report data (an escape sequence in a site name) never reach the terminal. */
const clean = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ');

export function renderFleetTerminal(fleet: FleetReport, x: FleetText, opts: { color: boolean; width?: number }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const { t } = x;
  const s = fleet.summary;
  const width = Math.max(80, Math.min(opts.width ?? 100, 160));
  const verdictColor = (v: Verdict, text: string) =>
    v === 'READY' ? c.green(text) : v === 'NOT READY' ? c.red.bold(text) : c.yellow(text);
  const out: string[] = [];
  out.push(c.bold(clean(fleet.title ?? t('fleet.title'))));
  out.push(
    `${c.bold(t('fleet.summaryLine', { sites: s.sites, ready: s.ready, risks: s.readyWithRisks, notReady: s.notReady }))}  ${t('fleet.medianScore')}: ${s.medianScore ?? '—'}`,
  );
  if (s.incomplete) out.push(c.yellow(t('fleet.incomplete', { count: s.incomplete })));
  out.push('');
  out.push(c.bold(t('fleet.topCauses')));
  const blocking = fleet.causes.filter((k) => k.blocks.length);
  if (!blocking.length) out.push(`  ${t('fleet.noBlockingCauses')}`);
  blocking.slice(0, CAUSES_SHOWN).forEach((k, i) => {
    out.push(`  ${i + 1}. ${c.red(t('fleet.blocksSites', { count: k.blocks.length }))}  ${truncate(clean(x.title(k)), width - 24)}`);
    out.push(c.dim(`     ${truncate(clean(x.list(k.blocks, 4)), width - 6)}`));
    const fix = x.fix(k);
    if (fix) out.push(`     ${t('report.fixLabel')} ${truncate(clean(fix), width - 12)}`);
  });
  if (blocking.length > CAUSES_SHOWN) out.push(c.dim(`  ${t('fleet.more', { count: blocking.length - CAUSES_SHOWN })}`));
  if (fleet.platforms.length) {
    out.push('', c.bold(t('fleet.platforms')));
    const nameWidth = Math.min(28, Math.max(...fleet.platforms.map((p) => p.name.length)));
    for (const p of fleet.platforms) {
      out.push(
        `  ${pad(truncate(clean(p.name), nameWidth), nameWidth)}  ${c.green(`${t('fleet.col.ready')} ${p.ready}`)} · ${c.yellow(`${t('fleet.col.risks')} ${p.readyWithRisks}`)} · ${c.red(`${t('fleet.col.notReady')} ${p.notReady}`)} · ${t('fleet.col.median')} ${p.medianScore ?? '—'}`,
      );
    }
  }
  out.push('', c.bold(t('fleet.sitesTitle')));
  const shown = fleet.sites.slice(0, SITES_SHOWN);
  const siteWidth = Math.min(30, Math.max(4, ...shown.map((x2) => x2.site.length)));
  for (const site of shown) {
    const top = x.cause(site.topCause);
    const verdict = pad(x.verdict(site.verdict), 16);
    out.push(
      `  ${pad(truncate(clean(site.site), siteWidth), siteWidth)}  ${verdictColor(site.verdict, verdict)} ${pad(site.score === null ? '—' : String(site.score), 3)} ${pad(site.grade ?? '—', 2)}${site.complete ? '' : ` ${c.yellow(t('fleet.incompleteFlag'))}`}  ${c.dim(truncate(clean(top ? x.title(top) : ''), Math.max(10, width - siteWidth - 34)))}`,
    );
  }
  if (fleet.sites.length > SITES_SHOWN) out.push(c.dim(`  ${t('fleet.more', { count: fleet.sites.length - SITES_SHOWN })}`));
  if (fleet.warnings.length) {
    out.push('', c.bold(t('fleet.warnings')));
    for (const w of fleet.warnings) out.push(c.yellow(`  ${clean(t(w.id, w.params))}`));
  }
  return `${out.join('\n')}\n`;
}
