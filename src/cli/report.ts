// `siteready report <report.json>`: render a saved report again (any format, any language) and
// gate it again, without measuring. Nothing in the file is trusted before it matches the schema.

import { UsageError } from '../errors.js';
import { rejudgeReport } from '../rejudge.js';
import type { Report } from '../report/model.js';
import { loadReportFile } from './report-file.js';
import { checkOutputTargets, emitReport, langOf, outputTargets, runSettings, type OutputFlags, type RunFlags } from './output.js';
import { knownChecks } from './known-checks.js';
import { evaluateGate, hasGate, type GateOptions } from '../report/gate.js';
import { EXIT } from './lifecycle.js';
import { recordRun, storeLocation, type StoreFlags } from './store.js';
import { exportMetrics, otlpTarget, type OtlpFlags } from './otlp.js';

export interface RejudgeFlags {
  rejudge?: boolean;
  site?: string;
  profile?: string[];
}

export async function reportCommand(file: string, flags: OutputFlags & RunFlags & RejudgeFlags & StoreFlags & OtlpFlags): Promise<void> {
  const targets = outputTargets(flags);
  const store = flags.store !== undefined ? storeLocation(flags.store) : undefined;
  const otlp = otlpTarget(flags);
  if (store && flags.rejudge)
    throw new UsageError(
      '--store imports the saved run as it was measured and judged: drop --rejudge',
      'import first, then re-judge: siteready report FILE --store URL',
    );
  const { gate } = runSettings(flags);
  if (!flags.rejudge && (flags.site || flags.profile)) throw new UsageError('--site and --profile judge the facts again: add --rejudge');
  await checkOutputTargets(targets);
  const saved = await loadReportFile(file);
  const report = flags.rejudge
    ? await rejudgeReport(saved, {
        ...(flags.site ? { siteFile: flags.site } : {}),
        ...(flags.profile ? { profiles: flags.profile } : {}),
        ...(hasGate(gate) ? { gate } : {}),
      })
    : saved;
  if (!flags.rejudge) regate(report, gate);
  else if (report.rejudged?.notRejudged.length && !flags.quiet) {
    process.stderr.write(
      `siteready: ${report.rejudged.notRejudged.length} result(s) could not be judged again (errors of kind not-rejudged in the report); for example ${report.rejudged.notRejudged[0]!.check} · ${report.rejudged.notRejudged[0]!.target}: ${report.rejudged.notRejudged[0]!.reason}\n`,
    );
  }
  const checks = await knownChecks(report);
  const code = await emitReport(report, targets, flags, checks);
  // Importing is what was asked: a store that cannot take the run makes the command fail (exit 2).
  const imported = store
    ? await recordRun(saved, store, { importedFrom: file, lang: langOf(flags), ...(flags.quiet ? { quiet: true } : {}) })
    : true;
  // The metrics of the report as rendered (judged again with --rejudge); a receiver that cannot
  // take them is a warning, as after a run.
  if (otlp) await exportMetrics(report, otlp, { importedFrom: file, lang: langOf(flags), ...(flags.quiet ? { quiet: true } : {}) });
  process.exitCode = imported ? code : Math.max(code, EXIT.USAGE);
}

/** Gates given on the command line replace the saved gate; without any, the saved gate is evaluated again. */
function regate(report: Report, fromFlags: GateOptions): void {
  const saved = report.gate?.options as GateOptions | undefined;
  const options = hasGate(fromFlags)
    ? fromFlags
    : saved && hasGate(saved)
      ? { ...saved, ...(fromFlags.allowIncomplete ? { allowIncomplete: true } : {}) }
      : undefined;
  if (options) report.gate = evaluateGate(report, options);
}
