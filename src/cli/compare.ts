// `siteready compare <before.json> <after.json>`: what a remediation changed — improved,
// regressed, appeared, disappeared — and, with --fail-on-regression, exit 1 when anything got
// worse, to gate "no regression" in CI.

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { parseRunRef, pickRun } from '../history/select.js';
import type { HistoryStore } from '../history/store.js';
import type { Report } from '../report/model.js';
import { compareReports } from '../report/render/compare-diff.js';
import { COMPARE_FORMATS, renderComparison, type CompareFormat } from '../report/render/compare.js';
import { parseFormats } from '../report/render/index.js';
import { langOf, type OutputFlags } from './output.js';
import { loadReportFile } from './report-file.js';
import { appendStepSummary, stepSummaryPath } from './step-summary.js';
import { colorEnabled } from './terminal.js';
import { openForReading, storeLocation, type StoreFlags } from './store.js';

export interface CompareFlags extends OutputFlags, StoreFlags {
  tolerance?: string;
  failOnRegression?: boolean;
  site?: string;
}

interface Side {
  report: Report;
  label: string;
}

/**
 * Either side may be a stored run when --store is given: an argument that names an existing file is
 * that file; otherwise it is a run id or a date. A date picks a run of one site: --site, else the
 * other side's site, else the store's only site (several sites and no other clue: exit 2).
 */
async function loadSides(beforeArg: string, afterArg: string, flags: CompareFlags): Promise<[Side, Side]> {
  if (flags.store === undefined) {
    if (flags.site !== undefined) throw new UsageError('--site picks stored runs by date: add --store');
    return [
      { report: await loadReportFile(beforeArg), label: beforeArg },
      { report: await loadReportFile(afterArg), label: afterArg },
    ];
  }
  const location = storeLocation(flags.store);
  const args = [beforeArg, afterArg];
  const files = args.map((a) => (existsSync(a) ? a : undefined));
  const refs = args.map((a, i) => (files[i] ? undefined : parseRunRef(a)));
  let store: HistoryStore | undefined;
  try {
    store = await openForReading(location);
    const sides: Array<Side | undefined> = [undefined, undefined];
    // Files and ids first: they tell the site that a date on the other side is about.
    for (const i of [0, 1]) {
      if (files[i]) sides[i] = { report: await loadReportFile(files[i]!), label: files[i]! };
      else if (refs[i]!.kind === 'id') sides[i] = await storedSide(store, refs[i]!, undefined, args[i]!, location.display);
    }
    for (const i of [0, 1]) {
      if (sides[i]) continue;
      const other = sides[1 - i];
      let site = flags.site ?? other?.report.site.name;
      if (site === undefined) {
        const sites = await store.sites();
        if (sites.length > 1)
          throw new UsageError(
            `the store holds runs of ${sites.length} sites: which one is "${args[i]}" about?`,
            `add --site NAME (one of: ${sites.slice(0, 8).join(', ')}${sites.length > 8 ? ', …' : ''})`,
          );
        site = sites[0];
      }
      sides[i] = await storedSide(store, refs[i]!, site, args[i]!, location.display);
    }
    return [sides[0]!, sides[1]!];
  } finally {
    await store?.close();
  }
}

async function storedSide(
  store: HistoryStore,
  ref: ReturnType<typeof parseRunRef>,
  site: string | undefined,
  arg: string,
  display: string,
): Promise<Side> {
  const run = await pickRun(store, ref, site);
  const report = run ? await store.run(run.id) : undefined;
  if (!run || !report)
    throw new UsageError(
      ref.kind === 'id' ? `no run ${ref.id} in ${display}` : `no run${site ? ` of ${site}` : ''} in ${display} to compare for "${arg}"`,
      'list the stored runs with: siteready history --store …',
    );
  return { report, label: `run ${run.id} (${run.site}, ${run.startedAt})` };
}

export async function compareCommand(beforeFile: string, afterFile: string, flags: CompareFlags): Promise<void> {
  const targets = flags.json
    ? parseFormats('json', flags.out, COMPARE_FORMATS)
    : parseFormats(flags.format ?? 'terminal', flags.out, COMPARE_FORMATS);
  const tolerancePercent = flags.tolerance === undefined ? 10 : Number(flags.tolerance);
  if (!Number.isFinite(tolerancePercent) || tolerancePercent < 0)
    throw new UsageError(`--tolerance must be a percentage of 0 or more, got "${flags.tolerance}"`);
  const [b, a] = await loadSides(beforeFile, afterFile, flags);
  const [before, after] = [b.report, a.report];
  if (before.site.name !== after.site.name && !flags.quiet) {
    process.stderr.write(`siteready: note: the reports are of different sites ("${before.site.name}" and "${after.site.name}")\n`);
  }
  const comparison = compareReports(before, after, { tolerancePercent, beforeFile: b.label, afterFile: a.label });
  const lang = langOf(flags);
  for (const target of targets) {
    const format = target.format as CompareFormat;
    if (target.path === '-') {
      process.stdout.write(
        renderComparison(comparison, format, { lang, color: colorEnabled(process.stdout, flags.color === false ? false : undefined) }),
      );
    } else {
      await mkdir(dirname(target.path), { recursive: true });
      await writeFile(target.path, renderComparison(comparison, format, { lang, color: false }), 'utf8');
    }
  }
  const summary = stepSummaryPath(flags.stepSummary);
  if (summary) await appendStepSummary(summary, renderComparison(comparison, 'md', { lang, color: false }));
  const failed = Boolean(flags.failOnRegression && comparison.regressions.length);
  // A CI log must say why the step failed, wherever stdout went.
  if (failed) for (const r of comparison.regressions) process.stderr.write(`siteready: regression: ${r}\n`);
  process.exitCode = failed ? 1 : 0;
}
