// The library's main entry: load → plan → run → report → gate, each stage a plain function.

import { dirname, resolve } from 'node:path';
import { planSite, type AssessmentPlan } from './plan-site.js';
import { platformVerdicts } from './platform-verdicts.js';
import { Interrupted } from './runner/interruption.js';
import { runPlan, type ProgressEvent } from './runner/run.js';
import { buildReport, type Report } from './report/model.js';
import { gatherVantage } from './report/vantage.js';
import { evaluateGate, hasGate, type GateOptions } from './report/gate.js';
import { loadSiteFile, type LoadedSite } from './site/load.js';
import type { Redactor } from './site/secrets.js';
import type { Lang } from './i18n/index.js';
import { toolVersion } from './version.js';

export { planSite, type AssessmentPlan, type PlanSiteOptions } from './plan-site.js';

export interface AssessOptions {
  concurrency?: number;
  timeoutMs?: number;
  taskTimeoutMs?: number;
  only?: string[];
  gate?: GateOptions;
  lang?: Lang;
  signal?: AbortSignal;
  onEvent?: (e: ProgressEvent) => void;
  env?: NodeJS.ProcessEnv;
  now?: Date;
  debug?: (msg: string, fields?: Record<string, unknown>) => void;
}

export async function assessFile(path: string, opts: AssessOptions = {}): Promise<Report> {
  const loaded = await loadSiteFile(path, { ...(opts.env ? { env: opts.env } : {}) });
  return assessSite(loaded, dirname(resolve(path)), opts);
}

export async function assessSite({ site, redactor }: LoadedSite, siteDir: string, opts: AssessOptions = {}): Promise<Report> {
  const plan = await planSite(site, siteDir, opts);
  return runAndReport(plan, redactor, opts);
}

export async function runAndReport(plan: AssessmentPlan, redactor: Redactor, opts: AssessOptions = {}): Promise<Report> {
  const vantage = gatherVantage(plan.site);
  const startedAt = new Date();
  const measured = await runPlan(plan, {
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    ...(opts.debug ? { debug: opts.debug } : {}),
  });
  // Compliance rules read the site and what was measured: evaluated once the run is over.
  let results = measured;
  if (plan.profiles?.length) {
    const { evaluateProfiles, outcomesToResults } = await import('./compliance/stage.js');
    results = [...measured, ...outcomesToResults(evaluateProfiles(plan.profiles, plan.site, measured), plan.site)];
  }
  const finishedAt = new Date();
  const stopped = opts.signal?.aborted && opts.signal.reason instanceof Interrupted ? opts.signal.reason : undefined;
  const report = buildReport({
    site: plan.site,
    checks: plan.checks.filter((c) => results.some((r) => r.check === c.id)),
    results,
    startedAt,
    finishedAt,
    toolVersion: toolVersion(),
    redactor,
    vantage,
    ...(plan.profiles?.length ? { profiles: plan.profiles } : {}),
    ...(plan.site.platform.catalogs?.length
      ? { platforms: platformVerdicts(plan.site, plan.checks, plan.tasks, results, opts.now ?? finishedAt) }
      : {}),
    ...(stopped
      ? {
          interruption: {
            kind: 'signal' as const,
            signal: stopped.signal,
            message: `the run was stopped by ${stopped.signal} before every task finished`,
          },
        }
      : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
  const gateOptions = { ...plan.site.gate, ...opts.gate } as GateOptions;
  if (hasGate(gateOptions)) report.gate = evaluateGate(report, gateOptions);
  return report;
}
