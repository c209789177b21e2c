// `siteready report <report.json>`: render a saved report again (any format, any language) and
// gate it again, without measuring. Nothing in the file is trusted before it matches the schema.

import type { Report } from '../report/model.js';
import { loadReportFile } from './report-file.js';
import { emitReport, langOf, outputTargets, runSettings, type OutputFlags, type RunFlags } from './output.js';
import { knownChecks } from './known-checks.js';
import { evaluateGate, hasGate, type GateOptions } from '../scoring/gate.js';

export async function reportCommand(file: string, flags: OutputFlags & RunFlags): Promise<void> {
  const targets = outputTargets(flags);
  const { gate } = runSettings(flags);
  const report = await loadReportFile(file);
  regate(report, gate, flags);
  const checks = await knownChecks(report);
  process.exitCode = await emitReport(report, targets, flags, checks);
}

/** Gates given on the command line replace the saved gate; without any, the saved gate is evaluated again. */
function regate(report: Report, fromFlags: GateOptions, flags: OutputFlags): void {
  const saved = report.gate?.options as GateOptions | undefined;
  const options = hasGate(fromFlags) ? fromFlags : saved && hasGate(saved) ? { ...saved, ...(fromFlags.allowIncomplete ? { allowIncomplete: true } : {}) } : undefined;
  if (options) report.gate = evaluateGate(report, options, langOf(flags));
}
