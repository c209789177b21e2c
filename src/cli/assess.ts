import { dirname, resolve } from 'node:path';
import { runAndReport, planSite } from '../assess.js';
import { UsageError } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import { abortableDelay } from '../util/abortable-delay.js';
import { Interrupted } from '../runner/interruption.js';
import { loadSiteFile } from '../site/load.js';
import { interceptSignals, maskFaultsWith } from './lifecycle.js';
import { checkOutputTargets, emitReport, langOf, outputTargets, runSettings, type OutputFlags, type RunFlags } from './output.js';
import { createProgress } from './progress.js';
import { colorEnabled } from './terminal.js';
import type { Report } from '../report/model.js';
import { recordRun, storeLocation, type StoreFlags } from './store.js';
import { exportMetrics, otlpTarget, type OtlpFlags } from './otlp.js';

export async function assessCommand(
  file: string,
  flags: OutputFlags & RunFlags & StoreFlags & OtlpFlags & { platform?: string; randomDelay?: string },
): Promise<void> {
  const targets = outputTargets(flags);
  const settings = runSettings(flags);
  const startDelayMs = randomDelayOf(flags.randomDelay);
  // A bad --store or --otlp is a usage error now; a store or receiver that is down is found (and
  // survived) after measuring.
  const store = flags.store !== undefined ? storeLocation(flags.store) : undefined;
  const otlp = otlpTarget(flags);
  const platforms = flags.platform
    ?.split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const { site, redactor } = await loadSiteFile(file, platforms?.length ? { platforms } : {});
  for (const w of site.platform.catalogWarnings ?? []) process.stderr.write(`warning: ${w}\n`);
  const plan = await planSite(site, dirname(resolve(file)), settings);
  const after = { targets, redactor, lang: langOf(flags), ...(flags.quiet ? { quiet: true } : {}) };
  const record =
    store || otlp
      ? async (report: Report) => {
          if (store) await recordRun(report, store, after);
          if (otlp) await exportMetrics(report, otlp, after);
        }
      : undefined;
  process.exitCode = await measureAndEmit(plan, redactor, flags, settings, targets, {
    startDelayMs,
    ...(record ? { afterwards: record } : {}),
  });
}

/** The longest a fleet's run waits before measuring: a scheduler's jitter, not a deadline. */
const MAX_RANDOM_DELAY_MS = 24 * 3_600_000;

/** `--random-delay 15m` → a delay drawn uniformly from [0, 15 min). */
function randomDelayOf(text: string | undefined): number {
  if (text === undefined) return 0;
  const max = parseDuration(text);
  if (max === undefined || max > MAX_RANDOM_DELAY_MS)
    throw new UsageError(`--random-delay must be a duration up to 24h, got "${text}"`, 'for example 90s, 15m or 1h');
  return Math.floor(Math.random() * max);
}

/**
 * Measures, then writes every requested format. Outputs are checked before measuring; a signal
 * stops the tasks and the report of what was measured is still written, marked incomplete.
 */
export async function measureAndEmit(
  plan: Awaited<ReturnType<typeof planSite>>,
  redactor: Parameters<typeof runAndReport>[1],
  flags: OutputFlags,
  settings: ReturnType<typeof runSettings>,
  targets: ReturnType<typeof outputTargets>,
  extra: {
    /** Wait this long before measuring (--random-delay). */
    startDelayMs?: number;
    /** After every format is written: record the run, send its metrics (their failures are their own to report). */
    afterwards?: (report: Report) => Promise<void>;
  } = {},
): Promise<number> {
  await checkOutputTargets(targets);
  maskFaultsWith((text) => redactor.redact(text));
  const progress = await createProgress({
    quiet: Boolean(flags.quiet),
    color: colorEnabled(process.stderr, flags.color === false ? false : undefined),
  });
  const controller = new AbortController();
  const release = interceptSignals((signal) => controller.abort(new Interrupted(signal)));
  try {
    const delayMs = extra.startDelayMs ?? 0;
    if (delayMs > 0) {
      if (!flags.quiet) process.stderr.write(`waiting ${Math.round(delayMs / 1000)} s before measuring (--random-delay)\n`);
      // A signal ends the wait at once: the run stops, and still writes its report.
      await abortableDelay(delayMs, controller.signal);
    }
    const report = await runAndReport(plan, redactor, {
      concurrency: settings.concurrency,
      timeoutMs: settings.timeoutMs,
      gate: settings.gate,
      lang: langOf(flags),
      signal: controller.signal,
      onEvent: (e) => progress.onEvent(e),
      ...(flags.debug ? { debug: (msg: string) => process.stderr.write(`debug ${redactor.redact(msg)}\n`) } : {}),
    });
    progress.stop();
    // The report has them as errors; a fault nothing caught is also a defect worth reporting upstream.
    for (const r of report.results) {
      if (r.error?.kind === 'uncaught')
        process.stderr.write(
          `siteready: ${r.check} on ${r.target}: ${r.error.message} (recorded as an error of this task; please report it)\n`,
        );
    }
    const code = await emitReport(report, targets, flags, plan.checks, redactor);
    if (extra.afterwards) await extra.afterwards(report);
    return code;
  } finally {
    progress.stop();
    release();
  }
}
