import { dirname, resolve } from 'node:path';
import { runAndReport, planSite } from '../assess.js';
import { loadSiteFile } from '../site/load.js';
import { emitReport, langOf, outputTargets, runSettings, type OutputFlags, type RunFlags } from './output.js';
import { createProgress } from './progress.js';
import { colorEnabled } from './terminal.js';

export async function assessCommand(file: string, flags: OutputFlags & RunFlags): Promise<void> {
  const targets = outputTargets(flags);
  const settings = runSettings(flags);
  const { site, redactor } = await loadSiteFile(file);
  const plan = await planSite(site, dirname(resolve(file)), settings);
  process.exitCode = await measureAndEmit(plan, redactor, flags, settings, targets);
}

export async function measureAndEmit(
  plan: Awaited<ReturnType<typeof planSite>>,
  redactor: Parameters<typeof runAndReport>[1],
  flags: OutputFlags,
  settings: ReturnType<typeof runSettings>,
  targets: ReturnType<typeof outputTargets>,
): Promise<number> {
  const progress = await createProgress({ quiet: Boolean(flags.quiet), color: colorEnabled(process.stderr, flags.color === false ? false : undefined) });
  const controller = new AbortController();
  const onSignal = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const report = await runAndReport(plan, redactor, {
      concurrency: settings.concurrency,
      timeoutMs: settings.timeoutMs,
      gate: settings.gate,
      lang: langOf(flags),
      signal: controller.signal,
      onEvent: (e) => progress.onEvent(e),
      ...(flags.debug ? { debug: (msg: string) => process.stderr.write(`debug ${redactor.redact(msg)}\n`) } : {}),
    });
    return await emitReport(report, targets, flags, plan.checks, redactor);
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
