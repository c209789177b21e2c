// `siteready compare <before.json> <after.json>`: what a remediation changed — improved,
// regressed, appeared, disappeared — and, with --fail-on-regression, exit 1 when anything got
// worse, to gate "no regression" in CI.

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { UsageError } from '../errors.js';
import { compareReports } from '../report/render/compare-diff.js';
import { COMPARE_FORMATS, renderComparison, type CompareFormat } from '../report/render/compare.js';
import { parseFormats } from '../report/render/index.js';
import { langOf, type OutputFlags } from './output.js';
import { loadReportFile } from './report-file.js';
import { appendStepSummary, stepSummaryPath } from './step-summary.js';
import { colorEnabled } from './terminal.js';

export interface CompareFlags extends OutputFlags {
  tolerance?: string;
  failOnRegression?: boolean;
}

export async function compareCommand(beforeFile: string, afterFile: string, flags: CompareFlags): Promise<void> {
  const targets = flags.json
    ? parseFormats('json', flags.out, COMPARE_FORMATS)
    : parseFormats(flags.format ?? 'terminal', flags.out, COMPARE_FORMATS);
  const tolerancePercent = flags.tolerance === undefined ? 10 : Number(flags.tolerance);
  if (!Number.isFinite(tolerancePercent) || tolerancePercent < 0)
    throw new UsageError(`--tolerance must be a percentage of 0 or more, got "${flags.tolerance}"`);
  const [before, after] = [await loadReportFile(beforeFile), await loadReportFile(afterFile)];
  if (before.site.name !== after.site.name && !flags.quiet) {
    process.stderr.write(`siteready: note: the reports are of different sites ("${before.site.name}" and "${after.site.name}")\n`);
  }
  const comparison = compareReports(before, after, { tolerancePercent, beforeFile, afterFile });
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
